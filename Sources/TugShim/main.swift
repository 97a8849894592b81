#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TugShimKit

// `tug-shim`: the process runtime's small helper, kept apart from `tug` so that starting one per
// container costs a millisecond or two instead of loading the whole orchestrator.
//   tug-shim run DIR      supervise the container whose state folder is DIR
//   tug-shim launch SPEC  set up and exec the process SPEC describes
let arguments = CommandLine.arguments
switch arguments.count == 3 ? arguments[1] : "" {
case "run":
    exit(Supervisor.run(containerDirectory: arguments[2]))
case "launch":
    Launcher.run(specPath: arguments[2])
default:
    Sys.writeAll(2, Array("usage: tug-shim run CONTAINER_DIR | tug-shim launch SPEC_FILE (started by the tug agent's process runtime)\n".utf8))
    exit(2)
}
