import Foundation
import Synchronization
import Testing
import TugAPI
import TugClient
import TugRuntime
import TugRuntimeSimulated
@testable import TugAgent

/// The node agent driven through the API: registration, pods run to the right phase with the
/// statuses kubectl shows, restarts with CrashLoopBackOff, init containers, graceful
/// deletion, and recovery after an agent restart.
@Suite(.serialized) struct NodeAgentTests {
    @Test func registersTheNodeWithMachineCapacityLabelsAndEndpoint() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        let n = try await node.eventually("node registered") { try? await node.client.get(CoreV1.Node.self, name: AgentTestNode.nodeName) }
        let labels = n?.metadata.labels ?? [:]
        #expect(labels["kubernetes.io/hostname"] == AgentTestNode.nodeName)
        #expect(labels["kubernetes.io/os"] == "linux")
        #expect(labels["node-role.kubernetes.io/control-plane"] != nil)
        #expect(n?.status?.capacity?["pods"]?.value == 110)
        #expect((n?.status?.capacity?["cpu"]?.value ?? 0) >= 1)
        #expect((n?.status?.allocatable?["memory"]?.value ?? 0) < (n?.status?.capacity?["memory"]?.value ?? 0))
        #expect((n?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0) > 0, "the port the agent server listens on")
        #expect(n?.status?.nodeInfo?.containerRuntimeVersion == "simulated://1.0")
        #expect(n?.status?.addresses?.first { $0.type == "InternalIP" }?.address == "127.0.0.1")
        let types = Set((n?.status?.conditions ?? []).map { $0.type ?? "" })
        #expect(types == ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"])
        let lease = try await node.eventually("the node's Lease") {
            try? await node.client.get(CoordinationV1.Lease.self, namespace: "kube-node-lease", name: AgentTestNode.nodeName)
        }
        #expect(lease?.spec?.holderIdentity == AgentTestNode.nodeName)
    }

    @Test("the pod network is set up once the Node gets its pod CIDR, with that CIDR")
    func podNetworkWaitsForThePodCIDR() async throws {
        let seen = Mutex<[String]>([])
        let node = try await AgentTestNode.start { config in
            config.podNetworkSetup = { cidr in seen.withLock { $0.append(cidr) } }
        }
        defer { node.stop() }
        _ = try await node.eventually("node registered") { try? await node.client.get(CoreV1.Node.self, name: AgentTestNode.nodeName) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(seen.withLock { $0 }.isEmpty, "no pod network before the node has a subnet")
        _ = try await node.client.patch(CoreV1.Node.self, name: AgentTestNode.nodeName,
                                        ["spec": .object(["podCIDR": .string("10.42.3.0/24"), "podCIDRs": .array([.string("10.42.3.0/24")])])])
        _ = try await node.eventually("the setup ran") { seen.withLock { $0.isEmpty ? nil : $0 } }
        #expect(seen.withLock { $0 } == ["10.42.3.0/24"])
    }

    @Test func runsAPodAndReportsItRunningAndReady() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("web"))
        let pod = try await node.eventually("web running and ready") { () -> CoreV1.Pod? in
            guard let p = try await node.pod("web"), p.status?.phase == "Running",
                  p.status?.conditions?.contains(where: { $0.type == "Ready" && $0.status == "True" }) == true else { return nil }
            return p
        }
        let st = pod?.status?.containerStatuses?.first
        #expect(st?.name == "main")
        #expect(st?.ready == true && st?.started == true)
        #expect(st?.state?.running?.startedAt != nil)
        #expect(st?.containerID?.hasPrefix("simulated://") == true)
        #expect(st?.restartCount == 0)
        #expect(pod?.status?.hostIP == "127.0.0.1")
        #expect(pod?.status?.podIP == "127.0.0.1")
        let types = Set((pod?.status?.conditions ?? []).map { $0.type ?? "" })
        #expect(types.isSuperset(of: ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"]))
        let reasons = try await node.eventually("Created and Started events") { () -> Set<String>? in
            let r = Set(try await node.events("web").map { $0.reason ?? "" })
            return r.isSuperset(of: ["Pulled", "Created", "Started"]) ? r : nil
        }
        #expect(reasons != nil)
        let started = try await node.events("web").first { $0.reason == "Started" }
        #expect(started?.message == "Started container main")
        #expect(started?.involvedObject?.fieldPath == "spec.containers{main}")
        #expect(started?.source?.host == AgentTestNode.nodeName)
    }

    @Test func podsThatFinishSucceedOrFailByExitCode() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("ok", restartPolicy: "Never",
                                                           annotations: [SimulatedRuntime.runSecondsAnnotation: "0.1"]))
        _ = try await node.client.create(AgentTestNode.pod("bad", restartPolicy: "Never",
                                                           annotations: [SimulatedRuntime.runSecondsAnnotation: "0.1",
                                                                         SimulatedRuntime.exitCodeAnnotation: "3"]))
        let ok = try await node.eventually("ok Succeeded") { try await node.pod("ok").flatMap { $0.status?.phase == "Succeeded" ? $0 : nil } }
        let t = ok?.status?.containerStatuses?.first?.state?.terminated
        #expect(t?.exitCode == 0 && t?.reason == "Completed")
        #expect(ok?.status?.conditions?.first { $0.type == "Ready" }?.reason == "PodCompleted")
        let bad = try await node.eventually("bad Failed") { try await node.pod("bad").flatMap { $0.status?.phase == "Failed" ? $0 : nil } }
        let bt = bad?.status?.containerStatuses?.first?.state?.terminated
        #expect(bt?.exitCode == 3 && bt?.reason == "Error")
        #expect(bad?.status?.containerStatuses?.first?.restartCount == 0)
    }

    @Test func failingContainerRestartsThenBacksOff() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("crash", restartPolicy: "OnFailure",
                                                           annotations: [SimulatedRuntime.runSecondsAnnotation: "0.05",
                                                                         SimulatedRuntime.exitCodeAnnotation: "1"]))
        let st = try await node.eventually("crash in CrashLoopBackOff") { () -> CoreV1.ContainerStatus? in
            guard let s = try await node.pod("crash")?.status?.containerStatuses?.first,
                  s.state?.waiting?.reason == "CrashLoopBackOff" else { return nil }
            return s
        }
        #expect((st?.restartCount ?? 0) >= 1)
        #expect(st?.lastState?.terminated?.exitCode == 1)
        #expect(st?.state?.waiting?.message?.hasPrefix("back-off 10s restarting failed container=main pod=crash_default(") == true)
        let pod = try await node.pod("crash")
        #expect(pod?.status?.phase == "Running")
        let backoff = try await node.eventually("BackOff event") { try await node.events("crash").first { $0.reason == "BackOff" } }
        #expect(backoff?.type == "Warning")
    }

    @Test func initContainersRunInOrderBeforeTheApp() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("init", restartPolicy: "Never", annotations: [SimulatedRuntime.runSecondsAnnotation: "0.1"],
                                                           initContainers: ["first", "second"]))
        let pod = try await node.eventually("init pod Succeeded") { try await node.pod("init").flatMap { $0.status?.phase == "Succeeded" ? $0 : nil } }
        let inits = pod?.status?.initContainerStatuses ?? []
        #expect(inits.map { $0.name ?? "" } == ["first", "second"])
        #expect(inits.allSatisfy { $0.state?.terminated?.reason == "Completed" })
        let firstDone = inits.first?.state?.terminated?.finishedAt?.date ?? .distantFuture
        let secondStart = inits.last?.state?.terminated?.startedAt?.date ?? .distantPast
        let appStart = pod?.status?.containerStatuses?.first?.state?.terminated?.startedAt?.date ?? .distantPast
        let secondDone = inits.last?.state?.terminated?.finishedAt?.date ?? .distantFuture
        #expect(firstDone <= secondStart)
        #expect(secondDone <= appStart)
        #expect(pod?.status?.conditions?.first { $0.type == "Initialized" }?.status == "True")
    }

    @Test func deletingAPodStopsItsContainersAndRemovesIt() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("gone"))
        try await node.eventually("gone running") { try await node.pod("gone")?.status?.phase == "Running" ? true : nil }
        try await node.client.delete(CoreV1.Pod.self, namespace: "default", name: "gone")
        try await node.eventually("gone deleted") { try await node.pod("gone") == nil ? true : nil }
        let left = try await node.eventually("sandbox removed") { () -> Bool? in
            try await node.runtime.listSandboxes().isEmpty ? true : nil
        }
        #expect(left == true)
        let killing = try await node.events("gone").first { $0.reason == "Killing" }
        #expect(killing?.message == "Stopping container main")
    }

    @Test func agentRestartKeepsRunningPods() async throws {
        var node = try await AgentTestNode.start()
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("keep"))
        let before = try await node.eventually("keep running") { () -> String? in
            guard let p = try await node.pod("keep"), p.status?.phase == "Running" else { return nil }
            return p.status?.containerStatuses?.first?.containerID
        }
        await node.stopAgent()
        node.startAgent()
        // The new agent adopts the sandbox; the container keeps running under the same ID.
        try await Task.sleep(for: .milliseconds(500))
        let after = try await node.pod("keep")
        #expect(after?.status?.containerStatuses?.first?.containerID == before)
        #expect(after?.status?.containerStatuses?.first?.restartCount == 0)
        #expect(try await node.runtime.listSandboxes().count == 1)
        // And still manages it: deletion works through the new agent.
        try await node.client.delete(CoreV1.Pod.self, namespace: "default", name: "keep")
        try await node.eventually("keep deleted") { try await node.pod("keep") == nil ? true : nil }
    }
}

