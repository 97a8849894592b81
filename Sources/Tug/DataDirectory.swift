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
}
