import Foundation
import GRPCCore
import Testing
import TugRuntime
@testable import TugRuntimeCRI

/// How CRI's answers come back through `CRIRuntime`: states, times, reasons, IPs, stats, and
/// NOT_FOUND as the protocol's not-found error.
struct CRIStatusMappingTests {
    static let sandboxConfig = SandboxConfig(name: "p", namespace: "d", uid: "u", hostname: "p", logDirectory: "/logs/d_p_u")

    @Test func versionAndCapabilities() async throws {
        try await FakeCRIServer.with { _, runtime in
            let version = try await runtime.version()
            #expect(version == RuntimeVersion(runtimeName: "fakecri", runtimeVersion: "9.8.7"))
            #expect(version.nodeInfoString == "fakecri://9.8.7")
            #expect(runtime.capabilities == RuntimeCapabilities(runsImages: true, podNetworking: true, enforcesLimits: true))
        }
    }

    @Test func sandboxStatusCarriesIPsStateAndCreationTime() async throws {
        try await FakeCRIServer.with { _, runtime in
            let id = try await runtime.runSandbox(Self.sandboxConfig)
            let status = try await runtime.sandboxStatus(id)
            #expect(status.id == id && status.name == "p" && status.namespace == "d" && status.uid == "u")
            #expect(status.state == .ready)
            #expect(status.ips == ["10.88.0.5", "fd00::5"])
            #expect(abs(status.createdAt.timeIntervalSince1970 - 1_700_000_000.123456789) < 1e-6)
            let listed = try await runtime.listSandboxes()
            #expect(listed.map(\.id) == [id] && listed.first?.ips == ["10.88.0.5", "fd00::5"])
        }
    }

