import Foundation
import Logging
import ServiceLifecycle
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TugContainerd

/// Live tests: a real containerd from a generated config in a temp dir, on its own socket (never
/// /run/containerd/containerd.sock). Serialized: each starts a daemon on a 2-core machine.
@Suite("containerd supervisor", .serialized)
struct ContainerdSupervisorTests {
    static let live = isRoot && hasContainerd && hasStaticBusybox
    static let liveReason: Comment = "needs root, containerd, runc, the CNI plugins and busybox-static"

    private func config(in dir: TemporaryDirectory) -> ContainerdConfig {
        ContainerdConfig(dataDirectory: dir.path + "/ctrd", socketPath: dir.path + "/ctrd.sock")
    }

    @Test("starts containerd, which answers on its socket; the pause image imports and is listed; stop leaves no process",
          .enabled(if: live, liveReason), .timeLimit(.minutes(3)))
    func startImportListStop() async throws {
        let dir = try TemporaryDirectory("live")
        defer { dir.remove() }
        let config = config(in: dir)
        let supervisor = ContainerdSupervisor(config: config, insecureRegistries: ["127.0.0.1:5000"], preparesSandboxImage: false)
        try await withSupervisor(supervisor) { supervisor in try await startImportListStop(supervisor, dir: dir) }
    }

    private func startImportListStop(_ supervisor: ContainerdSupervisor, dir: TemporaryDirectory) async throws {
        let config = supervisor.config
        try await supervisor.start()
        let pid = try #require(await supervisor.processID)

        #expect(UnixSocketProbe.answers(at: config.socketPath))
        #expect(try String(contentsOfFile: config.pidFilePath, encoding: .utf8) == "\(pid)\n")
        #expect(ContainerdSupervisor.commandLine(of: pid).suffix(2) == ["--config", config.configFilePath])
        #expect(getpgid(pid) == pid, "containerd leads its own process group")
        #expect(FileManager.default.fileExists(atPath: config.registryConfigDirectory + "/127.0.0.1:5000/hosts.toml"))

        let ctr = CtrCommand(socketPath: config.socketPath)
        #expect(try await PauseImage().ensureImported(using: ctr))
        #expect(try await PauseImage().ensureImported(using: ctr) == false, "already present: not imported twice")

        let images = try await ImageLister(ctr: ctr).list()
        let pause = try #require(images.first { $0.name == PauseImage.defaultReference }, "listed: \(images)")
        let index = try jsonObject(#require(readTar(try PauseImage().buildArchive())["index.json"]).contents)
        let manifestDigest = ((index["manifests"] as? [[String: Any]])?.first?["digest"] as? String)
        #expect(pause.digest == manifestDigest)
        #expect(pause.sizeBytes > 500_000)
        #expect(pause.platforms == ["linux/\(ImagePlatform.host.architecture)"])
        #expect(images.allSatisfy { !$0.isDigestReference })

        // The pause container, run as pid 1 of its own namespaces, exits on SIGTERM (its trap).
        let id = "tugpause-\(getpid())"
        _ = try await ctr.run(["run", "-d", "--null-io", PauseImage.defaultReference, id])
        var status = ""
        do {
            _ = try await ctr.run(["tasks", "kill", "--signal", "SIGTERM", id])
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                let tasks = try await ctr.run(["tasks", "ls"])
                status = tasks.split(separator: "\n").first { $0.hasPrefix(id + " ") }.map { String($0.split(separator: " ").last ?? "") } ?? ""
                if status == "STOPPED" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        } catch {
            Issue.record(error)
        }
        if status != "STOPPED" { _ = try? await ctr.run(["tasks", "kill", "--signal", "SIGKILL", id]) }
        _ = try? await ctr.run(["tasks", "rm", "--force", id])
        _ = try? await ctr.run(["containers", "rm", id])
        #expect(status == "STOPPED", "pause task after SIGTERM: \(status)")

        // A file that is no image archive fails with ctr's own reason.
        let bogus = dir.path + "/bogus.tar"
        try Data("not a tar".utf8).write(to: URL(fileURLWithPath: bogus))
        await #expect {
            try await ImageImporter(ctr: ctr).importArchive(atPath: bogus)
        } throws: { error in
            let message = (error as? ContainerdError)?.message ?? ""
            return message.hasPrefix("ctr images import") && message.contains(": ") && !message.contains("(no output)")
        }

        await supervisor.stop()
        #expect(await supervisor.processID == nil)
        #expect(!ChildProcess.exists(pid), "containerd pid \(pid) is gone")
        #expect(!FileManager.default.fileExists(atPath: config.pidFilePath))
        #expect(!UnixSocketProbe.answers(at: config.socketPath))
    }

