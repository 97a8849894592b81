import ArgumentParser
import TugAPIServer

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print Tugboat's version.")
    func run() {
        print("tug \(TugboatVersion.string) (Kubernetes API v1.37)")
    }
}
