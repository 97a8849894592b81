import Foundation
import TugRuntime
import TugShimKit

/// A container's state as read from the files its shim writes and from /proc.
struct Observation: Sendable {
    var state: ContainerStatus.State
    var started: StartedRecord?
    var exit: ExitRecord?
}

extension ProcessRuntime {
    /// Reads the container's state. When the shim is gone without recording the end (killed, or
    /// the machine rebooted), the runtime records it, so every later look agrees.
    func observe(_ record: ContainerRecord) throws -> Observation {
        let directory = store.containerDirectory(record.id)
        let started = try store.started(record.id)
        if let exit = try store.exit(record.id) {
            return Observation(state: .exited, started: started, exit: exit)
        }
        guard let shim = try store.shim(record.id) else {
            return Observation(state: .created)
        }
        if let started {
            // The shim outlives the process by the moment it takes to flush logs and record the end
            // (asked second: a running container is one read of /proc).
            if ProcFS.isAlive(pid: started.pid, startTicks: started.startTicks) || ProcFS.isAlive(pid: shim.pid, startTicks: shim.startTicks) {
                return Observation(state: .running, started: started)
            }
        } else if ProcFS.isAlive(pid: shim.pid, startTicks: shim.startTicks) {
            return Observation(state: .created)
        }
        // The shim may have recorded the end between the reads above.
        if let exit = try store.exit(record.id) {
            return Observation(state: .exited, started: started, exit: exit)
        }
        let exit = started == nil
            ? ExitRecord(exitCode: Launcher.failureExitCode, finishedAt: Date(), reason: "StartError",
                         message: "the runtime shim ended before starting the container; see \(StateStore.shimLogFile(in: directory))")
            : ExitRecord(exitCode: 255, finishedAt: Date(), reason: "Error",
                         message: "the container's process ended while its runtime shim was not running; its exit code is unknown")
        logger.warning("container ended without its shim recording it", metadata: [
            "container": "\(record.id)", "name": "\(record.config.name)", "reason": "\(exit.reason)"])
        try store.saveExit(exit, for: record.id)
        return Observation(state: .exited, started: started, exit: exit)
    }

    /// The container's process when it is running, else an error saying it is not.
    func runningProcess(_ record: ContainerRecord) throws -> StartedRecord {
        let observed = try observe(record)
        guard observed.state == .running, let started = observed.started,
              ProcFS.isAlive(pid: started.pid, startTicks: started.startTicks) else {
            throw RuntimeError.failed("container \(record.config.name) (\(record.id)) is not running")
        }
        return started
    }
}
