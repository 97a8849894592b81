import XCTest
import TugAPI
@testable import TugAPIServer

/// Strategic merge patch: one case per merge rule and directive, on real-looking Pods and Deployments.
final class PatchStrategicMergeTests: XCTestCase {
    struct Case {
        let name: String
        let original: JSONValue
        let patch: JSONValue
        let expected: JSONValue
        var meta: (any PatchMeta)? = PatchTestMeta.pod
    }

    static let web: JSONValue = ["name": "web", "image": "nginx:1.25", "ports": [["containerPort": 80]]]
    static let sidecar: JSONValue = ["name": "sidecar", "image": "busybox:1.36"]

    static let cases: [Case] = [
        Case(name: "containers merge by name, the patched one keeps its place",
             original: ["spec": ["containers": [web, sidecar]]],
             patch: ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]],
             expected: ["spec": ["containers": [["name": "web", "image": "nginx:1.27", "ports": [["containerPort": 80]]], sidecar]]]),
        Case(name: "a new container comes before server-only ones",
             original: ["spec": ["containers": [web]]],
             patch: ["spec": ["containers": [["name": "debug", "image": "busybox:1.36"]]]],
             expected: ["spec": ["containers": [["name": "debug", "image": "busybox:1.36"], web]]]),
        Case(name: "env merges by name inside a container",
             original: ["spec": ["containers": [["name": "web", "env": [["name": "A", "value": "1"], ["name": "B", "value": "2"]]]]]],
             patch: ["spec": ["containers": [["name": "web", "env": [["name": "B", "value": "3"]]]]]],
             expected: ["spec": ["containers": [["name": "web", "env": [["name": "A", "value": "1"], ["name": "B", "value": "3"]]]]]]),
        Case(name: "ports merge by containerPort",
             original: ["spec": ["containers": [["name": "web", "ports": [["containerPort": 80, "name": "http"]]]]]],
             patch: ["spec": ["containers": [["name": "web", "ports": [["containerPort": 443, "name": "https"]]]]]],
             expected: ["spec": ["containers": [["name": "web", "ports": [["containerPort": 443, "name": "https"], ["containerPort": 80, "name": "http"]]]]]]),
        Case(name: "null deletes a label and a container field",
             original: ["metadata": ["labels": ["app": "web", "tier": "frontend"]], "spec": ["containers": [["name": "web", "image": "nginx", "imagePullPolicy": "Always"]]]],
             patch: ["metadata": ["labels": ["tier": nil]], "spec": ["containers": [["name": "web", "imagePullPolicy": nil]]]],
             expected: ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "web", "image": "nginx"]]]]),
        Case(name: "$patch: delete removes a list item",
             original: ["spec": ["containers": [web, sidecar]]],
             patch: ["spec": ["containers": [["name": "sidecar", "$patch": "delete"]]]],
             expected: ["spec": ["containers": [web]]]),
        Case(name: "$patch: delete of an absent item changes nothing",
             original: ["spec": ["containers": [web]]],
             patch: ["spec": ["containers": [["name": "ghost", "$patch": "delete"]]]],
             expected: ["spec": ["containers": [web]]]),
        Case(name: "$patch: replace in a list replaces the whole list",
             original: ["spec": ["containers": [web, sidecar]]],
             patch: ["spec": ["containers": [["name": "only", "image": "app:1"], ["$patch": "replace"]]]],
             expected: ["spec": ["containers": [["name": "only", "image": "app:1"]]]]),
        Case(name: "$patch: replace on a map replaces the map",
             original: ["metadata": ["labels": ["app": "web", "tier": "frontend"]]],
             patch: ["metadata": ["labels": ["$patch": "replace", "app": "new"]]],
             expected: ["metadata": ["labels": ["app": "new"]]]),
        Case(name: "$patch: delete on a map empties it",
             original: ["metadata": ["name": "p", "annotations": ["a": "b"]]],
             patch: ["metadata": ["annotations": ["$patch": "delete"]]],
             expected: ["metadata": ["name": "p", "annotations": [:]]]),
        Case(name: "$patch: merge on a map is the ordinary merge",
             original: ["metadata": ["labels": ["app": "web"]]],
             patch: ["metadata": ["labels": ["$patch": "merge", "tier": "frontend"]]],
             expected: ["metadata": ["labels": ["app": "web", "tier": "frontend"]]]),
        Case(name: "$setElementOrder alone reorders and keeps server-only items",
             original: ["metadata": ["finalizers": ["a", "b", "c", "d"]]],
             patch: ["metadata": ["$setElementOrder/finalizers": ["a", "b"], "$deleteFromPrimitiveList/finalizers": ["c"]]],
             expected: ["metadata": ["finalizers": ["a", "b", "d"]]]),
        Case(name: "$deleteFromPrimitiveList also works on lists without a strategy",
             original: ["spec": ["containers": [["name": "web", "args": ["--a", "--b", "--c"]]]]],
             patch: ["spec": ["containers": [["name": "web", "$deleteFromPrimitiveList/args": ["--b"]]]]],
             expected: ["spec": ["containers": [["name": "web", "args": ["--a", "--c"]]]]]),
        Case(name: "$retainKeys clears the other keys (Deployment strategy switch)",
             original: PatchTestMeta.liveDeployment,
             patch: ["spec": ["strategy": ["$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": nil]]],
             expected: PatchTestMeta.liveDeployment.setting(["spec", "strategy"], ["type": "Recreate"]),
             meta: PatchTestMeta.deployment),
        Case(name: "$retainKeys inside a volume item",
             original: ["spec": ["volumes": [["name": "data", "emptyDir": [:]]]]],
             patch: ["spec": ["volumes": [["name": "data", "$retainKeys": ["configMap", "name"], "configMap": ["name": "cfg"]]]]],
             expected: ["spec": ["volumes": [["name": "data", "configMap": ["name": "cfg"]]]]]),
        Case(name: "$setElementOrder orders the merged list",
             original: ["spec": ["containers": [["name": "app"], ["name": "proxy"], ["name": "metrics"]]]],
             patch: ["spec": ["$setElementOrder/containers": [["name": "metrics"], ["name": "app"], ["name": "proxy"]],
                              "containers": [["name": "app", "image": "app:2"]]]],
             expected: ["spec": ["containers": [["name": "metrics"], ["name": "app", "image": "app:2"], ["name": "proxy"]]]]),
        Case(name: "$deleteFromPrimitiveList removes finalizers",
             original: ["metadata": ["finalizers": ["a", "b", "c"]]],
             patch: ["metadata": ["$deleteFromPrimitiveList/finalizers": ["b"]]],
             expected: ["metadata": ["finalizers": ["a", "c"]]]),
        Case(name: "finalizers merge as a set",
             original: ["metadata": ["finalizers": ["a", "b"]]],
             patch: ["metadata": ["finalizers": ["b", "c"]]],
             expected: ["metadata": ["finalizers": ["a", "b", "c"]]]),
        Case(name: "kubectl apply style primitive list change",
             original: ["metadata": ["finalizers": ["a", "b"]]],
             patch: ["metadata": ["$setElementOrder/finalizers": ["b", "c"], "$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]]],
             expected: ["metadata": ["finalizers": ["b", "c"]]]),
        Case(name: "lists without a strategy are replaced (tolerations)",
             original: ["spec": ["tolerations": [["key": "dedicated", "operator": "Exists"]]]],
             patch: ["spec": ["tolerations": [["key": "gpu", "operator": "Exists", "effect": "NoSchedule"]]]],
             expected: ["spec": ["tolerations": [["key": "gpu", "operator": "Exists", "effect": "NoSchedule"]]]]),
        Case(name: "ownerReferences merge by uid",
             original: ["metadata": ["ownerReferences": [["uid": "u1", "name": "rs-1", "kind": "ReplicaSet", "apiVersion": "apps/v1"]]]],
             patch: ["metadata": ["ownerReferences": [["uid": "u2", "name": "rs-2", "kind": "ReplicaSet", "apiVersion": "apps/v1"]]]],
             expected: ["metadata": ["ownerReferences": [["uid": "u2", "name": "rs-2", "kind": "ReplicaSet", "apiVersion": "apps/v1"],
                                                         ["uid": "u1", "name": "rs-1", "kind": "ReplicaSet", "apiVersion": "apps/v1"]]]]),
        Case(name: "nulls in a new subtree are dropped",
             original: ["spec": ["restartPolicy": "Always"]],
             patch: ["spec": ["affinity": ["nodeAffinity": nil, "podAffinity": [:]]]],
             expected: ["spec": ["restartPolicy": "Always", "affinity": ["podAffinity": [:]]]]),
        Case(name: "directive keys never land in a new list item",
             original: ["spec": ["containers": [web]]],
             patch: ["spec": ["initContainers": [["name": "init", "$setElementOrder/env": [["name": "X"]], "env": [["name": "X", "value": "1"]]]]]],
             expected: ["spec": ["containers": [web], "initContainers": [["name": "init", "env": [["name": "X", "value": "1"]]]]]]),
        Case(name: "scale a Deployment and set an image through the template",
             original: PatchTestMeta.liveDeployment,
             patch: ["spec": ["replicas": 5, "template": ["spec": ["containers": [["name": "web", "image": "nginx:1.27"]]]]]],
             expected: PatchTestMeta.liveDeployment.setting(["spec", "replicas"], 5)
                .setting(["spec", "template", "spec", "containers"], [
                    ["name": "web", "image": "nginx:1.27", "ports": [["containerPort": 80, "name": "http"]], "env": [["name": "MODE", "value": "prod"]]],
                    ["name": "log-shipper", "image": "fluent/fluent-bit:3.0"],
                ]),
             meta: PatchTestMeta.deployment),
        Case(name: "unknown types merge like JSON merge patch",
             original: ["spec": ["list": [1, 2], "m": ["a": 1]]],
             patch: ["spec": ["list": [3], "m": ["b": 2, "a": nil]]],
             expected: ["spec": ["list": [3], "m": ["b": 2]]],
             meta: nil),
    ]

    func testCases() throws {
        for c in Self.cases {
            let out = try StrategicMergePatch.apply(c.patch, to: c.original, meta: c.meta)
            XCTAssertEqual(out.text, c.expected.text, c.name)
        }
    }

    func testPatchNeverChangesAbsentKeysOrder() throws {
        // Patching nothing returns the original unchanged.
        let out = try StrategicMergePatch.apply([:], to: PatchTestMeta.liveDeployment, meta: PatchTestMeta.deployment)
        XCTAssertEqual(out, PatchTestMeta.liveDeployment)
    }
}

extension JSONValue {
    /// Sorted-key JSON text, for readable assertion failures.
    var text: String { String(decoding: serialized(), as: UTF8.self) }

    /// A copy with the value at `path` set.
    func setting(_ path: [String], _ value: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        var o = objectValue ?? [:]
        o[first] = (o[first] ?? .object([:])).setting(Array(path.dropFirst()), value)
        return .object(o)
    }
}