    @Test("in a ServiceGroup, it starts containerd with the sandbox image and stops it on graceful shutdown",
          .enabled(if: live, liveReason), .timeLimit(.minutes(2)))
    func runsInServiceGroup() async throws {
        let dir = try TemporaryDirectory("svc")
        defer { dir.remove() }
        let supervisor = ContainerdSupervisor(config: config(in: dir))
        let group = ServiceGroup(services: [supervisor], logger: Logger(label: "test.group"))
        let running = Task { try await group.run() }

        var pid: Int32?
        var listed: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while !listed.contains(PauseImage.defaultReference), ContinuousClock.now < deadline {
            if UnixSocketProbe.answers(at: supervisor.config.socketPath) {
                pid = await supervisor.processID
                // start() prepares the sandbox image before it returns.
                listed = (try? await ImageLister(ctr: CtrCommand(socketPath: supervisor.config.socketPath)).list().map(\.name)) ?? []
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(listed.contains(PauseImage.defaultReference))
        let started = try #require(pid, "containerd answered within 60s")
        #expect(!ChildProcess.exists(started), "containerd pid \(started) is gone after graceful shutdown")
        #expect(await supervisor.processID == nil)
    }

    @Test("cancelling its run() stops containerd", .enabled(if: live, liveReason), .timeLimit(.minutes(2)))
    func stopsOnCancellation() async throws {
        let dir = try TemporaryDirectory("cancel")
        defer { dir.remove() }
        let supervisor = ContainerdSupervisor(config: config(in: dir), preparesSandboxImage: false)
        let service = Task { try await supervisor.run() }
        var pid: Int32?
        let deadline = ContinuousClock.now + .seconds(60)
        while pid == nil, ContinuousClock.now < deadline {
            if UnixSocketProbe.answers(at: supervisor.config.socketPath) { pid = await supervisor.processID }
            try await Task.sleep(for: .milliseconds(50))
        }
        service.cancel()
        try await service.value
        let started = try #require(pid, "containerd answered within 60s")
        #expect(!ChildProcess.exists(started))
    }

    @Test("a containerd left over from a crashed run with the same config is stopped and replaced",
          .enabled(if: live, liveReason), .timeLimit(.minutes(2)))
    func replacesLeftover() async throws {
        let dir = try TemporaryDirectory("left")
        defer { dir.remove() }
        let first = ContainerdSupervisor(config: config(in: dir), preparesSandboxImage: false)
        let second = ContainerdSupervisor(config: config(in: dir), preparesSandboxImage: false)
        try await withSupervisor(first) { first in
            try await first.start()
            let oldPid = try #require(await first.processID)
            try await withSupervisor(second) { second in
                try await second.start()
                let newPid = try #require(await second.processID)
                #expect(newPid != oldPid)
                #expect(!ChildProcess.exists(oldPid))
                #expect(UnixSocketProbe.answers(at: second.config.socketPath))
                await second.stop()
                #expect(!ChildProcess.exists(newPid))
            }
        }
    }

    @Test("a containerd that dies at start fails start() with its log's last lines")
    func reportsEarlyExit() async throws {
        let dir = try TemporaryDirectory("die")
        defer { dir.remove() }
        let fake = dir.path + "/fake-containerd"
        try Data("#!/bin/sh\necho \"fake: cannot load config $2\" >&2\nexit 3\n".utf8).write(to: URL(fileURLWithPath: fake))
        chmod(fake, 0o755)
        let supervisor = ContainerdSupervisor(config: config(in: dir), containerdExecutable: fake)
        await #expect {
            try await supervisor.start()
        } throws: { error in
            let message = (error as? ContainerdError)?.message ?? ""
            return message.contains("exited with status 3") && message.contains("fake: cannot load config \(dir.path)/ctrd/config.toml")
        }
        #expect(await supervisor.processID == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/ctrd/containerd.pid"))
    }

    @Test("a containerd whose socket never answers is stopped after the start timeout, with a clear error")
    func reportsTimeout() async throws {
        let dir = try TemporaryDirectory("slow")
        defer { dir.remove() }
        let fake = dir.path + "/fake-containerd"
        try Data("#!/bin/sh\necho 'fake: waiting forever'\nexec sleep 600\n".utf8).write(to: URL(fileURLWithPath: fake))
        chmod(fake, 0o755)
        let supervisor = ContainerdSupervisor(config: config(in: dir), containerdExecutable: fake,
                                              startTimeout: .seconds(1), stopTimeout: .seconds(5))
        await #expect {
            try await supervisor.start()
        } throws: { error in
            let message = (error as? ContainerdError)?.message ?? ""
            return message.contains("did not answer") && message.contains("fake: waiting forever")
        }
        #expect(await supervisor.processID == nil)
        let leftovers = try await shell("/usr/bin/pgrep", ["-f", fake])
        #expect(leftovers.output.isEmpty, "no process of \(fake) remains: \(leftovers.output)")
    }

    @Test("a socket something else already answers on is refused, not taken over")
    func refusesForeignSocket() async throws {
        let dir = try TemporaryDirectory("busy")
        defer { dir.remove() }
        let config = config(in: dir)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in config.socketPath.utf8.enumerated() { raw[i] = byte }
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        listen(fd, 4)
        let supervisor = ContainerdSupervisor(config: config, containerdExecutable: "/bin/true")
        await #expect {
            try await supervisor.start()
        } throws: { error in
            ((error as? ContainerdError)?.message ?? "").contains("already answers at \(config.socketPath)")
        }
    }
}
