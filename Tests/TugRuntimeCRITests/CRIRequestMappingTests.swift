import Foundation
import GRPCCore
import Testing
import TugRuntime
@testable import TugRuntimeCRI

/// What `CRIRuntime` sends for the protocol's configs, checked on the requests a fake CRI
/// server (real gRPC over a unix socket) received.
struct CRIRequestMappingTests {
    static let sandboxConfig = SandboxConfig(
        name: "web", namespace: "shop", uid: "uid-1", attempt: 2, hostname: "web-host", logDirectory: "/var/log/pods/shop_web_uid-1",
        dns: DNSConfig(servers: ["10.96.0.10"], searches: ["shop.svc.cluster.local"], options: ["ndots:5"]),
        portMappings: [PortMapping(proto: "UDP", containerPort: 53, hostPort: 5353, hostIP: "127.0.0.1"),
                       PortMapping(proto: "TCP", containerPort: 80, hostPort: 0)],
        labels: ["app": "web"], annotations: ["note": "x"], hostNetwork: true, hostPID: false, hostIPC: true,
        cgroupParent: "/kubepods/burstable/poduid-1", resources: LinuxResources(cpuShares: 256, memoryLimitInBytes: 1 << 28),
        sysctls: ["net.ipv4.ip_unprivileged_port_start": "0"])

