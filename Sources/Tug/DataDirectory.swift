import Foundation

/// Where Tugboat keeps its state: `/var/lib/tugboat` as root, else `~/.local/share/tugboat`.
enum DataDirectory {
    static func resolve(_ given: String?) -> String {
        if let g = given, !g.isEmpty { return (g as NSString).expandingTildeInPath }
        if getuid() == 0 { return "/var/lib/tugboat" }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".local/share/tugboat")
    }

    static func kubeconfigPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("admin.kubeconfig") }
    static func databasePath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("db/state.db") }

    /// This server's identity (for leader election), made once and kept in `DIR/server-id`.
    static func serverID(_ dir: String) -> String {
        let path = (dir as NSString).appendingPathComponent("server-id")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { return id }
        }
        let id = UUID().uuidString.lowercased()
        try? (id + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return id
    }
}
