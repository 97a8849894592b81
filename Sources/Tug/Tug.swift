import ArgumentParser
import Foundation

/// `tug`: Tugboat's one binary.
@main
struct Tug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tug",
        abstract: "Tugboat: a container orchestrator that speaks the Kubernetes API.",
        subcommands: [ServerCommand.self, AgentCommand.self, SimulateCommand.self, KubeconfigCommand.self, VersionCommand.self, BenchCommand.self, ImagesCommand.self]
    )
}
