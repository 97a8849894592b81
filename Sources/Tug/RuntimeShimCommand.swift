import ArgumentParser
import TugRuntimeProcess

/// `tug runtime-shim`: the process runtime re-executes `tug` as the per-container shim
/// (`--container-dir`) and as the launcher that becomes a container's or exec's process
/// (`--launch`). Not for people, so hidden.
struct RuntimeShimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime-shim",
        abstract: "Supervise one process-runtime container (internal).",
        shouldDisplay: false
    )

    @Option(help: "The container's state folder: run and supervise its process.")
    var containerDir: String?

    @Option(help: "A launch spec: set up and exec the process it describes.")
    var launch: String?

    func validate() throws {
        guard (containerDir == nil) != (launch == nil) else {
            throw ValidationError("give exactly one of --container-dir and --launch")
        }
    }

    func run() throws {
        if let launch { ContainerLauncher.run(specPath: launch) }
        if let containerDir {
            let status = ContainerShim.run(containerDirectory: containerDir)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
