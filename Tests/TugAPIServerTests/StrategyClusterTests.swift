import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyClusterTests {
    let t0 = StrategyHarness.t0

    @Test func nodeTable() throws {
        let s = NodeStrategy(info: StrategyHarness.info("", "nodes"))
        let (node, errs) = try StrategyHarness.create(s, [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": "n1", "labels": ["node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "edge"]],
            "spec": ["unschedulable": true, "podCIDR": "10.244.0.0/24"],
            "status": ["capacity": ["cpu": "4"], "conditions": [["type": "Ready", "status": "True"]],
                       "addresses": [["type": "InternalIP", "address": "192.168.1.10"]],
                       "nodeInfo": ["kubeletVersion": "v1.35.0", "osImage": "Debian"]],
        ])
        #expect(errs.isEmpty)
        #expect(node.status?.allocatable == ["cpu": "4"])
        #expect(node.spec?.podCIDRs == ["10.244.0.0/24"])
        #expect(StrategyHarness.cells(s, node) == ["n1", "Ready,SchedulingDisabled", "control-plane,edge", "60m", "v1.35.0",
                                                  "192.168.1.10", "<none>", "Debian", "<unknown>", "<unknown>"])
        #expect(s.selectableFields(node) == ["spec.unschedulable": "true"])
        let (_, cidr) = StrategyHarness.update(s, old: node) { n in n.spec?.podCIDRs = ["10.244.1.0/24"]; n.spec?.podCIDR = "10.244.1.0/24" }
        #expect(cidr.map(\.field) == ["spec.podCIDRs"])
    }

    @Test func coreEventsValidateSelectAndPrint() throws {
        let s = EventStrategy(info: StrategyHarness.info("", "events"))
        let (e, errs) = try StrategyHarness.create(s, [
            "apiVersion": "v1", "kind": "Event", "metadata": ["name": "web.1", "namespace": "default"],
            "involvedObject": ["kind": "Pod", "name": "web", "namespace": "default", "fieldPath": "spec.containers{web}"],
            "reason": "Pulled", "message": "Pulled image \"nginx\" ", "type": "Normal", "count": 3,
            "source": ["component": "kubelet", "host": "n1"],
            "firstTimestamp": .string(Time(t0).rfc3339), "lastTimestamp": .string(Time(t0.addingTimeInterval(3540)).rfc3339),
        ])
        #expect(errs.isEmpty)
        let fields = s.selectableFields(e)
        #expect(fields["involvedObject.name"] == "web")
        #expect(fields["source"] == "kubelet")
        #expect(fields["reason"] == "Pulled")
        #expect(Set(fields.keys) == Set(s.selectableFieldNames))
        #expect(StrategyHarness.cells(s, e) == ["60s", "Normal", "Pulled", "pod/web", "spec.containers{web}", "kubelet, n1",
                                               "Pulled image \"nginx\"", "60m", "3", "web.1"])
        var elsewhere = e
        elsewhere.involvedObject?.namespace = "other"
        #expect(s.validate(elsewhere).map(\.description) == ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"])
        #expect(s.allowCreateOnUpdate)
    }

    @Test func eventsV1RequiresTheNewFields() throws {
        let s = EventsV1EventStrategy(info: StrategyHarness.info("events.k8s.io", "events"))
        let (_, errs) = try StrategyHarness.create(s, [
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "x", "namespace": "default"],
            "regarding": ["kind": "Pod", "name": "web", "namespace": "default"], "type": "Normal", "deprecatedCount": 2,
        ])
        #expect(errs.map(\.field) == ["eventTime", "deprecatedCount"])
        #expect(Set(s.selectableFieldNames).contains("regarding.name"))
    }

    @Test func endpointsAndSlicesPrint() throws {
        let ep = EndpointsStrategy(info: StrategyHarness.info("", "endpoints"))
        let (e, errs) = try StrategyHarness.create(ep, [
            "apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "web"],
            "subsets": [["addresses": [["ip": "10.0.0.1"], ["ip": "10.0.0.2"], ["ip": "fd00::3"]], "ports": [["port": 80], ["name": "b", "port": 81]]]],
        ])
        #expect(errs.map(\.field) == ["subsets[0].ports[0].name"])
        #expect(e.subsets?[0].ports?[0].protocol == "TCP")
        #expect(StrategyHarness.cells(ep, e) == ["web", "10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...", "60m"])
        let es = EndpointSliceStrategy(info: StrategyHarness.info("discovery.k8s.io", "endpointslices"))
        let (slice, sliceErrs) = try StrategyHarness.create(es, [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": ["name": "web-abc"], "addressType": "IPv4",
            "endpoints": [["addresses": ["10.0.0.1"]], ["addresses": ["10.0.0.2"]]], "ports": [["name": "http", "port": 80]],
        ])
        #expect(sliceErrs.isEmpty)
        #expect(StrategyHarness.cells(es, slice) == ["web-abc", "IPv4", "80", "10.0.0.1,10.0.0.2", "60m"])
        var noType = slice
        noType.addressType = nil
        #expect(es.validate(noType).map(\.description) == ["addressType: Required value"])
    }

    @Test func rbacBindings() throws {
        let s = RoleBindingStrategy(info: StrategyHarness.info("rbac.authorization.k8s.io", "rolebindings"))
        let (rb, errs) = try StrategyHarness.create(s, [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "system:read"],
            "roleRef": ["kind": "ClusterRole", "name": "view"],
            "subjects": [["kind": "User", "name": "jane"], ["kind": "ServiceAccount", "name": "ci", "namespace": "build"]],
        ])
        #expect(errs.isEmpty)
        #expect(rb.roleRef?.apiGroup == "rbac.authorization.k8s.io")
        #expect(rb.subjects?[0].apiGroup == "rbac.authorization.k8s.io")
        #expect(rb.subjects?[1].apiGroup == nil)
        #expect(StrategyHarness.cells(s, rb) == ["system:read", "ClusterRole/view", "60m", "jane", "", "build/ci"])
        #expect(s.nameValidator("system:read", false).isEmpty)
        let (_, changed) = StrategyHarness.update(s, old: rb) { b in b.roleRef?.name = "edit" }
        #expect(changed.map(\.detail) == ["cannot change roleRef"])
        let roles = ClusterRoleStrategy(info: StrategyHarness.info("rbac.authorization.k8s.io", "clusterroles"))
        let (_, ruleErrs) = try StrategyHarness.create(roles, [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "r"],
            "rules": [["apiGroups": [""], "resources": ["pods"]]],
        ])
        #expect(ruleErrs.map(\.description) == ["rules[0].verbs: Required value: verbs must contain at least one value"])
    }

    @Test func autoscalerDefaultsAndTargets() throws {
        let s = HorizontalPodAutoscalerStrategy(info: StrategyHarness.info("autoscaling", "horizontalpodautoscalers"))
        var (hpa, errs) = try StrategyHarness.create(s, [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"],
            "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"], "maxReplicas": 5],
        ])
        #expect(errs.isEmpty)
        #expect(hpa.spec?.minReplicas == 1)
        #expect(StrategyHarness.cells(s, hpa) == ["web", "Deployment/web", "cpu: <unknown>/80%", "1", "5", "0", "60m"])
        hpa.status?.currentMetrics = [AutoscalingV2.MetricStatus(type: "Resource", resource: AutoscalingV2.ResourceMetricStatus(
            name: "cpu", current: AutoscalingV2.MetricValueStatus(averageUtilization: 42)))]
        #expect(StrategyHarness.cells(s, hpa)[2] == "cpu: 42%/80%")
        hpa.spec?.minReplicas = 6
        #expect(s.validate(hpa).map(\.description) == ["spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`"])
    }

    @Test func policyAndSchedulingKinds() throws {
        let pdb = PodDisruptionBudgetStrategy(info: StrategyHarness.info("policy", "poddisruptionbudgets"))
        let (budget, errs) = try StrategyHarness.create(pdb, [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "web"],
            "spec": ["minAvailable": "50%", "selector": ["matchLabels": ["app": "web"]]],
        ])
        #expect(errs.isEmpty)
        #expect(StrategyHarness.cells(pdb, budget) == ["web", "50%", "N/A", "0", "60m"])
        var both = budget
        both.spec?.maxUnavailable = .int(1)
        #expect(pdb.validate(both).map(\.detail) == ["minAvailable and maxUnavailable cannot be both set"])
        let pc = PriorityClassStrategy(info: StrategyHarness.info("scheduling.k8s.io", "priorityclasses"))
        let (cls, pcErrs) = try StrategyHarness.create(pc, [
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": "high"], "value": 1000, "globalDefault": false,
        ])
        #expect(pcErrs.isEmpty)
        #expect(StrategyHarness.cells(pc, cls) == ["high", "1000", "false", "60m", "PreemptLowerPriority"])
        let (_, reserved) = try StrategyHarness.create(pc, [
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": "system-mine"], "value": 10,
        ])
        #expect(reserved.map(\.field) == ["metadata.name"])
        let (_, changed) = StrategyHarness.update(pc, old: cls) { c in c.value = 5 }
        #expect(changed.map(\.description) == ["value: Forbidden: may not be changed in an update."])
    }

    @Test func networkingKinds() throws {
        let ing = IngressStrategy(info: StrategyHarness.info("networking.k8s.io", "ingresses"))
        var (i, errs) = try StrategyHarness.create(ing, [
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "web"],
            "spec": ["ingressClassName": "nginx", "tls": [["hosts": ["a.example.com"]]],
                     "rules": [["host": "a.example.com", "http": ["paths": [["path": "/", "pathType": "Prefix",
                                                                            "backend": ["service": ["name": "web", "port": ["number": 80]]]]]]]]],
        ])
        #expect(errs.isEmpty)
        i.status?.loadBalancer?.ingress = [NetworkingV1.IngressLoadBalancerIngress(ip: "203.0.113.5")]
        #expect(StrategyHarness.cells(ing, i) == ["web", "nginx", "a.example.com", "203.0.113.5", "80, 443", "60m"])
        var bad = i
        bad.spec?.rules?[0].http?.paths?[0].pathType = nil
        bad.spec?.rules?[0].host = "10.0.0.1"
        #expect(Set(ing.validate(bad).map(\.field)) == ["spec.rules[0].host", "spec.rules[0].http.paths[0].pathType"])
        let np = NetworkPolicyStrategy(info: StrategyHarness.info("networking.k8s.io", "networkpolicies"))
        let (policy, npErrs) = try StrategyHarness.create(np, [
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": ["name": "deny"],
            "spec": ["podSelector": ["matchLabels": ["app": "db"]], "egress": [["ports": [["port": 53]]]]],
        ])
        #expect(npErrs.isEmpty)
        #expect(policy.spec?.policyTypes == ["Ingress", "Egress"])
        #expect(policy.spec?.egress?[0].ports?[0].protocol == "TCP")
        #expect(StrategyHarness.cells(np, policy) == ["deny", "app=db", "60m"])
    }

    @Test func storageAndQuotaKinds() throws {
        let pvc = PersistentVolumeClaimStrategy(info: StrategyHarness.info("", "persistentvolumeclaims"))
        var (claim, errs) = try StrategyHarness.create(pvc, [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data"],
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]], "storageClassName": "local"],
        ])
        #expect(errs.isEmpty)
        #expect(claim.status?.phase == "Pending")
        #expect(StrategyHarness.cells(pvc, claim) == ["data", "Pending", "", "", "", "local", "<unset>", "60m", "Filesystem"])
        let (_, noStorage) = try StrategyHarness.create(pvc, [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data"], "spec": [:],
        ])
        #expect(noStorage.map(\.field) == ["spec.accessModes", "spec.resources[storage]"])
        claim.status = CoreV1.PersistentVolumeClaimStatus(phase: "Bound")
        let (_, grow) = StrategyHarness.update(pvc, old: claim) { c in c.spec?.resources?.requests?["storage"] = "2Gi" }
        #expect(grow.isEmpty)
        let (_, shrinkClass) = StrategyHarness.update(pvc, old: claim) { c in c.spec?.storageClassName = "fast" }
        #expect(shrinkClass.map(\.field) == ["spec"])

        let rq = ResourceQuotaStrategy(info: StrategyHarness.info("", "resourcequotas"))
        var (quota, rqErrs) = try StrategyHarness.create(rq, [
            "apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": "q"],
            "spec": ["hard": ["pods": "10", "requests.cpu": "4", "limits.memory": "8Gi"]],
        ])
        #expect(rqErrs.isEmpty)
        quota.status = CoreV1.ResourceQuotaStatus(hard: ["pods": "10", "requests.cpu": "4", "limits.memory": "8Gi"], used: ["pods": "3"])
        #expect(StrategyHarness.cells(rq, quota) == ["q", "60m", "pods: 3/10, requests.cpu: 0/4", "limits.memory: 0/8Gi"])
        var badQuota = quota
        badQuota.spec?.hard = ["pods": "1.5", "widgets": "1"]
        #expect(rq.validate(badQuota).map(\.detail) == ["must be an integer", "must be a standard resource for quota"])
    }
}
