import Testing
import TugAPI
@testable import TugScheduler

private typealias F = PluginFixtures

@Suite struct TaintTolerationScoreTests {
    let plugin = TaintTolerationPlugin()

    @Test func fewerUntoleratedPreferNoScheduleTaintsScoreHigher() {
        let soft = { (key: String) in CoreV1.Taint(key: key, value: "x", effect: "PreferNoSchedule") }
        let nodes = [
            F.node("clean"),
            F.node("one", taints: [soft("a")]),
            F.node("two", taints: [soft("a"), soft("b"), CoreV1.Taint(key: "hard", effect: "NoSchedule")]),
            F.node("tolerated", taints: [soft("c")]),
        ]
        var pod = F.pod()
        pod.spec?.tolerations = [
            CoreV1.Toleration(key: "c", operator: "Exists"),  // empty effect: counts
            CoreV1.Toleration(key: "b", operator: "Exists", effect: "NoSchedule"),  // wrong effect: ignored
        ]
        var scores = nodes.map { plugin.score(pod, F.info($0), CycleState()) }
        #expect(scores == [0, 1, 2, 0])
        plugin.normalize(&scores)
        #expect(scores == [100, 50, 0, 100])
        #expect(plugin.weight == 3)
    }

    @Test func noTaintsAnywhereIsMaxScore() {
        var scores = [0, 0, 0]
        plugin.normalize(&scores)
        #expect(scores == [100, 100, 100])
    }
}

@Suite struct LeastAllocatedPluginTests {
    let plugin = LeastAllocatedPlugin()

    @Test func halfUsedNodeScoresFifty() {
        let info = F.info(pods: [F.pod("existing", requests: ["cpu": "1", "memory": "2Gi"])])
        #expect(plugin.score(F.pod(requests: ["cpu": "1", "memory": "2Gi"]), info, CycleState()) == 50)
        #expect(plugin.score(F.pod(requests: ["cpu": "1", "memory": "2Gi"]), F.info(), CycleState()) == 75)
    }

    @Test func podsWithoutRequestsCountAsDefaults() {
        // 100m of 1000m and 200Mi of 2000Mi.
        let info = F.info(F.node(allocatable: ["cpu": "1", "memory": "2000Mi", "pods": "110"]))
        #expect(plugin.score(F.pod(), info, CycleState()) == 90)
    }

    @Test func overcommittedResourceScoresZero() {
        #expect(plugin.score(F.pod(requests: ["cpu": "5", "memory": "4Gi"]), F.info(), CycleState()) == 25)
    }

    @Test func resourcesTheNodeLacksAreLeftOut() {
        let cpuOnly = F.info(F.node(allocatable: ["cpu": "4", "pods": "110"]))
        #expect(plugin.score(F.pod(requests: ["cpu": "1"]), cpuOnly, CycleState()) == 75)
        let empty = F.info(F.node(allocatable: [:]))
        #expect(plugin.score(F.pod(requests: ["cpu": "1"]), empty, CycleState()) == 0)
    }
}

@Suite struct BalancedAllocationPluginTests {
    let plugin = BalancedAllocationPlugin()

    @Test func scoreIsOneMinusStandardDeviation() {
        // cpu 1/4, memory 4Gi/8Gi: std = 0.125.
        #expect(plugin.score(F.pod(requests: ["cpu": "1", "memory": "4Gi"]), F.info(), CycleState()) == 87)
        #expect(plugin.score(F.pod(requests: ["cpu": "2", "memory": "4Gi"]), F.info(), CycleState()) == 100)
        // The node's pods count: 3/4 cpu against 4Gi/8Gi.
        let info = F.info(pods: [F.pod("existing", requests: ["cpu": "2"])])
        #expect(plugin.score(F.pod(requests: ["cpu": "1", "memory": "4Gi"]), info, CycleState()) == 87)
    }

    @Test func fractionsAreCappedAtOne() {
        #expect(plugin.score(F.pod(requests: ["cpu": "8", "memory": "1"]), F.info(), CycleState()) == 50)
        #expect(plugin.score(F.pod(requests: ["cpu": "8", "memory": "16Gi"]), F.info(), CycleState()) == 100)
    }

    @Test func usesActualRequestsAndSkipsBestEffortPods() {
        // A best-effort pod on the node adds nothing (no non-zero defaults here).
        let info = F.info(pods: [F.pod("besteffort")])
        #expect(plugin.score(F.pod(requests: ["cpu": "2", "memory": "4Gi"]), info, CycleState()) == 100)
        #expect(plugin.score(F.pod(), info, CycleState()) == 0)
    }
}

@Suite struct ImageLocalityPluginTests {
    static let mb = 1024 * 1024

    func node(_ name: String, _ images: [(String, Int)]) -> CoreV1.Node {
        F.node(name, images: images.map { CoreV1.ContainerImage(names: [$0.0], sizeBytes: $0.1 * Self.mb) })
    }

