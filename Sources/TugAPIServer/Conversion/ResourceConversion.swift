import Foundation
import TugAPI

/// Converts objects between the version a resource is stored in and a version served from
/// that storage. Works on JSON trees, so partial objects (apply configurations, patches)
/// convert as well as whole ones; absent fields stay absent.
protocol ResourceConversion: Sendable {
    func toServed(_ stored: JSONValue) throws -> JSONValue
    func toStorage(_ served: JSONValue) throws -> JSONValue
}

extension ResourceConversion {
    /// Stored bytes → served bytes; bytes that do not parse are passed on unchanged.
    func servedBytes(_ bytes: [UInt8]) -> [UInt8] {
        guard let v = try? JSONValue(parsing: bytes), let served = try? toServed(v) else { return bytes }
        return JSONWriter.write(served)
    }
}

/// Field moves shared by the conversions: a key renamed between versions.
enum JSONMove {
    static func rename(_ object: inout [String: JSONValue], _ from: String, _ to: String) {
        if let v = object.removeValue(forKey: from) { object[to] = v }
    }
}