/// Static pods from the manifests folder, mirrored into the API.
@Suite(.serialized) struct StaticPodTests {
    @Test func manifestFileRunsAMirrorPodUntilRemoved() async throws {
        let node = try await AgentTestNode.start(manifests: true)
        defer { node.stop() }
        let dir = node.dataDirectory + "/manifests"
        try """
        apiVersion: v1
        kind: Pod
        metadata:
          name: static-web
          namespace: kube-system
        spec:
          containers:
          - name: web
            image: busybox
            command: ["sleep", "3600"]
        """.write(toFile: dir + "/web.yaml", atomically: true, encoding: .utf8)
        try "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: x}\n".write(toFile: dir + "/not-a-pod.yaml", atomically: true, encoding: .utf8)
        let name = "static-web-\(AgentTestNode.nodeName)"
        let pod = try await node.eventually("mirror pod running") { () -> CoreV1.Pod? in
            guard let p = try? await node.client.get(CoreV1.Pod.self, namespace: "kube-system", name: name), p.status?.phase == "Running" else { return nil }
            return p
        }
        #expect(pod?.metadata.annotations?["kubernetes.io/config.mirror"] != nil)
        #expect(pod?.metadata.ownerReferences?.first?.kind == "Node")
        // Deleting the mirror pod does not stop a static pod: it comes back.
        try await node.client.delete(CoreV1.Pod.self, namespace: "kube-system", name: name, gracePeriodSeconds: 0)
        try await node.eventually("mirror pod back") { () -> Bool? in
            guard let p = try? await node.client.get(CoreV1.Pod.self, namespace: "kube-system", name: name), p.metadata.uid != pod?.metadata.uid else {
                return nil
            }
            return true
        }
        try FileManager.default.removeItem(atPath: dir + "/web.yaml")
        try await node.eventually("mirror pod gone with its file") { () -> Bool? in
            do { _ = try await node.client.get(CoreV1.Pod.self, namespace: "kube-system", name: name) } catch let e as APIError where e.code == 404 {
                return true
            }
            return nil
        }
    }
}