    @Test(arguments: [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.25", "docker.io/library/nginx:1.25"),
        ("docker.io/library/nginx", "docker.io/library/nginx:latest"),
        ("index.docker.io/nginx:1", "docker.io/library/nginx:1"),
        ("bitnami/redis", "docker.io/bitnami/redis:latest"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
        ("gcr.io/x/y@sha256:abcd", "gcr.io/x/y@sha256:abcd"),
    ])
    func normalizesImageNames(image: String, normalized: String) {
        #expect(ImageLocalityPlugin.normalizedImageName(image) == normalized)
    }

    @Test func scoresBySizeBetweenThresholds() {
        let plugin = ImageLocalityPlugin()
        let n = F.info(node("n1", [("docker.io/library/nginx:latest", 250), ("tiny:1", 10), ("huge:1", 2000)]))
        // (250MB - 23MB) * 100 / (1000MB - 23MB)
        #expect(plugin.score(F.pod(images: ["nginx"]), n, CycleState()) == 23)
        #expect(plugin.score(F.pod(images: ["tiny:1"]), n, CycleState()) == 0)
        #expect(plugin.score(F.pod(images: ["huge:1"]), n, CycleState()) == 100)
        #expect(plugin.score(F.pod(images: ["redis"]), n, CycleState()) == 0)
        // Two containers double the maximum: (250 + 10 - 23) * 100 / (2000 - 23).
        #expect(plugin.score(F.pod(images: ["nginx", "tiny:1"]), n, CycleState()) == 11)
    }

    @Test func spreadRatioComesFromPreFilter() {
        let plugin = ImageLocalityPlugin()
        let nodes = [F.info(node("a", [("app:1", 250)])), F.info(node("b", [])),
                     F.info(node("c", [("app:1", 250), ("lib:1", 500)])), F.info(node("d", []))]
        let state = CycleState()
        #expect(plugin.preFilter(F.pod(images: ["app:1"]), nodes: nodes, state: state) == .success)
        // Half the nodes hold it: 125MB counts.
        #expect(plugin.score(F.pod(images: ["app:1"]), nodes[0], state) == 10)
        #expect(plugin.score(F.pod(images: ["app:1"]), nodes[1], state) == 0)
        // A quarter: 125MB of the 500MB image.
        #expect(plugin.score(F.pod(images: ["lib:1"]), nodes[2], state) == 10)
    }

    @Test func totalNodesFromInitOrState() {
        let n = F.info(node("a", [("app:1", 250)]))
        #expect(ImageLocalityPlugin(totalNodes: 2).score(F.pod(images: ["app:1"]), n, CycleState()) == 10)
        let state = CycleState()
        state.write(ImageLocalityPlugin.totalNodesKey, 4)
        state.write(ImageLocalityPlugin.imageNodesKey, ["docker.io/library/app:1": 4])
        #expect(ImageLocalityPlugin(totalNodes: 2).score(F.pod(images: ["app:1"]), n, state) == 23)
    }
}

@Suite struct DefaultPluginsTests {
    @Test func kubernetesOrderAndWeights() {
        #expect(DefaultPlugins.filters().map(\.name)
            == ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
                "PodTopologySpread", "InterPodAffinity"])
        let scores = DefaultPlugins.scores(totalNodes: 3)
        #expect(scores.map(\.name) == ["TaintToleration", "NodeAffinity", "NodeResourcesLeastAllocated",
                                       "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality"])
        #expect(scores.map(\.weight) == [3, 2, 1, 2, 2, 1, 1])
        #expect(DefaultPlugins.preFilters().map(\.name) == ["NodeName", "NodeAffinity", "NodePorts", "PodTopologySpread", "InterPodAffinity", "ImageLocality"])
    }

    /// Filters with nothing to check for the pod are left out of its cycle; asking for a node,
    /// labels or a host port brings them back.
    @Test func preFiltersLeaveOutFiltersThePodDoesNotNeed() throws {
        let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(), scores: [])
        let nodes = [F.info(F.node("n1"))]
        func active(_ pod: CoreV1.Pod) throws -> [String] { try framework.prepare(pod, nodes: nodes).get().filters.map(\.name) }
        #expect(try active(F.pod()) == ["NodeUnschedulable", "TaintToleration", "NodeResourcesFit"])
        var demanding = F.pod(ports: [CoreV1.ContainerPort(hostPort: 8080, containerPort: 80)])
        demanding.spec?.nodeName = "n1"
        demanding.spec?.nodeSelector = ["disk": "ssd"]
        #expect(try active(demanding) == ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit"])
        var start = 0
        guard case .failure(let fit) = framework.schedule(demanding, nodes: nodes, startIndex: &start) else {
            Issue.record("n1 has no disk=ssd label")
            return
        }
        #expect(fit.message == "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.")
    }
}
