import Foundation
import Logging
import Testing
import TugAPI
import TugAPIServer
import TugClient
import TugInProcess
import TugStore
@testable import TugControllers

@Suite struct NodeLifecycleControllerTests {
    @Test func silentNodeIsTaintedAndIntolerantPodsEvicted() async throws {
        let core = APIServerCore(store: MemoryStore(), serverAddress: "http://127.0.0.1:0", logger: Logger(label: "test"))
        try await core.bootstrap()
        let dispatcher = core.dispatcher
        let feed = Task { try await dispatcher.run() }
        defer { feed.cancel() }
        let client = APIClient(transport: InProcessTransport(core: core), fieldManager: "tests")

        var node = CoreV1.Node(metadata: MetaV1.ObjectMeta())
        node.metadata.name = "n1"
        let long = Time(Date().addingTimeInterval(-120))
        node.status = CoreV1.NodeStatus(conditions: [CoreV1.NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: long, lastTransitionTime: long)])
        _ = try await client.create(node)
        func pod(_ name: String, tolerationSeconds: Int?) -> CoreV1.Pod {
            var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta())
            p.metadata.name = name
            p.metadata.namespace = "default"
            var c = CoreV1.Container()
            c.name = "app"
            c.image = "nginx"
            p.spec = CoreV1.PodSpec(containers: [c])
            p.spec?.nodeName = "n1"
            p.spec?.schedulerName = "none"
            // Our own toleration of the unreachable taint (admission adds a 300 s one otherwise).
            p.spec?.tolerations = [CoreV1.Toleration(key: NodeLifecycleController.unreachable, operator: "Exists", effect: "NoExecute",
                                                     tolerationSeconds: tolerationSeconds)]
            return p
        }
        _ = try await client.create(pod("intolerant", tolerationSeconds: 0))
        _ = try await client.create(pod("patient", tolerationSeconds: 3600))

        let nodes = Informer<CoreV1.Node>(client: client)
        let leases = Informer<CoordinationV1.Lease>(client: client, namespace: "kube-node-lease")
        let pods = Informer<CoreV1.Pod>(client: client)
        let controller = NodeLifecycleController(client: client, nodes: nodes, leases: leases, pods: pods, gracePeriod: .seconds(40), logger: Logger(label: "test"))
        await controller.start()
        let runs = [Task { await nodes.run() }, Task { await leases.run() }, Task { await pods.run() }]
        defer { for r in runs { r.cancel() } }
        for i in [nodes.waitForSync, leases.waitForSync, pods.waitForSync] as [@Sendable () async -> Void] { await i() }
        for _ in 0..<100 where await pods.count < 2 { try await Task.sleep(for: .milliseconds(10)) }

        try await controller.sync("n1")
        let after = try await client.get(CoreV1.Node.self, name: "n1")
        #expect(after.status?.conditions?.first { $0.type == "Ready" }?.status == "Unknown")
        #expect(Set((after.spec?.taints ?? []).map { "\($0.key ?? ""):\($0.effect ?? "")" })
                == ["\(NodeLifecycleController.unreachable):NoSchedule", "\(NodeLifecycleController.unreachable):NoExecute"])
        // The pod that tolerates it for 0 s is deleted; the one with an hour stays.
        let left = try await client.list(CoreV1.Pod.self, namespace: "default").items
        #expect(left.map { $0.metadata.name } == ["patient"] || left.first { $0.metadata.name == "intolerant" }?.metadata.deletionTimestamp != nil)
        #expect(left.first { $0.metadata.name == "patient" }?.metadata.deletionTimestamp == nil)

        // A fresh heartbeat: taints go once the node reports Ready again.
        var healthy = after
        let now = Time.now()
        healthy.status?.conditions = [CoreV1.NodeCondition(type: "Ready", status: "True", lastHeartbeatTime: now, lastTransitionTime: now)]
        _ = try await client.updateStatus(healthy)
        for _ in 0..<100 where await nodes.get("n1")?.status?.conditions?.first?.status != "True" { try await Task.sleep(for: .milliseconds(10)) }
        try await controller.sync("n1")
        #expect(try await client.get(CoreV1.Node.self, name: "n1").spec?.taints == nil)
    }
}