/// Node-pressure eviction with a memory reading the test controls.
@Suite(.serialized) struct EvictionTests {
    @Test func lowMemoryEvictsAndReportsPressure() async throws {
        let node = try await AgentTestNode.start(configure: { c in
            c.evictionInterval = .milliseconds(100)
            c.memoryAvailable = { 50 << 20 }
        })
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("besteffort"))
        let evicted = try await node.eventually("besteffort evicted") { () -> CoreV1.Pod? in
            guard let p = try await node.pod("besteffort"), p.status?.reason == "Evicted" else { return nil }
            return p
        }
        #expect(evicted?.status?.phase == "Failed")
        #expect(evicted?.status?.message?.hasPrefix("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.") == true)
        #expect(evicted?.status?.conditions?.contains { $0.type == "DisruptionTarget" && $0.reason == "TerminationByKubelet" } == true)
        let pressure = try await node.eventually("MemoryPressure True") { () -> Bool? in
            let n = try await node.client.get(CoreV1.Node.self, name: AgentTestNode.nodeName)
            return n.status?.conditions?.first { $0.type == "MemoryPressure" }?.status == "True" ? true : nil
        }
        #expect(pressure == true)
        let events = try await node.events("besteffort")
        #expect(events.contains { $0.reason == "Evicted" && $0.type == "Warning" })
    }

    /// Memory comes back when the evicted pod's containers stop (the reading is a budget minus
    /// what running containers use), so the Guaranteed pod is never reached.
    @Test func bestEffortGoesFirstAndEvictionStopsWhenMemoryRecovers() async throws {
        let runtime = SimulatedRuntime(podNetworking: false)
        let node = try await AgentTestNode.start(runtime: runtime, configure: { c in
            c.evictionInterval = .milliseconds(100)
            c.memoryAvailable = {
                var used: Int64 = 0
                for c in (try? await runtime.listContainers(sandbox: nil)) ?? [] where c.state == .running {
                    used += Int64((try? await runtime.containerStats(c.id))?.memoryWorkingSetBytes ?? 0)
                }
                return (250 << 20) - used
            }
        })
        defer { node.stop() }
        var guaranteed = AgentTestNode.pod("keeper", annotations: [SimulatedRuntime.memoryAnnotation: "\(10 << 20)"])
        guaranteed.spec?.containers?[0].resources = CoreV1.ResourceRequirements(limits: ["cpu": "100m", "memory": "64Mi"],
                                                                                 requests: ["cpu": "100m", "memory": "64Mi"])
        _ = try await node.client.create(guaranteed)
        try await node.eventually("keeper running") { try await node.pod("keeper")?.status?.phase == "Running" ? true : nil }
        _ = try await node.client.create(AgentTestNode.pod("hog", annotations: [SimulatedRuntime.memoryAnnotation: "\(200 << 20)"]))
        try await node.eventually("hog evicted") { try await node.pod("hog")?.status?.reason == "Evicted" ? true : nil }
        try await node.eventually("MemoryPressure False") { () -> Bool? in
            let n = try await node.client.get(CoreV1.Node.self, name: AgentTestNode.nodeName)
            return n.status?.conditions?.first { $0.type == "MemoryPressure" }?.status == "False" ? true : nil
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await node.pod("keeper")?.status?.phase == "Running")
    }
}

