import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyPodTests {
    let strategy = PodStrategy(info: StrategyHarness.info("", "pods"))

    func pod(_ containers: [JSONValue], extra: [String: JSONValue] = [:]) -> JSONValue {
        var spec: [String: JSONValue] = ["containers": .array(containers)]
        for (k, v) in extra { spec[k] = v }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web", "namespace": "default"], "spec": .object(spec)]
    }

    @Test func defaultsMatchKubernetes() throws {
        let (p, errs) = try StrategyHarness.create(strategy, pod([
            ["name": "app", "image": "nginx", "ports": [["containerPort": 80]],
             "livenessProbe": ["httpGet": ["port": 80]]],
            ["name": "side", "image": "registry.local:5000/side:1.2"],
        ], extra: ["volumes": [["name": "scratch"]]]))
        #expect(errs.isEmpty)
        let spec = try #require(p.spec)
        #expect(spec.restartPolicy == "Always")
        #expect(spec.dnsPolicy == "ClusterFirst")
        #expect(spec.schedulerName == "default-scheduler")
        #expect(spec.terminationGracePeriodSeconds == 30)
        #expect(spec.securityContext == CoreV1.PodSecurityContext())
        #expect(spec.enableServiceLinks == true)
        #expect(spec.serviceAccountName == "default")
        #expect(spec.serviceAccount == "default")
        #expect(spec.priority == 0)
        #expect(spec.preemptionPolicy == "PreemptLowerPriority")
        #expect(spec.tolerations?.map(\.key) == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"])
        #expect(spec.tolerations?.first?.tolerationSeconds == 300)
        let app = try #require(spec.containers?[0])
        #expect(app.imagePullPolicy == "Always")
        #expect(app.terminationMessagePath == "/dev/termination-log")
        #expect(app.terminationMessagePolicy == "File")
        #expect(app.ports?[0].protocol == "TCP")
        #expect(app.livenessProbe?.httpGet?.path == "/")
        #expect(app.livenessProbe?.httpGet?.scheme == "HTTP")
        #expect(app.livenessProbe?.periodSeconds == 10)
        #expect(app.livenessProbe?.failureThreshold == 3)
        #expect(spec.containers?[1].imagePullPolicy == "IfNotPresent")
        #expect(spec.volumes?[0].emptyDir != nil)
        #expect(p.status?.phase == "Pending")
        #expect(p.status?.qosClass == "BestEffort")
    }

    @Test func pullPolicyFollowsTheTag() {
        #expect(PodSpecDefaults.pullPolicy(image: "nginx") == "Always")
        #expect(PodSpecDefaults.pullPolicy(image: "nginx:latest") == "Always")
        #expect(PodSpecDefaults.pullPolicy(image: "nginx:1.27") == "IfNotPresent")
        #expect(PodSpecDefaults.pullPolicy(image: "localhost:5000/app") == "Always")
        #expect(PodSpecDefaults.pullPolicy(image: "nginx@sha256:abcd") == "IfNotPresent")
        #expect(PodSpecDefaults.pullPolicy(image: "nginx:latest@sha256:abcd") == "Always")
    }

    func qos(_ containers: [JSONValue]) throws -> String? {
        try StrategyHarness.create(strategy, pod(containers)).0.status?.qosClass
    }

    @Test func qosClassIsComputedLikeKubernetes() throws {
        // Limits alone: requests default to them, so the pod is Guaranteed.
        #expect(try qos([["name": "a", "image": "x", "resources": ["limits": ["cpu": "500m", "memory": "128Mi"]]]]) == "Guaranteed")
        #expect(try qos([["name": "a", "image": "x", "resources": ["requests": ["cpu": "0.5", "memory": "128Mi"],
                                                                    "limits": ["cpu": "500m", "memory": "128Mi"]]]]) == "Guaranteed")
        #expect(try qos([["name": "a", "image": "x", "resources": ["requests": ["cpu": "100m"]]]]) == "Burstable")
        #expect(try qos([["name": "a", "image": "x", "resources": ["limits": ["cpu": "1", "memory": "1Gi"]]],
                         ["name": "b", "image": "y"]]) == "Burstable")
        #expect(try qos([["name": "a", "image": "x", "resources": ["requests": ["ephemeral-storage": "1Gi"]]]]) == "BestEffort")
        #expect(try qos([["name": "a", "image": "x", "resources": ["requests": ["cpu": "0"]]]]) == "BestEffort")
    }

    @Test func invalidPodsGetOneErrorPerField() throws {
        let (_, errs) = try StrategyHarness.create(strategy, pod([
            ["name": "App", "image": "nginx", "ports": [["containerPort": 70000, "protocol": "ICMP"]]],
            ["name": "b"],
            ["name": "b", "image": "busybox", "volumeMounts": [["name": "data", "mountPath": "/data"]],
             "resources": ["requests": ["cpu": "2"], "limits": ["cpu": "1"]]],
        ], extra: ["restartPolicy": "Sometimes"]))
        let byField = Dictionary(grouping: errs, by: \.field)
        #expect(byField["spec.containers[0].name"]?.first?.type == .invalid)
        #expect(byField["spec.containers[0].ports[0].containerPort"]?.first?.description
            == "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive")
        #expect(byField["spec.containers[0].ports[0].protocol"]?.first?.type == .notSupported)
        #expect(byField["spec.containers[1].image"]?.first?.type == .required)
        #expect(byField["spec.containers[2].name"]?.first?.type == .duplicate)
        #expect(byField["spec.containers[2].volumeMounts[0].name"]?.first?.description
            == "spec.containers[2].volumeMounts[0].name: Not found: \"data\"")
        #expect(byField["spec.containers[2].resources.requests"]?.first?.detail == "must be less than or equal to cpu limit of 1")
        #expect(byField["spec.restartPolicy"]?.first?.description
            == "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"")
        #expect(errs.count == 8)
    }

    @Test func specIsImmutableExceptImagesAndFriends() throws {
        let (old, errs) = try StrategyHarness.create(strategy, pod([["name": "app", "image": "nginx:1.26"]]))
        #expect(errs.isEmpty)
        let (updated, ok) = StrategyHarness.update(strategy, old: old) { p in
            p.spec?.containers?[0].image = "nginx:1.27"
            p.spec?.activeDeadlineSeconds = 60
            p.spec?.tolerations?.append(CoreV1.Toleration(key: "gpu", operator: "Exists"))
            p.metadata.labels = ["tier": "web"]
        }
        #expect(ok.isEmpty)
        #expect(updated.status == old.status)
        let (_, bad) = StrategyHarness.update(strategy, old: old) { p in
            p.spec?.containers?[0].ports = [CoreV1.ContainerPort(containerPort: 8080)]
        }
        #expect(bad.map(\.field) == ["spec"])
        #expect(bad.first?.type == .forbidden)
        #expect(bad.first?.detail.hasPrefix("pod updates may not change fields other than `spec.containers[*].image`") == true)
        let (_, removed) = StrategyHarness.update(strategy, old: old) { p in p.spec?.tolerations = [] }
        #expect(removed.map(\.detail) == ["existing toleration can not be modified except its tolerationSeconds"])
    }

    @Test func statusUpdatesTouchOnlyStatus() throws {
        let (old, _) = try StrategyHarness.create(strategy, pod([["name": "app", "image": "nginx"]]))
        var sent = old
        sent.spec?.nodeName = "elsewhere"
        sent.status = CoreV1.PodStatus(phase: "Running", podIP: "10.0.0.5")
        let merged = strategy.prepareForStatusUpdate(sent, old: old)
        #expect(merged.spec == old.spec)
        #expect(merged.status?.phase == "Running")
        #expect(merged.status?.podIPs == [CoreV1.PodIP(ip: "10.0.0.5")])
        #expect(merged.status?.qosClass == "BestEffort")
        #expect(strategy.validateStatusUpdate(merged, old: old).isEmpty)
    }

    @Test func gracePeriodOnlyForBoundRunningPods() throws {
        var (p, _) = try StrategyHarness.create(strategy, pod([["name": "app", "image": "nginx"]]))
        #expect(strategy.gracePeriod(for: p, requested: nil) == 0)
        p.spec?.nodeName = "node-1"
        #expect(strategy.gracePeriod(for: p, requested: nil) == 30)
        #expect(strategy.gracePeriod(for: p, requested: 5) == 5)
        #expect(strategy.gracePeriod(for: p, requested: -3) == 1)
        p.status?.phase = "Succeeded"
        #expect(strategy.gracePeriod(for: p, requested: 5) == 0)
    }

    @Test func selectableFields() throws {
        var (p, _) = try StrategyHarness.create(strategy, pod([["name": "app", "image": "nginx"]]))
        p.spec?.nodeName = "node-1"
        p.status?.podIPs = [CoreV1.PodIP(ip: "10.1.0.7")]
        let f = strategy.selectableFields(p)
        #expect(f["spec.nodeName"] == "node-1")
        #expect(f["spec.hostNetwork"] == "false")
        #expect(f["status.phase"] == "Pending")
        #expect(f["status.podIP"] == "10.1.0.7")
        #expect(Set(f.keys) == Set(strategy.selectableFieldNames))
    }

    @Test func tableCellsLikeKubectl() throws {
        var (p, _) = try StrategyHarness.create(strategy, pod([["name": "a", "image": "x"], ["name": "b", "image": "y"]]))
        #expect(StrategyHarness.cells(strategy, p) == ["web", "0/2", "Pending", "0", "60m", "<none>", "<none>", "<none>", "<none>"])
        let t0 = StrategyHarness.t0
        p.spec?.nodeName = "node-1"
        p.status = CoreV1.PodStatus(
            phase: "Running", podIP: "10.1.0.7",
            containerStatuses: [
                CoreV1.ContainerStatus(name: "a", state: CoreV1.ContainerState(running: CoreV1.ContainerStateRunning()),
                                       lastState: CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(
                                           exitCode: 1, finishedAt: Time(t0.addingTimeInterval(3300)))),
                                       ready: true, restartCount: 3),
                CoreV1.ContainerStatus(name: "b", state: CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: "CrashLoopBackOff")),
                                       ready: false, restartCount: 0),
            ])
        #expect(StrategyHarness.cells(strategy, p) == ["web", "1/2", "CrashLoopBackOff", "3 (5m ago)", "60m", "10.1.0.7", "node-1", "<none>", "<none>"])
        p.metadata.deletionTimestamp = Time(t0.addingTimeInterval(3600))
        #expect(StrategyHarness.cells(strategy, p)[2] == "Terminating")
        p.metadata.deletionTimestamp = nil
        p.status?.phase = "Succeeded"
        p.status?.containerStatuses = [
            CoreV1.ContainerStatus(name: "a", state: CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: 0, reason: "Completed"))),
            CoreV1.ContainerStatus(name: "b", state: CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: 0, reason: "Completed"))),
        ]
        #expect(StrategyHarness.cells(strategy, p)[1...2] == ["0/2", "Completed"])
    }

    @Test func initContainerProgress() throws {
        var (p, _) = try StrategyHarness.create(strategy, pod([["name": "a", "image": "x"]],
                                                              extra: ["initContainers": [["name": "setup", "image": "busybox"]]]))
        p.status?.initContainerStatuses = [CoreV1.ContainerStatus(name: "setup", state: CoreV1.ContainerState(running: CoreV1.ContainerStateRunning()))]
        #expect(StrategyHarness.cells(strategy, p)[2] == "Init:0/1")
        p.status?.initContainerStatuses = [CoreV1.ContainerStatus(name: "setup", state: CoreV1.ContainerState(
            terminated: CoreV1.ContainerStateTerminated(exitCode: 2)))]
        #expect(StrategyHarness.cells(strategy, p)[2] == "Init:ExitCode:2")
    }
}
