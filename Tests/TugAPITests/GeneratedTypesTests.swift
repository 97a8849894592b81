import Foundation
import Testing
@testable import TugAPI

@Suite struct GeneratedTypesTests {
    /// Decoding into the generated struct and encoding again must give back exactly the input.
    func roundTrip<T: Codable>(_ type: T.Type, _ json: String) throws -> (T, JSONValue, JSONValue) {
        let input = try JSONValue(parsing: Data(json.utf8))
        let value = try input.decode(as: T.self)
        let output = try JSONValue(encoding: value)
        return (value, input, output)
    }

    @Test func podRoundTripsEveryField() throws {
        let json = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"creationTimestamp":"2026-01-02T15:04:05Z",
                     "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true}],
                     "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{}}}}}]},
         "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],
                  "resources":{"limits":{"cpu":"500m","memory":"1Gi"}},
                  "readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5},
                  "env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k","optional":false}}}]}],
                 "volumes":[{"name":"v","configMap":{"name":"cm","defaultMode":420}}],
                 "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"In","values":["a"]}]}]}}},
                 "terminationGracePeriodSeconds":0},
         "status":{"phase":"Running","startTime":"2026-01-02T15:04:06Z"}}
        """
        let (pod, input, output) = try roundTrip(CoreV1.Pod.self, json)
        #expect(output == input)
        #expect(pod.metadata.name == "web")
        #expect(pod.spec?.containers?.first?.readinessProbe?.httpGet?.port == .string("http"))
        #expect(pod.spec?.volumes?.first?.configMap?.name == "cm")  // inline VolumeSource and LocalObjectReference
        #expect(pod.spec?.containers?.first?.resources?.limits?["cpu"] == Quantity("500m"))
        #expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?
            .nodeSelectorTerms?.first?.matchExpressions?.first?.operator == "In")
    }

    @Test func missingMetadataDecodesEmptyAndIsAlwaysEncoded() throws {
        let ns = try JSONValue.object([:]).decode(as: CoreV1.Namespace.self)
        #expect(ns.metadata == MetaV1.ObjectMeta())
        let out = try JSONValue(encoding: ns)
        #expect(out == ["metadata": [:]])
        let empty = try JSONValue(encoding: CoreV1.Container())
        #expect(empty == [:])  // absent optionals are omitted
    }

    @Test func secretBytesAreBase64() throws {
        let (secret, input, output) = try roundTrip(CoreV1.Secret.self, #"{"data":{"k":"aGVsbG8="},"stringData":{"s":"x"},"type":"Opaque"}"#)
        #expect(secret.data?["k"] == Data("hello".utf8))
        #expect(output == input.merging(["metadata": [:]]))
    }

    @Test func deploymentAndListKinds() throws {
        let json = """
        {"apiVersion":"apps/v1","kind":"DeploymentList","metadata":{"resourceVersion":"7"},
         "items":[{"metadata":{"name":"d"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"d"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
           "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}]}
        """
        let (list, input, output) = try roundTrip(AppsV1.DeploymentList.self, json)
        #expect(output == input)
        #expect(list.kind == "DeploymentList")
        let d = try #require(list.items?.first)
        #expect(d.spec?.strategy?.rollingUpdate?.maxUnavailable == .int(0))
        #expect(d.spec?.template?.metadata.labels == ["app": "d"])
    }

    @Test func kindsCarryGroupVersionKind() {
        #expect(AppsV1.Deployment.apiVersion == "apps/v1")
        #expect(CoreV1.Pod.apiVersion == "v1")
        #expect(RbacV1.ClusterRole.group == "rbac.authorization.k8s.io")
        #expect(AutoscalingV2.HorizontalPodAutoscaler.version == "v2")
        #expect(EventsV1.Event.group == "events.k8s.io")
        #expect(APIKinds.type(apiVersion: "apps/v1", kind: "Deployment") == AppsV1.Deployment.self)
        #expect(APIKinds.type(apiVersion: "v1", kind: "Event") == CoreV1.Event.self)
        #expect(APIKinds.type(apiVersion: "events.k8s.io/v1", kind: "Event") == EventsV1.Event.self)
        #expect(APIKinds.type(apiVersion: "v1", kind: "Nope") == nil)
        #expect(APIKinds.type(apiVersion: "v1", kind: "PodTemplateSpec") == nil)  // a template, not a kind
        for info in ResourceCatalog.all {
            let type = APIKinds.type(apiVersion: info.apiVersion, kind: info.kind)
            #expect(type != nil, "no generated type for \(info.apiVersion) \(info.kind)")
            #expect(type?.kind == info.kind)
        }
        #expect(APIKinds.all.count > 30)
    }

    @Test func aliasesPreferCoreAndMeta() {
        #expect(Event.self == CoreV1.Event.self)
        #expect(Preconditions.self == MetaV1.Preconditions.self)
        #expect(ObjectMeta.self == MetaV1.ObjectMeta.self)
        #expect(Deployment.self == AppsV1.Deployment.self)
        var pod = Pod(metadata: ObjectMeta(name: "p"))
        pod.setTypeMeta()
        #expect(pod.kind == "Pod" && pod.apiVersion == "v1")
    }

    @Test func embeddedTableMatchesCommittedTSV() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tsv = try String(contentsOf: root.appendingPathComponent("api/k8s-protobuf-fields.tsv"), encoding: .utf8)
        #expect(SchemaTable.tsv == tsv.trimmingCharacters(in: .newlines))
    }
}

extension JSONValue {
    fileprivate func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var a) = self, case .object(let b) = other else { return other }
        for (k, v) in b { a[k] = v }
        return .object(a)
    }
}