@Suite struct NodeStatusTests {
    @Test func refreshStatusWritesMemoryPressure() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        try await node.eventually("node") { try? await node.client.get(CoreV1.Node.self, name: AgentTestNode.nodeName) }
        let profile = NodeProfile(name: AgentTestNode.nodeName, internalIP: "127.0.0.1", cpu: "1", memory: "1Gi", runtimeVersion: "x://1")
        try await NodeRegistration.refreshStatus(profile, client: node.client, memoryPressure: true)
        let n = try await node.client.get(CoreV1.Node.self, name: AgentTestNode.nodeName)
        #expect(n.status?.conditions?.first { $0.type == "MemoryPressure" }?.reason == "KubeletHasInsufficientMemory")
    }
}

/// The stats summary the metrics API is built from.
@Suite struct StatsCollectorTests {
    @Test func reportsCPURateAndMemoryPerContainerAndPod() async throws {
        let runtime = SimulatedRuntime()
        let sb = try await runtime.runSandbox(SandboxConfig(name: "web", namespace: "shop", uid: "u1", hostname: "web", logDirectory: "/tmp",
                                                            annotations: [SimulatedRuntime.millicoresAnnotation: "250",
                                                                          SimulatedRuntime.memoryAnnotation: "\(64 << 20)"]))
        for name in ["app", "sidecar"] {
            let id = try await runtime.createContainer(in: sb, ContainerConfig(name: name, image: "x", logPath: "\(name)/0.log"),
                                                       sandboxConfig: SandboxConfig(name: "web", namespace: "shop", uid: "u1", hostname: "web",
                                                                                    logDirectory: "/tmp"))
            try await runtime.startContainer(id)
        }
        let collector = StatsCollector(runtime: runtime, nodeName: "n1")
        await collector.sample()
        let first = await collector.summary()
        #expect(first.pods.first?.containers.first?.cpu?.usageNanoCores == nil)
        try await Task.sleep(for: .milliseconds(300))
        await collector.sample()
        let s = await collector.summary()
        #expect(s.node.nodeName == "n1")
        #expect((s.node.memory?.workingSetBytes ?? 0) > 0)
        let pod = try #require(s.pods.first)
        #expect(pod.podRef == StatsSummary.PodReference(name: "web", namespace: "shop", uid: "u1"))
        #expect(pod.containers.map(\.name) == ["app", "sidecar"])
        let rate = Double(pod.containers[0].cpu?.usageNanoCores ?? 0)
        #expect(abs(rate - 250_000_000) < 25_000_000, "250m of CPU is 250,000,000 nanocores; got \(rate)")
        #expect(pod.memory?.workingSetBytes == UInt64(2 * (64 << 20)))
        #expect(abs(Double(pod.cpu?.usageNanoCores ?? 0) - 500_000_000) < 50_000_000)
    }
}

