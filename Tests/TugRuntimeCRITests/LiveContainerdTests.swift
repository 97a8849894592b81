import Foundation
import Testing
import TugRuntime
@testable import TugRuntimeCRI

/// Against a real containerd (root, containerd, runc, umoci, busybox-static, CNI plugins):
/// each test starts its own containerd in a temp folder and stops it by pid.
@Suite(.serialized, .enabled(if: LiveContainerd.available, Comment(rawValue: LiveContainerd.unavailableReason ?? "")))
struct LiveContainerdTests {
    static func sandboxConfig(_ daemon: LiveContainerd, name: String) -> SandboxConfig {
        let uid = UUID().uuidString.lowercased()
        let logDirectory = daemon.logDirectory + "/default_\(name)_\(uid)"
        try? FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        return SandboxConfig(name: name, namespace: "default", uid: uid, hostname: name, logDirectory: logDirectory,
                             dns: DNSConfig(servers: ["10.96.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"]),
                             labels: ["app": name], annotations: ["test": "live"])
    }

    static func waitFor<T>(_ what: String, seconds: Double = 20, _ check: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError("timed out after \(seconds) s waiting for \(what)")
    }

    @Test func podLifecycleExecStatsAndCleanup() async throws {
        let daemon = try LiveContainerd.start()
        defer { daemon.stop() }
        let runtime = try CRIRuntime(endpoint: daemon.endpoint)

        let version = try await runtime.version()
        #expect(version.runtimeName == "containerd")
        #expect(version.nodeInfoString.hasPrefix("containerd://1."))
        #expect(try await runtime.apiVersion() == "v1")
        let image = try #require(try await runtime.imageStatus(LiveContainerd.busyboxImage))
        #expect(image.repoTags.contains(LiveContainerd.busyboxImage))
        #expect(try await runtime.imageStatus("localhost/not-there:1") == nil)

        let sandboxConfig = Self.sandboxConfig(daemon, name: "web")
        let sandbox = try await runtime.runSandbox(sandboxConfig)
        let sandboxStatus = try await runtime.sandboxStatus(sandbox)
        #expect(sandboxStatus.state == .ready)
        #expect(sandboxStatus.name == "web" && sandboxStatus.uid == sandboxConfig.uid && sandboxStatus.labels["app"] == "web")
        #expect(sandboxStatus.ips.first?.hasPrefix("10.89.") == true)
        #expect(try await runtime.listSandboxes().contains { $0.id == sandbox && $0.ips == sandboxStatus.ips })

        let config = ContainerConfig(name: "main", image: LiveContainerd.busyboxImage, command: ["sh", "-c"],
                                     args: ["echo hello; echo $GREETING; sleep 30"], env: [EnvVar("GREETING", "from-env")],
                                     logPath: "main/0.log", labels: ["role": "main"])
        let container = try await runtime.createContainer(in: sandbox, config, sandboxConfig: sandboxConfig)
        #expect(try await runtime.containerStatus(container).state == .created)
        try await runtime.startContainer(container)
        let running = try await runtime.containerStatus(container)
        #expect(running.state == .running)
        #expect(running.sandboxID == sandbox && running.name == "main" && running.labels["role"] == "main")
        #expect(running.startedAt != nil && running.finishedAt == nil)
        #expect(running.imageRef.hasPrefix("sha256:"))
        #expect(running.logPath == sandboxConfig.logDirectory + "/main/0.log")

        let lines = try await Self.waitFor("the container's log lines") { () -> [CRILogLine]? in
            guard let data = FileManager.default.contents(atPath: running.logPath) else { return nil }
            let lines = data.split(separator: 0x0A).compactMap { CRILogLine.parse(Array($0)) }
            return lines.count >= 2 ? lines : nil
        }
        #expect(lines.map { String(decoding: $0.content, as: UTF8.self) } == ["hello", "from-env"])
        #expect(lines.allSatisfy { $0.stream == .stdout && !$0.partial })

        let hi = try await runtime.execSync(container, command: ["echo", "hi"], timeout: .seconds(10))
        #expect(hi == ExecResult(exitCode: 0, stdout: Array("hi\n".utf8), stderr: []))
        let failing = try await runtime.execSync(container, command: ["sh", "-c", "echo oops >&2; exit 3"], timeout: .seconds(10))
        #expect(failing.exitCode == 3 && failing.stderr == Array("oops\n".utf8))
        let slow = try await runtime.execSync(container, command: ["sleep", "10"], timeout: .seconds(1))
        #expect(slow.timedOut)

        // Streaming exec over the runtime's WebSocket endpoint: output, stderr and the exit code.
        let output = Collected()
        let exitCode = try await runtime.exec(container, command: ["sh", "-c", "echo out; echo err >&2; exit 7"],
                                              streams: ExecStreams(stdout: { await output.add(.stdout, $0) }, stderr: { await output.add(.stderr, $0) }))
        #expect(exitCode == 7)
        #expect(await output.text(.stdout) == "out\n")
        #expect(await output.text(.stderr) == "err\n")

        // Stdin reaches the command: `head -c 5` exits after five bytes.
        let (input, feed) = AsyncStream<[UInt8]>.makeStream()
        feed.yield(Array("hello".utf8))
        let echoed = Collected()
        let headCode = try await runtime.exec(container, command: ["head", "-c", "5"],
                                              streams: ExecStreams(stdin: input, stdout: { await echoed.add(.stdout, $0) }))
        feed.finish()
        #expect(headCode == 0)
        #expect(await echoed.text(.stdout) == "hello")

        // A TTY session: one output stream, terminal sized by the resize channel.
        let (sizes, resize) = AsyncStream<TerminalSize>.makeStream()
        resize.yield(TerminalSize(width: 120, height: 40))
        let terminal = Collected()
        let ttyCode = try await runtime.exec(container, command: ["sh", "-c", "sleep 0.5; stty size"],
                                             streams: ExecStreams(stdout: { await terminal.add(.stdout, $0) }, tty: true, resize: sizes))
        resize.finish()
        #expect(ttyCode == 0)
        let terminalText = await terminal.text(.stdout)
        #expect(terminalText.contains("40 120"), "stty said: \(terminalText)")

        let stats = try await runtime.containerStats(container)
        #expect(stats.cpuUsageCoreNanoSeconds > 0)
        #expect(stats.memoryWorkingSetBytes > 0)
        #expect(try await runtime.listContainers(sandbox: sandbox).map(\.id) == [container])

        // sh as PID 1 ignores TERM: killed once the grace period is over.
        try await runtime.stopContainer(container, timeout: .seconds(1))
        let exited = try await runtime.containerStatus(container)
        #expect(exited.state == .exited)
        #expect(exited.exitCode == 137 || exited.exitCode == 143)
        #expect(exited.finishedAt != nil)
        try await runtime.stopContainer(container, timeout: .seconds(1))
        try await runtime.removeContainer(container)
        await #expect(throws: RuntimeError.self) { try await runtime.containerStatus(container) }
        do {
            _ = try await runtime.containerStatus(container)
        } catch let error as RuntimeError {
            guard case .notFound = error else { Issue.record("expected notFound, got \(error)"); return }
        }
        try await runtime.removeContainer(container)

        try await runtime.stopSandbox(sandbox)
        #expect(try await runtime.sandboxStatus(sandbox).state == .notReady)
        try await runtime.removeSandbox(sandbox)
        do {
            _ = try await runtime.sandboxStatus(sandbox)
            Issue.record("the removed sandbox still has a status")
        } catch RuntimeError.notFound {
        }
        try await runtime.removeSandbox(sandbox)
        try await runtime.stopSandbox(sandbox)
        await runtime.close()
    }

