import Foundation
import Yams

/// The server and credentials of a kubeconfig's current context.
public struct KubeconfigFile: Sendable {
    public var server: String
    public var token: String?

    public init(server: String, token: String? = nil) {
        self.server = server
        self.token = token
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String), invalid(String)
        public var description: String {
            switch self {
            case .unreadable(let m), .invalid(let m): return m
            }
        }
    }

    /// Reads `path` (the current context's cluster server and user token).
    public static func load(_ path: String) throws -> KubeconfigFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LoadError.unreadable("cannot read kubeconfig \(path)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String = "kubeconfig") throws -> KubeconfigFile {
        guard let doc = try? Yams.load(yaml: text) as? [String: Any] else { throw LoadError.invalid("\(source) is not a YAML mapping") }
        func named(_ list: String, _ name: String?) -> [String: Any]? {
            let items = doc[list] as? [[String: Any]] ?? []
            let item = name.flatMap { n in items.first { $0["name"] as? String == n } } ?? items.first
            return item
        }
        let contextName = doc["current-context"] as? String
        let context = named("contexts", contextName)?["context"] as? [String: Any]
        guard let cluster = named("clusters", context?["cluster"] as? String)?["cluster"] as? [String: Any],
              let server = cluster["server"] as? String, !server.isEmpty else {
            throw LoadError.invalid("\(source) has no cluster server for its current context")
        }
        let user = named("users", context?["user"] as? String)?["user"] as? [String: Any]
        return KubeconfigFile(server: server, token: user?["token"] as? String)
    }
}
