#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TugRuntime
@testable import TugRuntimeProcess

@Suite("Process runtime: container lifecycle")
struct ContainerLifecycleTests {
    @Test("stdout and stderr land in the CRI log file; a clean exit is Completed")
    func outputAndCompletion() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("echo out $GREETING; echo err >&2; printf 'no newline'", in: pod)
            let status = try await h.waitForExit(id)
            #expect(status.exitCode == 0)
            #expect(status.reason == "Completed")
            #expect(status.startedAt != nil && status.finishedAt != nil)
            #expect(status.logPath == h.logDirectory + "/main/0.log")
            let lines = h.logLines(status.logPath)
            #expect(lines.contains { $0.stream == .stdout && !$0.partial && $0.content == Array("out hello".utf8) })
            #expect(lines.contains { $0.stream == .stderr && $0.content == Array("err".utf8) })
            #expect(lines.contains { $0.stream == .stdout && $0.content == Array("no newline".utf8) })
        }
    }

    @Test("the environment is exactly the container's, and the working folder is honoured")
    func environmentAndWorkingDirectory() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("env | sort; pwd", in: pod) { $0.workingDir = "/tmp" }
            let status = try await h.waitForExit(id)
            let text = h.logText(status.logPath)
            #expect(text.contains("GREETING=hello"))
            #expect(text.contains("/tmp"))
            #expect(!text.contains("HOME="))
        }
    }

    @Test("noNewPrivileges sets no_new_privs on the container's process")
    func noNewPrivileges() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("grep NoNewPrivs /proc/self/status", in: pod) { $0.security = SecurityConfig(noNewPrivileges: true) }
            let plain = try await h.run("grep NoNewPrivs /proc/self/status", in: pod, name: "plain")
            let status = try await h.waitForExit(id)
            let plainStatus = try await h.waitForExit(plain)
            #expect(h.logText(status.logPath).hasSuffix("1"))
            // Without it, the container inherits whatever the agent has.
            let own = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.split(separator: "\n")
                .first { $0.hasPrefix("NoNewPrivs") }.map(String.init) ?? ""
            #expect(h.logText(plainStatus.logPath) == own)
        }
    }

    @Test("exit codes and reasons: non-zero is Error, a signal is 128+N")
    func exitCodes() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let failed = try await h.run("exit 3", in: pod, name: "fails")
            let killed = try await h.run("kill -9 $$", in: pod, name: "killed")
            let a = try await h.waitForExit(failed)
            let b = try await h.waitForExit(killed)
            #expect(a.exitCode == 3 && a.reason == "Error")
            #expect(b.exitCode == 137 && b.reason == "Error")
        }
    }

    @Test("each restart attempt writes its own log file")
    func restartAttempts() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let first = try await h.run("echo attempt-0", in: pod, attempt: 0)
            try await h.waitForExit(first)
            let second = try await h.run("echo attempt-1", in: pod, attempt: 1)
            let status = try await h.waitForExit(second)
            #expect(status.attempt == 1)
            #expect(h.logText(h.logDirectory + "/main/0.log") == "attempt-0")
            #expect(h.logText(h.logDirectory + "/main/1.log") == "attempt-1")
            let all = try await h.runtime.listContainers(sandbox: pod)
            #expect(Set(all.map(\.id)) == [first, second])
        }
    }

    @Test("a command that cannot be found is StartError with exit code 128, and start throws")
    func startError() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let config = ContainerConfig(name: "missing", image: "x", command: ["no-such-program-tug"], env: [EnvVar("PATH", "/usr/bin:/bin")],
                                         logPath: "missing/0.log")
            let id = try await h.runtime.createContainer(in: pod, config, sandboxConfig: h.sandboxConfig())
            await #expect(throws: RuntimeError.self) { try await h.runtime.startContainer(id) }
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .exited)
            #expect(status.exitCode == 128)
            #expect(status.reason == "StartError")
            #expect(status.message.contains("executable file not found in $PATH"))
        }
    }

    @Test("a container with neither command nor args is refused with a clear message")
    func noCommand() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let config = ContainerConfig(name: "empty", image: "nginx", logPath: "empty/0.log")
            do {
                _ = try await h.runtime.createContainer(in: pod, config, sandboxConfig: h.sandboxConfig())
                Issue.record("createContainer accepted a container without command or args")
            } catch RuntimeError.invalidConfig(let message) {
                #expect(message.contains("runs no images"))
                #expect(message.contains("`command` or `args`"))
            }
        }
    }

    @Test("args alone are the command line")
    func argsAlone() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let config = ContainerConfig(name: "args", image: "x", args: ["/bin/echo", "from", "args"], logPath: "args/0.log")
            let id = try await h.runtime.createContainer(in: pod, config, sandboxConfig: h.sandboxConfig())
            try await h.runtime.startContainer(id)
            let status = try await h.waitForExit(id)
            #expect(h.logText(status.logPath) == "from args")
        }
    }

    @Test("stop sends SIGTERM, which a well-behaved process honours")
    func stopHonoured() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("trap 'echo got-term; exit 0' TERM; echo ready; while true; do sleep 0.1; done", in: pod)
            let path = try await h.runtime.containerStatus(id).logPath
            #expect(await h.eventually { h.logText(path).contains("ready") })
            try await h.runtime.stopContainer(id, timeout: .seconds(20))
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .exited)
            #expect(status.exitCode == 0)
            #expect(h.logText(path).contains("got-term"))
            try await h.runtime.stopContainer(id, timeout: .seconds(1))   // idempotent
        }
    }

    @Test("a process ignoring SIGTERM is SIGKILLed once the timeout passes")
    func stopKillsAfterTimeout() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("trap '' TERM; echo ready; while true; do sleep 0.1; done", in: pod)
            let path = try await h.runtime.containerStatus(id).logPath
            #expect(await h.eventually { h.logText(path).contains("ready") })
            let started = ContinuousClock.now
            try await h.runtime.stopContainer(id, timeout: .seconds(1))
            #expect(ContinuousClock.now - started >= .seconds(1))
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .exited)
            #expect(status.exitCode == 137)
        }
    }

    @Test("a new runtime over the same root sees the running container and can stop it")
    func agentRestart() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("while true; do sleep 0.1; done", in: pod)
            let second = try ProcessRuntime(root: h.root + "/state", shimExecutable: h.runtime.shimExecutable, version: "test")
            #expect(try await second.listSandboxes().map(\.id) == [pod])
            let status = try await second.containerStatus(id)
            #expect(status.state == .running)
            // The shim leads its own session: nothing of the agent's session or group reaches it.
            let shim = try #require(try StateStore.read(ShimRecord.self, from: StateStore.shimFile(in: h.runtime.store.containerDirectory(id))))
            #expect(getsid(shim.pid) == shim.pid)
            try await second.stopContainer(id, timeout: .seconds(5))
            #expect(try await h.runtime.containerStatus(id).state == .exited)
            try await second.removeSandbox(pod)
            #expect(try await second.listSandboxes().isEmpty)
            #expect(try await second.listContainers(sandbox: nil).isEmpty)
            // One runtime owns a root at a time (it keeps records in memory); a later one reads the disk.
            let third = try ProcessRuntime(root: h.root + "/state", shimExecutable: h.runtime.shimExecutable, version: "test")
            #expect(try await third.listSandboxes().isEmpty)
            #expect(try await third.listContainers(sandbox: nil).isEmpty)
        }
    }

    @Test("a container whose shim dies keeps running, and stopping it records an unknown exit")
    func shimDeath() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("while true; do sleep 0.1; done", in: pod)
            let shim = try #require(try StateStore.read(ShimRecord.self, from: StateStore.shimFile(in: h.runtime.store.containerDirectory(id))))
            kill(shim.pid, SIGKILL)
            #expect(await h.eventually { !ProcFS.isAlive(pid: shim.pid, startTicks: shim.startTicks) })
            #expect(try await h.runtime.containerStatus(id).state == .running)
            try await h.runtime.stopContainer(id, timeout: .seconds(5))
            let status = try await h.runtime.containerStatus(id)
            #expect(status.state == .exited)
            #expect(status.exitCode == 255)
            #expect(status.message.contains("shim was not running"))
        }
    }

    @Test("a tty container writes its terminal's output to the log as stdout")
    func ttyContainer() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("test -t 1 && echo on-a-terminal; echo to-stderr >&2", in: pod) { $0.tty = true }
            let status = try await h.waitForExit(id)
            let lines = h.logLines(status.logPath)
            #expect(lines.allSatisfy { $0.stream == .stdout })
            #expect(h.logText(status.logPath).contains("on-a-terminal"))
            #expect(h.logText(status.logPath).contains("to-stderr"))
        }
    }

    @Test("stopping a sandbox stops its containers; removing it removes their state")
    func sandboxLifecycle() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod)
            #expect(try await h.runtime.sandboxStatus(pod).state == .ready)
            try await h.runtime.stopSandbox(pod)
            #expect(try await h.runtime.sandboxStatus(pod).state == .notReady)
            #expect(try await h.runtime.containerStatus(id).state == .exited)
            try await h.runtime.removeSandbox(pod)
            try await h.runtime.removeSandbox(pod)   // idempotent
            await #expect(throws: RuntimeError.notFound("container \(id)")) { try await h.runtime.containerStatus(id) }
            #expect(!FileManager.default.fileExists(atPath: h.root + "/state/containers/" + id))
        }
    }

    @Test("attach streams new output and feeds stdin to the container")
    func attach() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("while read line; do echo \"echo:$line\"; done; echo bye", in: pod) {
                $0.stdin = true
                $0.stdinOnce = true
            }
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            let output = Collected()
            let session = Task {
                try await h.runtime.attach(id, streams: ExecStreams(stdin: input, stdout: { await output.add($0) }))
            }
            feed.yield(Array("one\n".utf8))
            #expect(await h.eventually { await output.text.contains("echo:one") })
            feed.finish()
            try await session.value
            let status = try await h.waitForExit(id)
            #expect(status.exitCode == 0)
            #expect(h.logText(status.logPath).contains("bye"))
        }
    }

    @Test("attach to a tty container forwards input and applies terminal resizes")
    func attachTTY() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("while read line; do stty size; done", in: pod) {
                $0.stdin = true
                $0.tty = true
            }
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            let (sizes, resize) = AsyncStream<TerminalSize>.makeStream()
            resize.yield(TerminalSize(width: 100, height: 30))
            let output = Collected()
            let session = Task {
                try await h.runtime.attach(id, streams: ExecStreams(stdin: input, stdout: { await output.add($0) }, tty: true, resize: sizes))
            }
            #expect(await h.eventually {
                feed.yield(Array("x\n".utf8))
                try? await Task.sleep(for: .milliseconds(100))
                return await output.text.contains("30 100")
            })
            try await h.runtime.stopContainer(id, timeout: .seconds(5))
            try await session.value
            feed.finish()
            resize.finish()
        }
    }

    @Test("port-forward connects to the port on the host's loopback")
    func portForward() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let server = try LoopbackServer()
            defer { server.close() }
            let connection = try await h.runtime.portForward(pod, port: server.port)
            try await connection.write(Array("ping".utf8))
            let reply = await server.acceptEcho()
            #expect(reply == Array("ping".utf8))
            let back = try await connection.read()
            #expect(back == Array("ping".utf8))
            await connection.close()
        }
    }

    @Test("version and capabilities describe a runtime without images or pod networking")
    func versionAndImages() async throws {
        try await Harness.with { h in
            let version = try await h.runtime.version()
            #expect(version.nodeInfoString == "process://test")
            #expect(!h.runtime.capabilities.runsImages)
            #expect(!h.runtime.capabilities.podNetworking)
            #expect(try await h.runtime.pullImage("nginx:1.27", auth: nil) == "nginx:1.27")
            #expect(try await h.runtime.imageStatus("anything")?.repoTags == ["anything"])
        }
    }
}

/// Output gathered by a streaming session.
actor Collected {
    private(set) var bytes: [UInt8] = []
    func add(_ chunk: [UInt8]) { bytes += chunk }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}
