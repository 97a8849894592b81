import Foundation
import ArgumentParser

/// The admin kubeconfig `tug server` writes for kubectl and client libraries.
enum Kubeconfig {
    static func render(server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: tugboat
          cluster:
            server: \(server)
        contexts:
        - name: tugboat
          context:
            cluster: tugboat
            user: tugboat-admin
        current-context: tugboat
        users:
        - name: tugboat-admin
          user: {}
        preferences: {}

        """
    }

    /// Written to a temporary file and renamed, so a reader never sees half a file.
    static func write(_ text: String, to path: String) throws {
        let tmp = path + ".tmp"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        chmod(tmp, 0o600)
        if rename(tmp, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}

struct KubeconfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig", abstract: "Print the admin kubeconfig written by `tug server`.")
    @Option(help: "The server's data directory.") var dataDir: String?

    func run() throws {
        let path = DataDirectory.kubeconfigPath(DataDirectory.resolve(dataDir))
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("no kubeconfig at \(path): start `tug server` with this --data-dir first")
        }
        print(text, terminator: "")
    }
}