    @Test func portForwardReachesAServerInThePod() async throws {
        let daemon = try LiveContainerd.start()
        defer { daemon.stop() }
        let runtime = try CRIRuntime(endpoint: daemon.endpoint)
        let sandboxConfig = Self.sandboxConfig(daemon, name: "httpd")
        let sandbox = try await runtime.runSandbox(sandboxConfig)
        let config = ContainerConfig(name: "httpd", image: LiveContainerd.busyboxImage, command: ["sh", "-c"],
                                     args: ["mkdir -p /www && echo forwarded-page > /www/index.html && exec httpd -f -p 8080 -h /www"],
                                     logPath: "httpd/0.log")
        let container = try await runtime.createContainer(in: sandbox, config, sandboxConfig: sandboxConfig)
        try await runtime.startContainer(container)

        let response = try await Self.waitFor("an HTTP answer through port-forward") { () -> String? in
            let connection = try await runtime.portForward(sandbox, port: 8080)
            defer { Task { await connection.close() } }
            try await connection.write(Array("GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n".utf8))
            var received: [UInt8] = []
            do {
                while let chunk = try await connection.read() { received += chunk }
            } catch {
                return nil // httpd not listening yet: the runtime reports the refused connection
            }
            let text = String(decoding: received, as: UTF8.self)
            return text.contains("forwarded-page") ? text : nil
        }
        #expect(response.hasPrefix("HTTP/1.") && response.contains("200"))

        try await runtime.stopSandbox(sandbox)
        try await runtime.removeSandbox(sandbox)
        await runtime.close()
    }

