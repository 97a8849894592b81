import Foundation
import TugAPI

/// Generation bumps when anything but metadata and status changed, as Kubernetes' strategies do.
enum SpecComparison {
    static func specChanged<O: APIObject>(_ a: O, _ b: O) -> Bool {
        guard case .object(var x) = (try? JSONValue(encoding: a)) ?? .null,
              case .object(var y) = (try? JSONValue(encoding: b)) ?? .null else { return true }
        for k in ["metadata", "status", "apiVersion", "kind"] { x[k] = nil; y[k] = nil }
        return x != y
    }
}
