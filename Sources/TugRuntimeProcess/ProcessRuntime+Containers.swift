#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugShimKit
import TugRuntime

extension ProcessRuntime {
    public func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID {
        let pod = try store.sandbox(sandbox)
        guard pod.state == .ready else {
            throw RuntimeError.failed("sandbox \(sandbox) of pod \(pod.config.namespace)/\(pod.config.name) is stopped; no containers can be created in it")
        }
        guard !(config.command + config.args).isEmpty else {
            throw RuntimeError.invalidConfig("container \(config.name): the process runtime runs no images, so the container needs "
                + "`command` or `args` naming a program on the node (image \(config.image) supplies no entrypoint here)")
        }
        if !config.workingDir.isEmpty && !config.workingDir.hasPrefix("/") {
            throw RuntimeError.invalidConfig("container \(config.name): workingDir \(config.workingDir) must be an absolute path")
        }
        let identity = ProcessIdentity.from(config.security)
        try checkIdentity(identity, config)
        let id = StateStore.newID()
        let directory = store.containerDirectory(id)
        // A container running as another user cannot enter the runtime's private folders: it starts in "/".
        let defaultWorkingDirectory = identity.map { $0.uid != geteuid() } == true ? "/" : directory
        let logDirectory = pod.config.logDirectory.isEmpty ? directory : pod.config.logDirectory
        let logPath = logDirectory + "/" + (config.logPath.isEmpty ? "\(config.name)/\(config.attempt).log" : config.logPath)

        let plan = try MountPlanner.prepare(config.mounts, asRoot: runsAsRoot)
        var cgroup: CgroupPaths?
        do {
            try Sys.makeDirectories(directory, mode: 0o700)
            if let cgroups, let podCgroup = pod.cgroupRelative {
                do {
                    cgroup = try cgroups.create(podCgroup + "/" + id, resources: config.resources)
                } catch {
                    throw RuntimeError.failed("cannot create the cgroup of container \(config.name): \(error)")
                }
            }
            if config.stdin, mkfifo(StateStore.stdinFIFO(in: directory), 0o600) != 0 {
                throw RuntimeError.failed(Sys.errorMessage("cannot create the stdin FIFO of container \(config.name)"))
            }
            let record = ContainerRecord(id: id, sandboxID: sandbox, config: config, createdAt: Date(), logPath: logPath,
                                         workingDirectory: config.workingDir.isEmpty ? defaultWorkingDirectory : config.workingDir,
                                         cgroup: cgroup, bindMounts: plan.bindMounts, createdPaths: plan.createdPaths)
            try store.save(record)
        } catch {
            MountPlanner.cleanUp(plan.createdPaths)
            cgroup?.remove()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        logger.debug("container created", metadata: ["container": "\(id)", "name": "\(config.name)", "sandbox": "\(sandbox)"])
        return id
    }

    /// Refuses identities this runtime cannot give: another user without root, or root when the
    /// pod said runAsNonRoot (kubelet's check, which it makes against the image's user).
    private func checkIdentity(_ identity: ProcessIdentity?, _ config: ContainerConfig) throws {
        let uid = identity?.uid ?? geteuid()
        if config.security?.runAsNonRoot == true && uid == 0 {
            throw RuntimeError.invalidConfig("container \(config.name) has runAsNonRoot and would run as root: the process runtime "
                + "runs containers as the agent's user unless runAsUser is set; set a non-zero runAsUser")
        }
        if let identity, !runsAsRoot, identity.uid != geteuid() || identity.gid != getegid() || !identity.groups.isEmpty {
            throw RuntimeError.invalidConfig("container \(config.name) asks to run as user \(identity.uid) group \(identity.gid), but "
                + "the process runtime can only switch users when the agent runs as root")
        }
    }

    public func startContainer(_ id: ContainerID) async throws {
        let record = try store.container(id)
        let directory = store.containerDirectory(id)
        guard !Sys.fileExists(StateStore.shimFile(in: directory)) else {
            throw RuntimeError.failed("container \(record.config.name) (\(id)) was already started; create a new container to run it again")
        }
        try writeShimSpecs(record, directory: directory)
        let shimLog = open(StateStore.shimLogFile(in: directory), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard shimLog >= 0 else { throw RuntimeError.failed(Sys.errorMessage("cannot open the shim log of container \(id)")) }
        defer { close(shimLog) }
        let null = try Sys.openDevNull(O_RDONLY)
        defer { close(null) }
        let ready = try Sys.pipe()
        let pid: pid_t
        do {
            pid = try Spawner(executable: shimExecutable, arguments: [shimExecutable, "run", directory],
                              environment: ["PATH=" + ExecutableLookup.defaultPath],
                              descriptors: [0: null, 1: shimLog, 2: shimLog, Supervisor.readyDescriptor: ready.write],
                              grouping: .newSession).spawn()
        } catch {
            close(ready.read)
            close(ready.write)
            throw RuntimeError.failed("cannot start the runtime shim for container \(id): \(error)")
        }
        close(ready.write)
        let recorded = Result { try store.save(ShimRecord(pid: pid, startTicks: ProcFS.startTicks(pid) ?? 0), for: id) }
        // One small thread per shim waits until the shim closes its end of `ready` (the container
        // has exec'd or failed to, or the shim died), then reaps the shim when it ends: the shim is
        // detached but still our child while we live. Not a GCD worker: those also run Swift's
        // tasks, and a burst of starts would hold them all in poll (and the reaper for months).
        await withCheckedContinuation { (started: CheckedContinuation<Void, Never>) in
            Sys.startThread {
                var descriptor = pollfd(fd: ready.read, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 60_000)
                close(ready.read)
                started.resume()
                _ = Sys.waitStatus(pid)
            }
        }
        try recorded.get()
        let observed = try observe(record)
        // A container that ran and already ended (`echo hi`) did start.
        if observed.started != nil { return }
        if let exit = observed.exit {
            logger.info("container failed to start", metadata: ["container": "\(id)", "message": "\(exit.message)"])
            throw RuntimeError.failed("container \(record.config.name) failed to start: \(exit.message)")
        }
        throw RuntimeError.failed("container \(record.config.name) (\(id)) did not start within 60 seconds; see \(StateStore.shimLogFile(in: directory))")
    }

    /// The shim's and the launcher's instructions, in the small format `tug-shim` reads.
    private func writeShimSpecs(_ record: ContainerRecord, directory: String) throws {
        let config = record.config
        let launch = LaunchSpec(arguments: config.command + config.args, environment: config.env.map { "\($0.name)=\($0.value)" },
                                workingDirectory: record.workingDirectory, cgroupProcsFiles: record.cgroup?.procsFiles ?? [],
                                mountNamespace: record.bindMounts.isEmpty ? .inherit : .newPrivate,
                                bindMounts: record.bindMounts.map { BindMount(hostPath: $0.hostPath, containerPath: $0.containerPath, readOnly: $0.readOnly) },
                                controllingTerminal: config.tty, identity: ProcessIdentity.from(config.security),
                                noNewPrivileges: config.security?.noNewPrivileges ?? false)
        let launchFile = StateStore.launchFile(in: directory)
        let shim = ShimSpec(launchFile: launchFile, logPath: record.logPath, tty: config.tty,
                            stdin: config.stdin, stdinOnce: config.stdinOnce, stdinFIFO: StateStore.stdinFIFO(in: directory),
                            cgroupProcsFiles: record.cgroup?.procsFiles ?? [], oomEventsFile: record.cgroup?.oomEventsFile)
        do {
            try launch.specFile.write(to: launchFile)
            try shim.specFile.write(to: ShimSpec.specFile(in: directory))
        } catch {
            throw RuntimeError.failed("cannot write the shim's instructions for container \(config.name): \(error)")
        }
    }

    public func stopContainer(_ id: ContainerID, timeout: Duration) async throws {
        let record = try store.container(id)
        var observed = try observe(record)
        guard observed.state == .running, let started = observed.started else { return }
        if ProcFS.isAlive(pid: started.pid, startTicks: started.startTicks) {
            kill(-started.pid, SIGTERM)
            let graceEnd = ContinuousClock.now + max(timeout, .zero)
            while ContinuousClock.now < graceEnd {
                observed = try observe(record)
                if observed.state != .running { return }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        if ProcFS.isAlive(pid: started.pid, startTicks: started.startTicks) { kill(-started.pid, SIGKILL) }
        record.cgroup?.killAll()
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try observe(record).state != .running { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RuntimeError.failed("container \(record.config.name) (\(id)) did not stop after SIGKILL")
    }

    public func removeContainer(_ id: ContainerID) async throws {
        guard let record = try? store.container(id) else { return }
        try await stopContainer(id, timeout: .zero)
        // A container whose shim never got to start it: make sure no shim lingers.
        let directory = store.containerDirectory(id)
        if let shim = try? store.shim(id),
           ProcFS.isAlive(pid: shim.pid, startTicks: shim.startTicks), try observe(record).state != .running {
            kill(shim.pid, SIGKILL)
        }
        record.cgroup?.remove()
        MountPlanner.cleanUp(record.createdPaths)
        do {
            try store.removeContainerState(id)
        } catch {
            throw RuntimeError.failed("cannot remove the state of container \(id): \(error.localizedDescription)")
        }
        logger.debug("container removed", metadata: ["container": "\(id)"])
    }

    public func containerStatus(_ id: ContainerID) async throws -> ContainerStatus {
        let record = try store.container(id)
        return status(of: record, try observe(record))
    }

    public func listContainers(sandbox: SandboxID?) async throws -> [ContainerStatus] {
        store.containers(in: sandbox).compactMap { record in
            (try? observe(record)).map { status(of: record, $0) }
        }
    }

    func status(of record: ContainerRecord, _ observed: Observation) -> ContainerStatus {
        let c = record.config
        return ContainerStatus(id: record.id, sandboxID: record.sandboxID, name: c.name, attempt: c.attempt, image: c.image,
                               imageRef: c.image, state: observed.state, createdAt: record.createdAt,
                               startedAt: observed.started?.startedAt, finishedAt: observed.exit?.finishedAt,
                               exitCode: observed.exit?.exitCode ?? 0, reason: observed.exit?.reason ?? "",
                               message: observed.exit?.message ?? "", logPath: record.logPath, labels: c.labels, annotations: c.annotations)
    }
}