/// Probes wired into the pod worker (exec probes against the simulated runtime, where
/// `exit N` exits N).
@Suite(.serialized) struct PodProbeTests {
    static func probe(_ command: String) -> CoreV1.Probe {
        CoreV1.Probe(exec: CoreV1.ExecAction(command: ["sh", "-c", command]), periodSeconds: 1, failureThreshold: 1)
    }

    @Test func readinessProbeDrivesTheReadyCondition() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        var ready = AgentTestNode.pod("ready")
        ready.spec?.containers?[0].readinessProbe = Self.probe("exit 0")
        var unready = AgentTestNode.pod("unready")
        unready.spec?.containers?[0].readinessProbe = Self.probe("exit 1")
        _ = try await node.client.create(ready)
        _ = try await node.client.create(unready)
        try await node.eventually("ready becomes Ready") { () -> Bool? in
            try await node.pod("ready")?.status?.containerStatuses?.first?.ready == true ? true : nil
        }
        try await node.eventually("unready Running") { try await node.pod("unready")?.status?.phase == "Running" ? true : nil }
        try await Task.sleep(for: .milliseconds(1500))
        let p = try await node.pod("unready")
        #expect(p?.status?.containerStatuses?.first?.ready == false)
        let cond = p?.status?.conditions?.first { $0.type == "Ready" }
        #expect(cond?.status == "False" && cond?.reason == "ContainersNotReady")
        #expect(cond?.message == "containers with unready status: [main]")
        let unhealthy = try await node.eventually("Unhealthy event") { try await node.events("unready").first { $0.reason == "Unhealthy" } }
        #expect(unhealthy?.message?.hasPrefix("Readiness probe failed") == true)
    }

    @Test func failingLivenessProbeRestartsTheContainer() async throws {
        let node = try await AgentTestNode.start()
        defer { node.stop() }
        var sick = AgentTestNode.pod("sick")
        sick.spec?.containers?[0].livenessProbe = Self.probe("exit 1")
        _ = try await node.client.create(sick)
        let st = try await node.eventually("a restart") { () -> CoreV1.ContainerStatus? in
            guard let s = try await node.pod("sick")?.status?.containerStatuses?.first, (s.restartCount ?? 0) >= 1 else { return nil }
            return s
        }
        #expect(st?.lastState?.terminated != nil)
        let killing = try await node.eventually("Killing event") {
            try await node.events("sick").first { $0.reason == "Killing" && $0.message?.contains("failed liveness probe") == true }
        }
        #expect(killing?.message == "Container main failed liveness probe, will be restarted")
    }
}

/// Container log rotation (copy, truncate in place, keep the newest files).
@Suite struct ContainerLogRotationTests {
    @Test func rotatesOverSizeLogsAndKeepsTheNewestFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tug-rotate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/0.log"
        let rotation = ContainerLogRotation(maxBytes: 100, maxFiles: 3)
        // The runtime's writer appends; it must carry on at the start of the truncated file.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o640)
        defer { close(fd) }
        func write(_ s: String) { _ = Array(s.utf8).withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } }
        write(String(repeating: "a", count: 50))
        #expect(try !rotation.rotate(path), "under the size: left alone")
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        for i in 0..<4 {
            write(String(repeating: "b", count: 120))
            #expect(try rotation.rotate(path, now: base.addingTimeInterval(Double(i))))
        }
        write("after\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "after\n")
        let rotated = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0 != "0.log" }.sorted()
        #expect(rotated == ["0.log.20231114-221322", "0.log.20231114-221323"], "the two newest rotated files (3 with the current one)")
        #expect(ContainerLogRotation.stamp(base) == "20231114-221320")
    }
}
