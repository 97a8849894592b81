import TugAPI

/// Hand-built merge metadata for Deployments and Pods, mirroring Kubernetes' struct tags, so the
/// engines are tested independently of the schema adapter.
enum PatchTestMeta {
    static func keyed(_ key: String, _ element: PatchMetaNode) -> PatchMetaNode {
        .list(of: element, strategy: .merge, mergeKey: key, listType: .map(keys: [key]), keyDefaults: [key: ""])
    }

    static let container = PatchMetaNode.object([
        "name": .scalar, "image": .scalar, "imagePullPolicy": .scalar, "args": .list(), "command": .list(),
        "env": keyed("name", .object(["name": .scalar, "value": .scalar])),
        "ports": .list(of: .object(["containerPort": .scalar, "protocol": .scalar, "name": .scalar]), strategy: .merge,
                       mergeKey: "containerPort", listType: .map(keys: ["containerPort", "protocol"]),
                       keyDefaults: ["containerPort": 0, "protocol": "TCP"]),
        "volumeMounts": keyed("mountPath", .object(["name": .scalar, "mountPath": .scalar, "readOnly": .scalar])),
        "resources": .object(["limits": .map(), "requests": .map()]),
    ], name: "Container")

    static let volume = PatchMetaNode.object([
        "name": .scalar, "emptyDir": .object(["medium": .scalar, "sizeLimit": .scalar]),
        "configMap": .object(["name": .scalar, "defaultMode": .scalar]), "secret": .object(["secretName": .scalar]),
    ], name: "Volume")

    static let podSpec = PatchMetaNode.object([
        "containers": keyed("name", container),
        "initContainers": keyed("name", container),
        "volumes": PatchMetaNode.list(of: volume, strategy: [.merge, .retainKeys], mergeKey: "name",
                                      listType: .map(keys: ["name"]), keyDefaults: ["name": ""]),
        "tolerations": .list(of: .object(["key": .scalar, "operator": .scalar, "effect": .scalar])),
        "imagePullSecrets": keyed("name", .object(["name": .scalar], atomic: true)),
        "nodeSelector": .map(atomic: true),
        "affinity": .object(["nodeAffinity": .object([:]), "podAffinity": .object([:])]),
        "restartPolicy": .scalar, "dnsPolicy": .scalar, "serviceAccountName": .scalar,
    ], name: "PodSpec")

    static let objectMeta = PatchMetaNode.object([
        "name": .scalar, "namespace": .scalar, "uid": .scalar, "resourceVersion": .scalar, "generation": .scalar,
        "creationTimestamp": .scalar, "labels": .map(), "annotations": .map(),
        "finalizers": .list(strategy: .merge, listType: .set),
        "ownerReferences": keyed("uid", .object(["uid": .scalar, "name": .scalar, "kind": .scalar, "apiVersion": .scalar], atomic: true)),
        "managedFields": .list(of: .object([:])),
    ], name: "ObjectMeta")

    static let labelSelector = PatchMetaNode.object(["matchLabels": .map(), "matchExpressions": .list()], atomic: true)

    static let deployment = PatchMetaNode.object([
        "apiVersion": .scalar, "kind": .scalar, "metadata": objectMeta,
        "spec": .object([
            "replicas": .scalar, "selector": labelSelector, "paused": .scalar,
            "strategy": .object(["type": .scalar, "rollingUpdate": .object(["maxSurge": .scalar, "maxUnavailable": .scalar])],
                                strategy: .retainKeys),
            "template": .object(["metadata": objectMeta, "spec": podSpec]),
        ]),
        "status": .object(["replicas": .scalar, "observedGeneration": .scalar,
                           "conditions": keyed("type", .object(["type": .scalar, "status": .scalar]))]),
    ], name: "Deployment")

    static let pod = PatchMetaNode.object([
        "apiVersion": .scalar, "kind": .scalar, "metadata": objectMeta, "spec": podSpec,
        "status": .object(["phase": .scalar]),
    ], name: "Pod")

    /// A Deployment as a cluster would store it.
    static let liveDeployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "web", "namespace": "default", "uid": "0b5e6c3a-1111-4f00-9a2b-7d1e2c3b4a55",
                     "resourceVersion": "41", "generation": 3, "labels": ["app": "web", "tier": "frontend"],
                     "finalizers": ["example.com/cleanup"]],
        "spec": [
            "replicas": 2,
            "selector": ["matchLabels": ["app": "web"]],
            "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]],
            "template": [
                "metadata": ["labels": ["app": "web"]],
                "spec": [
                    "containers": [
                        ["name": "web", "image": "nginx:1.25", "ports": [["containerPort": 80, "name": "http"]],
                         "env": [["name": "MODE", "value": "prod"]]],
                        ["name": "log-shipper", "image": "fluent/fluent-bit:3.0"],
                    ],
                    "volumes": [["name": "cache", "emptyDir": [:]]],
                    "tolerations": [["key": "dedicated", "operator": "Exists"]],
                    "restartPolicy": "Always",
                ],
            ],
        ],
        "status": ["replicas": 2, "observedGeneration": 3],
    ]
}