    @Test func attachFollowsTheMainProcessUntilItExits() async throws {
        let daemon = try LiveContainerd.start()
        defer { daemon.stop() }
        let runtime = try CRIRuntime(endpoint: daemon.endpoint)
        let sandboxConfig = Self.sandboxConfig(daemon, name: "talker")
        let sandbox = try await runtime.runSandbox(sandboxConfig)
        let config = ContainerConfig(name: "talker", image: LiveContainerd.busyboxImage, command: ["sh", "-c"],
                                     args: ["read line; echo got:$line; sleep 1; echo bye >&2"], logPath: "talker/0.log",
                                     stdin: true, stdinOnce: true)
        let container = try await runtime.createContainer(in: sandbox, config, sandboxConfig: sandboxConfig)
        try await runtime.startContainer(container)
        let (input, feed) = AsyncStream<[UInt8]>.makeStream()
        let output = Collected()
        let ended = Collected()
        let attached = Task {
            try await runtime.attach(container, streams: ExecStreams(stdin: input, stdout: { await output.add(.stdout, $0) },
                                                                     stderr: { await output.add(.stderr, $0) }))
            await ended.add(.stdout, Array("ended".utf8))
        }
        feed.yield(Array("hello\n".utf8))
        _ = try await Self.waitFor("the container's answer through attach") { await output.text(.stdout) == "got:hello\n" ? true : nil }
        _ = try await Self.waitFor("stderr through attach") { await output.text(.stderr) == "bye\n" ? true : nil }
        let exited = try await Self.waitFor("the container to exit") { () -> ContainerStatus? in
            let status = try await runtime.containerStatus(container)
            return status.state == .exited ? status : nil
        }
        #expect(exited.exitCode == 0)
        // The session ends with the container, while the caller's stdin is still open.
        _ = try await Self.waitFor("attach to return") { await ended.text(.stdout) == "ended" ? true : nil }
        feed.finish()
        try await attached.value
        try await runtime.stopSandbox(sandbox)
        try await runtime.removeSandbox(sandbox)
        await runtime.close()
    }

    @Test func containerOverItsMemoryLimitIsOOMKilled() async throws {
        let daemon = try LiveContainerd.start()
        defer { daemon.stop() }
        let runtime = try CRIRuntime(endpoint: daemon.endpoint)
        let sandboxConfig = Self.sandboxConfig(daemon, name: "hog")
        let sandbox = try await runtime.runSandbox(sandboxConfig)
        let config = ContainerConfig(name: "hog", image: LiveContainerd.busyboxImage, command: ["sh", "-c"],
                                     args: ["x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}"], logPath: "hog/0.log",
                                     resources: LinuxResources(cpuPeriod: 100_000, cpuQuota: 50_000, cpuShares: 512,
                                                               memoryLimitInBytes: 32 << 20))
        let container = try await runtime.createContainer(in: sandbox, config, sandboxConfig: sandboxConfig)
        try await runtime.startContainer(container)
        let status = try await Self.waitFor("the container to exit", seconds: 60) { () -> ContainerStatus? in
            let status = try await runtime.containerStatus(container)
            return status.state == .exited ? status : nil
        }
        #expect(status.reason == "OOMKilled")
        #expect(status.exitCode == 137)
        try await runtime.stopSandbox(sandbox)
        try await runtime.removeSandbox(sandbox)
        await runtime.close()
    }
}

/// Output gathered from a streaming session's callbacks.
actor Collected {
    private var streams: [CRILogLine.Stream: [UInt8]] = [:]
    func add(_ stream: CRILogLine.Stream, _ bytes: [UInt8]) { streams[stream, default: []] += bytes }
    func text(_ stream: CRILogLine.Stream) -> String { String(decoding: streams[stream] ?? [], as: UTF8.self) }
}
