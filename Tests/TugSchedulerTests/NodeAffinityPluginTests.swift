import Testing
import TugAPI
@testable import TugScheduler

@Suite struct NodeAffinityPluginTests {
    let plugin = NodeAffinityPlugin()
    let reason = PluginStatus.unresolvable(["node(s) didn't match Pod's node affinity/selector"])
    let node = PluginFixtures.node("node-a", labels: ["zone": "us-1a", "disk": "ssd", "cores": "8"])

    func req(_ key: String, _ op: String, _ values: [String]? = nil) -> CoreV1.NodeSelectorRequirement {
        CoreV1.NodeSelectorRequirement(key: key, operator: op, values: values)
    }

    func pod(selector: [String: String]? = nil, required: [CoreV1.NodeSelectorTerm]? = nil,
             preferred: [CoreV1.PreferredSchedulingTerm]? = nil) -> CoreV1.Pod {
        var pod = PluginFixtures.pod()
        pod.spec?.nodeSelector = selector
        if required != nil || preferred != nil {
            pod.spec?.affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(
                requiredDuringSchedulingIgnoredDuringExecution: required.map { CoreV1.NodeSelector(nodeSelectorTerms: $0) },
                preferredDuringSchedulingIgnoredDuringExecution: preferred))
        }
        return pod
    }

    func fits(_ expressions: [CoreV1.NodeSelectorRequirement]) -> Bool {
        plugin.filter(pod(required: [CoreV1.NodeSelectorTerm(matchExpressions: expressions)]),
                      NodeInfo(node: node), CycleState()).isSuccess
    }

    @Test func nodeSelectorNeedsEveryLabel() {
        #expect(plugin.filter(pod(), NodeInfo(node: node), CycleState()) == .success)
        #expect(plugin.filter(pod(selector: ["zone": "us-1a", "disk": "ssd"]), NodeInfo(node: node), CycleState()) == .success)
        #expect(plugin.filter(pod(selector: ["zone": "us-1a", "disk": "hdd"]), NodeInfo(node: node), CycleState()) == reason)
        #expect(plugin.filter(pod(selector: ["gpu": ""]), NodeInfo(node: node), CycleState()) == reason)
    }

    @Test func operators() {
        #expect(fits([req("zone", "In", ["us-1a", "us-1b"])]))
        #expect(!fits([req("zone", "In", ["us-1b"])]))
        #expect(fits([req("zone", "NotIn", ["us-1b"])]))
        #expect(fits([req("gpu", "NotIn", ["a100"])]))  // a missing label satisfies NotIn
        #expect(!fits([req("zone", "NotIn", ["us-1a"])]))
        #expect(fits([req("disk", "Exists")]))
        #expect(!fits([req("gpu", "Exists")]))
        #expect(fits([req("gpu", "DoesNotExist")]))
        #expect(!fits([req("disk", "DoesNotExist")]))
        #expect(fits([req("cores", "Gt", ["4"])]))
        #expect(!fits([req("cores", "Gt", ["8"])]))
        #expect(fits([req("cores", "Lt", ["16"])]))
        #expect(!fits([req("zone", "Lt", ["16"])]))  // a non-integer label never compares
    }

    @Test func invalidRequirementsMatchNothing() {
        #expect(!fits([req("zone", "In", [])]))
        #expect(!fits([req("cores", "Gt", ["x"])]))
        #expect(!fits([req("zone", "Equals", ["us-1a"])]))
        #expect(!fits([req("disk", "Exists", ["ssd"])]))
    }

    @Test func expressionsAreAndedTermsAreOred() {
        #expect(fits([req("zone", "In", ["us-1a"]), req("disk", "In", ["ssd"])]))
        #expect(!fits([req("zone", "In", ["us-1a"]), req("disk", "In", ["hdd"])]))
        let terms = [
            CoreV1.NodeSelectorTerm(matchExpressions: [req("zone", "In", ["eu-1"])]),
            CoreV1.NodeSelectorTerm(matchExpressions: [req("zone", "In", [])]),  // invalid: skipped
            CoreV1.NodeSelectorTerm(matchExpressions: [req("disk", "In", ["ssd"])]),
        ]
        #expect(plugin.filter(pod(required: terms), NodeInfo(node: node), CycleState()) == .success)
        #expect(plugin.filter(pod(required: Array(terms.prefix(2))), NodeInfo(node: node), CycleState()) == reason)
    }

    @Test func emptyTermsMatchNothing() {
        #expect(plugin.filter(pod(required: []), NodeInfo(node: node), CycleState()) == reason)
        #expect(plugin.filter(pod(required: [CoreV1.NodeSelectorTerm()]), NodeInfo(node: node), CycleState()) == reason)
    }

    @Test func selectorAndAffinityMustBothMatch() {
        let term = CoreV1.NodeSelectorTerm(matchExpressions: [req("zone", "In", ["us-1a"])])
        #expect(plugin.filter(pod(selector: ["disk": "ssd"], required: [term]), NodeInfo(node: node), CycleState()) == .success)
        #expect(plugin.filter(pod(selector: ["disk": "hdd"], required: [term]), NodeInfo(node: node), CycleState()) == reason)
    }

    @Test func matchFieldsOnNodeName() {
        func fields(_ r: CoreV1.NodeSelectorRequirement) -> PluginStatus {
            plugin.filter(pod(required: [CoreV1.NodeSelectorTerm(matchFields: [r])]), NodeInfo(node: node), CycleState())
        }
        #expect(fields(req("metadata.name", "In", ["node-a"])) == .success)
        #expect(fields(req("metadata.name", "In", ["node-b"])) == reason)
        #expect(fields(req("metadata.name", "NotIn", ["node-b"])) == .success)
        #expect(fields(req("metadata.name", "In", ["node-a", "node-b"])) == reason)  // exactly one value
        #expect(fields(req("metadata.name", "Exists")) == reason)
        let both = CoreV1.NodeSelectorTerm(
            matchExpressions: [req("zone", "In", ["us-1a"])], matchFields: [req("metadata.name", "In", ["node-a"])])
        #expect(plugin.filter(pod(required: [both]), NodeInfo(node: node), CycleState()) == .success)
    }

    @Test func preferredTermsScoreTheirWeights() {
        let preferred = [
            CoreV1.PreferredSchedulingTerm(weight: 10, preference: CoreV1.NodeSelectorTerm(matchExpressions: [req("zone", "In", ["us-1a"])])),
            CoreV1.PreferredSchedulingTerm(weight: 30, preference: CoreV1.NodeSelectorTerm(matchExpressions: [req("disk", "In", ["ssd"])])),
            CoreV1.PreferredSchedulingTerm(weight: 50, preference: CoreV1.NodeSelectorTerm(matchExpressions: [req("gpu", "Exists")])),
            CoreV1.PreferredSchedulingTerm(weight: 70, preference: CoreV1.NodeSelectorTerm()),  // empty matches nothing
        ]
        let p = pod(preferred: preferred)
        let other = PluginFixtures.node("node-b", labels: ["zone": "us-1a"])
        let bare = PluginFixtures.node("node-c")
        var scores = [node, other, bare].map { plugin.score(p, NodeInfo(node: $0), CycleState()) }
        #expect(scores == [40, 10, 0])
        plugin.normalize(&scores)
        #expect(scores == [100, 25, 0])
        #expect(plugin.weight == 2)
    }

    @Test func normalizeKeepsAllZero() {
        var scores = [0, 0]
        plugin.normalize(&scores)
        #expect(scores == [0, 0])
    }
}