    @Test func containerStatusMapsStatesTimesReasonAndSandbox() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandbox = try await runtime.runSandbox(Self.sandboxConfig)
            let id = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", attempt: 1, image: "busybox", logPath: "c/1.log"),
                                                       sandboxConfig: Self.sandboxConfig)
            let created = try await runtime.containerStatus(id)
            #expect(created.state == .created && created.startedAt == nil && created.finishedAt == nil)
            #expect(created.sandboxID == sandbox && created.name == "c" && created.attempt == 1)
            #expect(created.image == "busybox" && created.imageRef == "sha256:abc" && created.logPath == "/logs/d_p_u/c/1.log")
            try await runtime.startContainer(id)
            #expect(try await runtime.containerStatus(id).state == .running)
            await state.update(container: id) {
                $0.state = .containerExited
                $0.exitCode = 137
                $0.reason = "OOMKilled"
                $0.message = "memory limit reached"
                $0.finishedAt = 1_700_000_003_250_000_000
            }
            let exited = try await runtime.containerStatus(id)
            #expect(exited.state == .exited && exited.exitCode == 137 && exited.reason == "OOMKilled" && exited.message == "memory limit reached")
            #expect(abs((exited.startedAt?.timeIntervalSince1970 ?? 0) - 1_700_000_002.5) < 1e-6)
            #expect(abs((exited.finishedAt?.timeIntervalSince1970 ?? 0) - 1_700_000_003.25) < 1e-6)
            await state.update(container: id) { $0.state = .containerUnknown }
            #expect(try await runtime.containerStatus(id).state == .unknown)
            #expect(try await runtime.listContainers(sandbox: sandbox).map(\.id) == [id])
            #expect(try await runtime.listContainers(sandbox: "other").isEmpty)
            #expect(try await runtime.listContainers(sandbox: nil).first?.sandboxID == sandbox)
        }
    }

    @Test func missingObjectsAreNotFoundAndRemovingThemSucceeds() async throws {
        try await FakeCRIServer.with { _, runtime in
            for probe in [{ _ = try await runtime.containerStatus("gone") }, { _ = try await runtime.sandboxStatus("gone") },
                          { _ = try await runtime.containerStats("gone") },
                          { _ = try await runtime.execSync("gone", command: ["true"], timeout: .seconds(1)) }] as [@Sendable () async throws -> Void] {
                do {
                    try await probe()
                    Issue.record("a missing object did not throw")
                } catch RuntimeError.notFound(let message) {
                    #expect(message.contains("gone") && message.contains("not found"))
                }
            }
            try await runtime.removeContainer("gone")
            try await runtime.stopContainer("gone", timeout: .seconds(1))
            try await runtime.removeSandbox("gone")
            try await runtime.stopSandbox("gone")
            #expect(try await runtime.imageStatus("nothing:1") == nil)
        }
    }

    @Test func otherFailuresKeepTheRuntimesMessage() async throws {
        try await FakeCRIServer.with { state, runtime in
            await state.fail("RunPodSandbox", with: RPCError(code: .unknown, message: "failed to setup network for sandbox: plugin type=bridge failed"))
            do {
                _ = try await runtime.runSandbox(Self.sandboxConfig)
                Issue.record("a failed RunPodSandbox did not throw")
            } catch RuntimeError.failed(let message) {
                #expect(message.contains("RunPodSandbox") && message.contains("plugin type=bridge failed") && message.contains("d/p"))
            }
            let sandbox = try await runtime.runSandbox(Self.sandboxConfig)
            await state.fail("CreateContainer", with: RPCError(code: .unknown, message: "failed to get image: not found"))
            do {
                _ = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "x", logPath: "c/0.log"), sandboxConfig: Self.sandboxConfig)
                Issue.record("a failed CreateContainer did not throw")
            } catch RuntimeError.invalidConfig(let message) {
                #expect(message.contains("failed to get image"))
            }
            await state.fail("RemoveContainer", with: RPCError(code: .failedPrecondition, message: "container is running"))
            await #expect(throws: RuntimeError.failed("RemoveContainer container c1 failed: container is running")) {
                try await runtime.removeContainer("c1")
            }
        }
    }

    @Test func unreachableSocketSaysWhichSocket() async throws {
        let runtime = try CRIRuntime(endpoint: "unix:///nonexistent/tug/cri.sock", requestTimeout: .seconds(5))
        do {
            _ = try await runtime.version()
            Issue.record("a missing socket answered")
        } catch let error as RuntimeError {
            #expect(error.description.contains("/nonexistent/tug/cri.sock"))
        }
        await runtime.close()
    }

    @Test func execSyncResultsAndTimeouts() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandbox = try await runtime.runSandbox(Self.sandboxConfig)
            let id = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "busybox", logPath: "c/0.log"),
                                                       sandboxConfig: Self.sandboxConfig)
            await state.setExecSync(.success(.with { $0.exitCode = 2; $0.stdout = Data("out".utf8); $0.stderr = Data("err".utf8) }))
            #expect(try await runtime.execSync(id, command: ["x"], timeout: .seconds(5))
                    == ExecResult(exitCode: 2, stdout: Array("out".utf8), stderr: Array("err".utf8)))
            // containerd 1.6's way of saying the command was killed at its timeout.
            await state.setExecSync(.failure(RPCError(code: .unknown, message: "failed to exec in container: timeout 1s exceeded: context deadline exceeded")))
            let timedOut = try await runtime.execSync(id, command: ["sleep", "9"], timeout: .seconds(1))
            #expect(timedOut.timedOut && timedOut.exitCode == 137)
            await state.setExecSync(.failure(RPCError(code: .deadlineExceeded, message: "deadline")))
            #expect(try await runtime.execSync(id, command: ["sleep", "9"], timeout: .seconds(1)).timedOut)
            await state.setExecSync(.failure(RPCError(code: .unknown, message: "OCI runtime exec failed: executable file not found")))
            await #expect(throws: RuntimeError.self) { try await runtime.execSync(id, command: ["nope"], timeout: .seconds(1)) }
        }
    }

    @Test func statsAndImages() async throws {
        try await FakeCRIServer.with { state, runtime in
            await state.setStats("c1", .with {
                $0.cpu = .with { $0.timestamp = 1_700_000_010_000_000_000; $0.usageCoreNanoSeconds = .with { $0.value = 123_456_789 } }
                $0.memory = .with { $0.workingSetBytes = .with { $0.value = 4 << 20 }; $0.rssBytes = .with { $0.value = 3 << 20 } }
            })
            let stats = try await runtime.containerStats("c1")
            #expect(stats.cpuUsageCoreNanoSeconds == 123_456_789 && stats.memoryWorkingSetBytes == 4 << 20 && stats.memoryRSSBytes == 3 << 20)
            #expect(stats.timestamp == Date(timeIntervalSince1970: 1_700_000_010))
            await state.setImage("busybox:1", .with { $0.id = "sha256:b"; $0.repoTags = ["busybox:1"]; $0.repoDigests = ["busybox@sha256:d"]; $0.size = 900 })
            #expect(try await runtime.imageStatus("busybox:1") == ImageInfo(id: "sha256:b", repoTags: ["busybox:1"], repoDigests: ["busybox@sha256:d"], size: 900))
            #expect(try await runtime.listImages().map(\.id) == ["sha256:b"])
            #expect(try await runtime.imageFilesystemUsage() == [ImageFilesystemUsage(mountpoint: "/var/lib/containerd/snapshots", usedBytes: 4096, inodesUsed: 12)])
        }
    }
}
