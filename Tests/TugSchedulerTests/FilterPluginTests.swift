import Testing
import TugAPI
@testable import TugScheduler

private typealias F = PluginFixtures

@Suite struct NodeNamePluginTests {
    let plugin = NodeNamePlugin()

    @Test func matchesOnlyTheNamedNode() {
        var pod = F.pod()
        #expect(plugin.filter(pod, F.info(), CycleState()) == .success)
        pod.spec?.nodeName = "n1"
        #expect(plugin.filter(pod, F.info(F.node("n1")), CycleState()) == .success)
        #expect(plugin.filter(pod, F.info(F.node("n2")), CycleState())
            == .unresolvable(["node(s) didn't match the requested node name"]))
    }
}

@Suite struct NodeUnschedulablePluginTests {
    let plugin = NodeUnschedulablePlugin()
    let cordoned = F.info(F.node(unschedulable: true))

    @Test func cordonedNodeRejectsPods() {
        #expect(plugin.filter(F.pod(), cordoned, CycleState()) == .unresolvable(["node(s) were unschedulable"]))
        #expect(plugin.filter(F.pod(), F.info(F.node(unschedulable: false)), CycleState()) == .success)
    }

    @Test(arguments: [
        (CoreV1.Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule"), true),
        (CoreV1.Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists"), true),
        (CoreV1.Toleration(operator: "Exists"), true),
        (CoreV1.Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoExecute"), false),
        (CoreV1.Toleration(key: "node.kubernetes.io/unschedulable", value: "true", effect: "NoSchedule"), false),
    ])
    func toleratingTheUnschedulableTaintFits(toleration: CoreV1.Toleration, fits: Bool) {
        var pod = F.pod()
        pod.spec?.tolerations = [toleration]
        #expect(plugin.filter(pod, cordoned, CycleState()).isSuccess == fits)
    }
}

@Suite struct TaintTolerationFilterTests {
    let plugin = TaintTolerationPlugin()
    let controlPlane = CoreV1.Taint(key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule")

    func filter(_ taints: [CoreV1.Taint], _ tolerations: [CoreV1.Toleration]?) -> PluginStatus {
        var pod = F.pod()
        pod.spec?.tolerations = tolerations
        return plugin.filter(pod, F.info(F.node(taints: taints)), CycleState())
    }

    @Test func untoleratedTaintIsReportedWithKubernetesText() {
        #expect(filter([controlPlane], nil)
            == .unresolvable(["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"]))
        let gpu = CoreV1.Taint(key: "gpu", value: "true", effect: "NoExecute")
        #expect(filter([gpu], nil) == .unresolvable(["node(s) had untolerated taint {gpu: true}"]))
    }

    @Test func onlyTheFirstUntoleratedTaintIsReported() {
        let a = CoreV1.Taint(key: "a", value: "1", effect: "NoSchedule")
        let b = CoreV1.Taint(key: "b", value: "2", effect: "NoSchedule")
        let c = CoreV1.Taint(key: "c", value: "3", effect: "NoExecute")
        #expect(filter([a, b, c], [CoreV1.Toleration(key: "a", operator: "Equal", value: "1")])
            == .unresolvable(["node(s) had untolerated taint {b: 2}"]))
    }

    @Test func preferNoScheduleDoesNotFilter() {
        #expect(filter([CoreV1.Taint(key: "soft", effect: "PreferNoSchedule")], nil) == .success)
    }

    @Test func tolerationMatching() {
        let taint = CoreV1.Taint(key: "dedicated", value: "db", effect: "NoSchedule")
        // Equal (explicit or defaulted) compares values.
        #expect(filter([taint], [CoreV1.Toleration(key: "dedicated", operator: "Equal", value: "db")]) == .success)
        #expect(filter([taint], [CoreV1.Toleration(key: "dedicated", value: "db", effect: "NoSchedule")]) == .success)
        #expect(!filter([taint], [CoreV1.Toleration(key: "dedicated", operator: "Equal", value: "web")]).isSuccess)
        #expect(!filter([taint], [CoreV1.Toleration(key: "dedicated")]).isSuccess)
        // Exists ignores the value; an empty key with Exists tolerates everything.
        #expect(filter([taint], [CoreV1.Toleration(key: "dedicated", operator: "Exists")]) == .success)
        #expect(filter([taint, controlPlane], [CoreV1.Toleration(operator: "Exists")]) == .success)
        // The effect must match unless the toleration leaves it empty.
        #expect(!filter([taint], [CoreV1.Toleration(key: "dedicated", operator: "Exists", effect: "NoExecute")]).isSuccess)
        #expect(!filter([taint], [CoreV1.Toleration(key: "other", operator: "Exists")]).isSuccess)
        // Unknown operators tolerate nothing.
        #expect(!filter([taint], [CoreV1.Toleration(key: "dedicated", operator: "Gt", value: "db")]).isSuccess)
    }
}

@Suite struct NodePortsPluginTests {
    let plugin = NodePortsPlugin()
    let reason = PluginStatus.unschedulable(["node(s) didn't have free ports for the requested pod ports"])

    func node(with ports: [CoreV1.ContainerPort]) -> NodeInfo {
        F.info(pods: [F.pod("existing", ports: ports)])
    }

    func filter(_ wanted: CoreV1.ContainerPort, on info: NodeInfo) -> PluginStatus {
        plugin.filter(F.pod("new", ports: [wanted]), info, CycleState())
    }

    @Test func wildcardIPConflictsWithEveryIP() {
        let info = node(with: [F.hostPort(8080)])
        #expect(filter(F.hostPort(8080, ip: "127.0.0.1"), on: info) == reason)
        #expect(filter(F.hostPort(8080, ip: "0.0.0.0", proto: "TCP"), on: info) == reason)
        #expect(filter(F.hostPort(8080, proto: "UDP"), on: info) == .success)
        #expect(filter(F.hostPort(8081), on: info) == .success)
    }

    @Test func specificIPsConflictOnlyWithTheSameIPOrWildcard() {
        let info = node(with: [F.hostPort(80, ip: "10.0.0.1")])
        #expect(filter(F.hostPort(80, ip: "10.0.0.2"), on: info) == .success)
        #expect(filter(F.hostPort(80, ip: "10.0.0.1"), on: info) == reason)
        #expect(filter(F.hostPort(80), on: info) == reason)
        #expect(filter(F.hostPort(80, ip: "10.0.0.1", proto: "SCTP"), on: info) == .success)
    }

    @Test func containerPortsWithoutHostPortNeverConflict() {
        let info = node(with: [F.hostPort(80)])
        let plain = CoreV1.ContainerPort(containerPort: 80)
        #expect(plugin.filter(F.pod("new", ports: [plain]), info, CycleState()) == .success)
        #expect(plugin.filter(F.pod("new"), info, CycleState()) == .success)
    }
}

/// NodeInfo keeps its totals as pods come and go (status updates replace a pod in place).
@Suite struct NodeInfoBookkeepingTests {
    @Test func removingPodsKeepsPortsAndRequestsOfTheOthers() {
        let a = F.pod("a", requests: ["cpu": "100m"], ports: [F.hostPort(80)])
        let b = F.pod("b", requests: ["cpu": "200m"], ports: [F.hostPort(80)])
        let c = F.pod("c", requests: ["cpu": "300m"], ports: [F.hostPort(81)])
        let info = F.info(pods: [a, b, c])
        #expect(info.usedPorts == ["TCP/0.0.0.0/80", "TCP/0.0.0.0/81"])
        info.remove(uid: "uid-a")
        // b still holds port 80.
        #expect(info.usedPorts == ["TCP/0.0.0.0/80", "TCP/0.0.0.0/81"])
        #expect(info.requested.milliCPU == 500)
        #expect(info.requested.pods == 2)
        info.remove(uid: "uid-b")
        #expect(info.usedPorts == ["TCP/0.0.0.0/81"])
        #expect(Set(info.pods.map { $0.metadata.name ?? "" }) == ["c"])
        // Removing an unknown or already removed pod changes nothing.
        info.remove(uid: "uid-b")
        info.remove(uid: "uid-x")
        #expect(info.requested.milliCPU == 300)
        info.add(a)
        info.remove(uid: "uid-c")
        #expect(info.pods.map { $0.metadata.name ?? "" } == ["a"])
        #expect(info.usedPorts == ["TCP/0.0.0.0/80"])
        #expect(info.requested.milliCPU == 100)
        #expect(info.requested.pods == 1)
    }
}

@Suite struct NodeResourcesFitPluginTests {
    let plugin = NodeResourcesFitPlugin()

    func node(_ allocatable: [String: Quantity], used: [String: Quantity]? = nil) -> NodeInfo {
        F.info(F.node(allocatable: allocatable), pods: used.map { [F.pod("existing", requests: $0)] } ?? [])
    }

    @Test func fitsWithinFreeResources() {
        let info = node(["cpu": "2", "memory": "4Gi", "pods": "10"], used: ["cpu": "1", "memory": "1Gi"])
        #expect(plugin.filter(F.pod(requests: ["cpu": "1", "memory": "3Gi"]), info, CycleState()) == .success)
        #expect(plugin.filter(F.pod(requests: ["cpu": "1500m"]), info, CycleState())
            == .unschedulable(["Insufficient cpu"]))
        #expect(plugin.filter(F.pod(requests: ["cpu": "1500m", "memory": "4Gi", "ephemeral-storage": "1Gi"]), info, CycleState())
            == .unschedulable(["Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage"]))
    }

