import Foundation
import Testing
import TugAPI
@testable import TugControllers

/// The rollout arithmetic alone, on hand-made pods.
@Suite struct DaemonSetViewTests {
    func node(_ name: String) -> CoreV1.Node {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta())
        n.metadata.name = name
        return n
    }

    func pod(_ name: String, on node: String, hash: String, ready: Bool) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta())
        p.metadata.name = name
        p.metadata.uid = name
        p.metadata.labels = [DaemonPlacement.revisionLabel: hash]
        p.spec = CoreV1.PodSpec(nodeName: node)
        p.status = CoreV1.PodStatus(phase: "Running", conditions: [CoreV1.PodCondition(type: "Ready", status: ready ? "True" : "False")])
        return p
    }

    func daemonSet(maxSurge: Int, maxUnavailable: Int) -> AppsV1.DaemonSet {
        var d = AppsV1.DaemonSet(metadata: MetaV1.ObjectMeta())
        d.spec = AppsV1.DaemonSetSpec(template: ControllerTestCluster.template(app: "x"),
                                      updateStrategy: AppsV1.DaemonSetUpdateStrategy(
                                          type: "RollingUpdate",
                                          rollingUpdate: AppsV1.RollingUpdateDaemonSet(maxUnavailable: .int(maxUnavailable), maxSurge: .int(maxSurge))))
        return d
    }

    @Test func surgeStartsNewPodsFirstAndRemovesOldOnesOnceAvailable() {
        let nodes = ["n1", "n2", "n3"].map(node)
        let old = nodes.map { pod("old-\($0.metadata.name!)", on: $0.metadata.name!, hash: "old", ready: true) }
        var plan = DaemonSetView.Plan()
        DaemonSetView(ds: daemonSet(maxSurge: 1, maxUnavailable: 0), nodes: nodes, pods: old, hash: "new").rollingUpdate(into: &plan)
        #expect(plan.create == ["n1"] && plan.delete.isEmpty, "one surge pod, nothing taken down")

        // n1's new pod is not ready yet: still one surge in flight, nothing else happens.
        plan = DaemonSetView.Plan()
        let starting = old + [pod("new-n1", on: "n1", hash: "new", ready: false)]
        DaemonSetView(ds: daemonSet(maxSurge: 1, maxUnavailable: 0), nodes: nodes, pods: starting, hash: "new").rollingUpdate(into: &plan)
        #expect(plan.create.isEmpty && plan.delete.isEmpty)

        // Available: the old pod on n1 goes, and the next node surges.
        plan = DaemonSetView.Plan()
        let up = old + [pod("new-n1", on: "n1", hash: "new", ready: true)]
        DaemonSetView(ds: daemonSet(maxSurge: 1, maxUnavailable: 0), nodes: nodes, pods: up, hash: "new").rollingUpdate(into: &plan)
        #expect(plan.delete.map(\.metadata.name) == ["old-n1"])
        #expect(plan.create == ["n2"])
    }

    @Test func maxUnavailableBoundsDeletionsAndUnavailableOldPodsGoFirst() {
        let nodes = ["n1", "n2", "n3", "n4"].map(node)
        let pods = [pod("a", on: "n1", hash: "old", ready: true), pod("b", on: "n2", hash: "old", ready: false),
                    pod("c", on: "n3", hash: "old", ready: true), pod("d", on: "n4", hash: "old", ready: true)]
        var plan = DaemonSetView.Plan()
        DaemonSetView(ds: daemonSet(maxSurge: 0, maxUnavailable: 2), nodes: nodes, pods: pods, hash: "new").rollingUpdate(into: &plan)
        // b serves nothing and goes first; it uses one of the two, so one available pod follows.
        #expect(plan.delete.map(\.metadata.name) == ["b", "a"])
        #expect(plan.create.isEmpty)
    }
}