    static let containerConfig = ContainerConfig(
        name: "app", attempt: 3, image: "registry.local/app:1", command: ["/bin/app"], args: ["--port", "80"], workingDir: "/srv",
        env: [EnvVar("A", "1"), EnvVar("B", "two")],
        mounts: [Mount(containerPath: "/data", hostPath: "/var/lib/tug/pods/uid-1/volumes/data", readOnly: true),
                 Mount(containerPath: "/cache", hostPath: "/tmp/cache")],
        logPath: "app/3.log", stdin: true, stdinOnce: true, tty: true, labels: ["io.kubernetes.container.name": "app"],
        annotations: ["a": "b"],
        resources: LinuxResources(cpuPeriod: 100_000, cpuQuota: 50_000, cpuShares: 512, memoryLimitInBytes: 64 << 20, oomScoreAdj: 999),
        security: SecurityConfig(runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], readOnlyRootFilesystem: true,
                                 privileged: false, addCapabilities: ["NET_ADMIN", "CAP_SYS_TIME"], dropCapabilities: ["ALL"],
                                 noNewPrivileges: true))

    @Test func runSandboxSendsThePodSandboxConfigKubeletWould() async throws {
        try await FakeCRIServer.with { state, runtime in
            let id = try await runtime.runSandbox(Self.sandboxConfig)
            #expect(id == "sandbox-1")
            let config = try #require(await state.runSandboxRequests.first).config
            #expect(config.metadata.name == "web" && config.metadata.namespace == "shop" && config.metadata.uid == "uid-1")
            #expect(config.metadata.attempt == 2)
            #expect(config.hostname == "web-host" && config.logDirectory == "/var/log/pods/shop_web_uid-1")
            #expect(config.dnsConfig.servers == ["10.96.0.10"] && config.dnsConfig.searches == ["shop.svc.cluster.local"])
            #expect(config.dnsConfig.options == ["ndots:5"])
            #expect(config.portMappings.count == 2)
            #expect(config.portMappings[0].protocol == .udp && config.portMappings[0].containerPort == 53)
            #expect(config.portMappings[0].hostPort == 5353 && config.portMappings[0].hostIp == "127.0.0.1")
            #expect(config.portMappings[1].protocol == .tcp && config.portMappings[1].hostPort == 0)
            #expect(config.labels == ["app": "web"])
            #expect(config.annotations == ["note": "x", "tugboat.dev/cgroup-parent": "/kubepods/burstable/poduid-1"])
            #expect(config.linux.cgroupParent == "/kubepods/burstable/poduid-1")
            let namespaces = config.linux.securityContext.namespaceOptions
            #expect(namespaces.network == .node && namespaces.pid == .container && namespaces.ipc == .node)
            #expect(config.linux.sysctls == ["net.ipv4.ip_unprivileged_port_start": "0"])
            #expect(config.linux.resources.cpuShares == 256 && config.linux.resources.memoryLimitInBytes == 1 << 28)
        }
    }

    @Test func createContainerSendsTheContainerConfigKubeletWould() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandbox = try await runtime.runSandbox(Self.sandboxConfig)
            let id = try await runtime.createContainer(in: sandbox, Self.containerConfig, sandboxConfig: Self.sandboxConfig)
            #expect(id == "container-2")
            let request = try #require(await state.createRequests.first)
            #expect(request.podSandboxID == sandbox)
            #expect(request.sandboxConfig.metadata.uid == "uid-1" && request.sandboxConfig.logDirectory == "/var/log/pods/shop_web_uid-1")
            let config = request.config
            #expect(config.metadata.name == "app" && config.metadata.attempt == 3)
            #expect(config.image.image == "registry.local/app:1")
            #expect(config.command == ["/bin/app"] && config.args == ["--port", "80"] && config.workingDir == "/srv")
            #expect(config.envs.map { "\($0.key)=\($0.value)" } == ["A=1", "B=two"])
            #expect(config.mounts.map(\.containerPath) == ["/data", "/cache"])
            #expect(config.mounts[0].hostPath == "/var/lib/tug/pods/uid-1/volumes/data" && config.mounts[0].readonly)
            #expect(!config.mounts[1].readonly && config.mounts.allSatisfy { $0.propagation == .propagationPrivate })
            #expect(config.logPath == "app/3.log")
            #expect(config.stdin && config.stdinOnce && config.tty)
            #expect(config.labels == ["io.kubernetes.container.name": "app"] && config.annotations == ["a": "b"])
            let resources = config.linux.resources
            #expect(resources.cpuPeriod == 100_000 && resources.cpuQuota == 50_000 && resources.cpuShares == 512)
            #expect(resources.memoryLimitInBytes == 64 << 20 && resources.oomScoreAdj == 999)
            let security = config.linux.securityContext
            #expect(security.hasRunAsUser && security.runAsUser.value == 1000)
            #expect(security.hasRunAsGroup && security.runAsGroup.value == 3000)
            #expect(security.supplementalGroups == [4000] && security.readonlyRootfs && !security.privileged && security.noNewPrivs)
            #expect(security.capabilities.addCapabilities == ["NET_ADMIN", "SYS_TIME"])
            #expect(security.capabilities.dropCapabilities == ["ALL"])
            #expect(security.namespaceOptions.network == .node && security.namespaceOptions.pid == .container)
        }
    }

    @Test func containerWithoutSecurityContextSendsNoUser() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandboxConfig = SandboxConfig(name: "p", namespace: "d", uid: "u", hostname: "p", logDirectory: "/logs")
            let sandbox = try await runtime.runSandbox(sandboxConfig)
            _ = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "busybox", logPath: "c/0.log"),
                                                  sandboxConfig: sandboxConfig)
            let config = try #require(await state.createRequests.first).config
            #expect(!config.linux.securityContext.hasRunAsUser && !config.linux.hasResources)
            #expect(config.command.isEmpty && config.args.isEmpty)
            #expect(config.linux.securityContext.namespaceOptions.network == .pod)
            #expect(try #require(await state.createRequests.first).sandboxConfig.linux.securityContext.privileged == false)
        }
    }

    @Test func privilegedContainerGoesWithAPrivilegedSandboxConfig() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandboxConfig = SandboxConfig(name: "p", namespace: "d", uid: "u", hostname: "p", logDirectory: "/logs")
            let sandbox = try await runtime.runSandbox(sandboxConfig)
            _ = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "busybox", logPath: "c/0.log",
                                                                               security: SecurityConfig(privileged: true)),
                                                  sandboxConfig: sandboxConfig)
            let request = try #require(await state.createRequests.first)
            #expect(request.config.linux.securityContext.privileged)
            #expect(request.sandboxConfig.linux.securityContext.privileged)
        }
    }

    @Test func runAsNonRootIsCheckedAgainstTheImageUserBeforeCreating() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandboxConfig = SandboxConfig(name: "p", namespace: "d", uid: "u", hostname: "p", logDirectory: "/logs")
            let sandbox = try await runtime.runSandbox(sandboxConfig)
            await state.setImage("rooted", .with { $0.id = "sha256:r"; $0.uid = .with { $0.value = 0 } })
            await state.setImage("named", .with { $0.id = "sha256:n"; $0.username = "nginx" })
            await state.setImage("user", .with { $0.id = "sha256:u"; $0.uid = .with { $0.value = 101 } })
            let nonRoot = SecurityConfig(runAsNonRoot: true)
            for image in ["rooted", "named"] {
                await #expect(throws: RuntimeError.self) {
                    try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: image, logPath: "c/0.log", security: nonRoot),
                                                      sandboxConfig: sandboxConfig)
                }
            }
            do {
                _ = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "rooted", logPath: "c/0.log", security: nonRoot),
                                                      sandboxConfig: sandboxConfig)
            } catch RuntimeError.invalidConfig(let message) {
                #expect(message.contains("runAsNonRoot and image will run as root"))
            }
            await #expect(throws: RuntimeError.self) {
                try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "user", logPath: "c/0.log",
                                                                               security: SecurityConfig(runAsUser: 0, runAsNonRoot: true)),
                                                  sandboxConfig: sandboxConfig)
            }
            #expect(await state.createRequests.isEmpty)
            _ = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "user", logPath: "c/0.log", security: nonRoot),
                                                  sandboxConfig: sandboxConfig)
            #expect(await state.createRequests.count == 1)
        }
    }

    @Test func timeoutsGoAsWholeSecondsRoundedUp() async throws {
        try await FakeCRIServer.with { state, runtime in
            let sandboxConfig = SandboxConfig(name: "p", namespace: "d", uid: "u", hostname: "p", logDirectory: "/logs")
            let sandbox = try await runtime.runSandbox(sandboxConfig)
            let id = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "c", image: "busybox", logPath: "c/0.log"),
                                                       sandboxConfig: sandboxConfig)
            try await runtime.stopContainer(id, timeout: .seconds(30))
            try await runtime.stopContainer(id, timeout: .milliseconds(1500))
            #expect(await state.stopRequests.map(\.timeout) == [30, 2])
            _ = try await runtime.execSync(id, command: ["cat", "/etc/hostname"], timeout: .milliseconds(200))
            _ = try await runtime.execSync(id, command: ["true"], timeout: .zero)
            let execs = await state.execSyncRequests
            #expect(execs.map(\.timeout) == [1, 0])
            #expect(execs.first?.cmd == ["cat", "/etc/hostname"] && execs.first?.containerID == id)
        }
    }

    @Test func pullSendsCredentialsAndReturnsTheImageRef() async throws {
        try await FakeCRIServer.with { state, runtime in
            let ref = try await runtime.pullImage("registry.local/app:1", auth: ImageAuth(username: "u", password: "p", serverAddress: "registry.local"))
            #expect(ref == "sha256:pulled")
            let request = try #require(await state.pullRequests.first)
            #expect(request.image.image == "registry.local/app:1")
            #expect(request.auth.username == "u" && request.auth.password == "p" && request.auth.serverAddress == "registry.local")
            await state.fail("PullImage", with: RPCError(code: .unknown, message: "failed to resolve reference: not found"))
            do {
                _ = try await runtime.pullImage("registry.local/missing:1", auth: nil)
                Issue.record("a failed pull did not throw")
            } catch RuntimeError.imagePull(let message) {
                #expect(message.contains("failed to resolve reference"))
            }
            #expect(await state.pullRequests.last?.hasAuth == false)
        }
    }

    @Test func endpointMustBeAUnixSocket() throws {
        #expect(try CRIRuntime.socketPath(of: "unix:///run/containerd/containerd.sock") == "/run/containerd/containerd.sock")
        #expect(try CRIRuntime.socketPath(of: "/run/containerd/containerd.sock") == "/run/containerd/containerd.sock")
        #expect(throws: RuntimeError.self) { try CRIRuntime.socketPath(of: "tcp://127.0.0.1:1234") }
        #expect(throws: RuntimeError.self) { try CRIRuntime.socketPath(of: "containerd.sock") }
    }
}