    @Test func tooManyPodsEvenWithoutRequests() {
        let info = node(["cpu": "2", "memory": "4Gi", "pods": "1"], used: [:])
        #expect(plugin.filter(F.pod(), info, CycleState()) == .unschedulable(["Too many pods"]))
        #expect(plugin.filter(F.pod(requests: ["cpu": "3"]), info, CycleState())
            == .unschedulable(["Too many pods", "Insufficient cpu"]))
    }

    @Test func zeroRequestsFitAnOvercommittedNode() {
        let info = node(["cpu": "1", "memory": "1Gi", "pods": "10"], used: ["cpu": "2", "memory": "2Gi"])
        #expect(plugin.filter(F.pod(requests: ["cpu": "0", "nvidia.com/gpu": "0"]), info, CycleState()) == .success)
        #expect(plugin.filter(F.pod(requests: ["memory": "1"]), info, CycleState())
            == .unschedulable(["Insufficient memory"]))
    }

    @Test func extendedResources() {
        let info = node(["cpu": "4", "pods": "10", "nvidia.com/gpu": "2"], used: ["nvidia.com/gpu": "1"])
        #expect(plugin.filter(F.pod(requests: ["nvidia.com/gpu": "1"]), info, CycleState()) == .success)
        #expect(plugin.filter(F.pod(requests: ["nvidia.com/gpu": "2", "example.com/foo": "1"]), info, CycleState())
            == .unschedulable(["Insufficient example.com/foo", "Insufficient nvidia.com/gpu"]))
    }
}
