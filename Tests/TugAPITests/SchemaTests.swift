import Foundation
import Testing
@testable import TugAPI

@Suite struct SchemaTests {
    let schema = APISchema.shared
    let pod = "k8s.io.api.core.v1.Pod"

    func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: Data(text.utf8)) }

    @Test func parsesMessagesAndFields() throws {
        let m = try #require(schema.message("k8s.io.api.apps.v1.DeploymentSpec"))
        let replicas = try #require(m.field(json: "replicas"))
        #expect(replicas.number == 1 && replicas.type == .scalar(.int32) && replicas.label == .optional)
        #expect(m.field(json: "template")?.type == .message("k8s.io.api.core.v1.PodTemplateSpec"))
        #expect(m.field(json: "selector")?.type == .message("k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector"))
        #expect(schema.field("labels", in: APISchema.objectMeta)?.type == .map(.scalar(.string)))
        #expect(schema.field("containers", in: "k8s.io.api.core.v1.PodSpec")?.type == .list(.message("k8s.io.api.core.v1.Container")))
        #expect(schema.field("creationTimestamp", in: APISchema.objectMeta)?.type == .special(.time))
        #expect(schema.field("limits", in: "k8s.io.api.core.v1.ResourceRequirements")?.type == .map(.special(.quantity)))
        #expect(schema.message(for: ResourceCatalog.lookup(apiVersion: "batch/v1", kind: "Job")!)?.shortName == "Job")
        #expect(schema.isKind(pod) && !schema.isKind("k8s.io.api.core.v1.PodTemplateSpec"))
        #expect(schema.hasTypeMeta("k8s.io.api.core.v1.PodList") && schema.hasTypeMeta(APISchema.metaPackage + ".DeleteOptions"))
    }

    @Test func inlineFieldsAreFlattened() throws {
        let volume = try #require(schema.message("k8s.io.api.core.v1.Volume"))
        #expect(volume.field(json: "configMap")?.message == "k8s.io.api.core.v1.VolumeSource")
        #expect(volume.field(json: "volumeSource") == nil)
        #expect(volume.field(number: 2)?.isInline == true)
        #expect(schema.field("name", in: "k8s.io.api.core.v1.ConfigMapVolumeSource")?.message == "k8s.io.api.core.v1.LocalObjectReference")
        #expect(schema.field("httpGet", in: "k8s.io.api.core.v1.Probe") != nil)
    }

    @Test func walksPaths() {
        #expect(schema.type(at: ["spec", "containers"], in: pod) == .list(.message("k8s.io.api.core.v1.Container")))
        #expect(schema.type(at: ["spec", "containers", "0", "ports"], in: pod) == .list(.message("k8s.io.api.core.v1.ContainerPort")))
        #expect(schema.type(at: ["spec", "containers", "env", "name"], in: pod) == .scalar(.string))
        #expect(schema.type(at: ["metadata", "labels", "app"], in: pod) == .scalar(.string))
        #expect(schema.type(at: ["spec", "containers", "resources", "limits", "cpu"], in: pod) == .special(.quantity))
        #expect(schema.field(at: ["spec", "volumes", "secret", "secretName"], in: pod)?.name == "secretName")
        #expect(schema.type(at: ["spec", "nope"], in: pod) == nil)
        #expect(schema.type(at: ["metadata", "name", "x"], in: pod) == nil)
        #expect(schema.field(at: ["spec", "containers", "0"], in: pod) == nil)
        #expect(schema.type(at: [], in: pod) == .message(pod))
    }

    @Test func findsUnknownFieldsLikeKubernetes() throws {
        let value = try json("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labelz":{}},
         "spec":{"containers":[{"name":"a","image":"i"},{"name":"b","imagePullPolicyy":"Always",
                  "resources":{"limits":{"cpu":"1"}},"livenessProbe":{"exec":{"command":["x"]},"bogus":1}}],
                 "volumes":[{"name":"v","configMap":{"name":"cm","extra":true}}]},
         "extraTop":1}
        """)
        #expect(schema.unknownFields(in: value, message: pod) == [
            "unknown field \"extraTop\"",
            "unknown field \"metadata.labelz\"",
            "unknown field \"spec.containers[1].imagePullPolicyy\"",
            "unknown field \"spec.containers[1].livenessProbe.bogus\"",
            "unknown field \"spec.volumes[0].configMap.extra\"",
        ])
    }

    @Test func specialTypesAndTypeMetaAreAccepted() throws {
        let list = try json("""
        {"apiVersion":"v1","kind":"PodList","metadata":{},"items":[{"apiVersion":"v1","kind":"Pod",
          "metadata":{"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[{"fieldsV1":{"f:spec":{"anything":1}}}]},
          "spec":{"containers":[{"name":"c","ports":[{"containerPort":80}],"readinessProbe":{"tcpSocket":{"port":"http"}}}]}}]}
        """)
        #expect(schema.unknownFields(in: list, message: "k8s.io.api.core.v1.PodList").isEmpty)
        let revision = try json(#"{"metadata":{"name":"r"},"data":{"spec":{"whatever":{"x":1}}},"revision":1}"#)
        #expect(schema.unknownFields(in: revision, message: "k8s.io.api.apps.v1.ControllerRevision").isEmpty)
        // A template embeds ObjectMeta but is not a kind: apiVersion there is unknown, as in Kubernetes.
        let deployment = try json(#"{"spec":{"template":{"kind":"x","metadata":{}}}}"#)
        #expect(schema.unknownFieldPaths(in: deployment, message: "k8s.io.api.apps.v1.Deployment") == ["spec.template.kind"])
    }

    @Test func mapValuesOfMessagesAreChecked() throws {
        let secret = try json(#"{"data":{"a":"eA=="},"stringData":{"b":"c"}}"#)
        #expect(schema.unknownFields(in: secret, message: "k8s.io.api.core.v1.Secret").isEmpty)
        let custom = try APISchema(tsv: """
        package\tmessage\tfield\tnumber\tlabel\ttype\tjson
        p\tM\titems\t1\tmap\tstring->E\titems
        p\tE\tname\t1\toptional\tstring\tname
        """)
        let value: JSONValue = ["items": ["k": ["name": "x", "bad": 1], "l": ["name": "y"]]]
        #expect(custom.unknownFieldPaths(in: value, message: "p.M") == ["items.k.bad"])
    }

    @Test func mapsGroupVersionsToPackages() {
        #expect(APISchema.protobufPackage(apiVersion: "v1") == "k8s.io.api.core.v1")
        #expect(APISchema.protobufPackage(apiVersion: "apps/v1") == "k8s.io.api.apps.v1")
        #expect(APISchema.protobufPackage(apiVersion: "rbac.authorization.k8s.io/v1") == "k8s.io.api.rbac.v1")
        #expect(APISchema.protobufPackage(apiVersion: "networking.k8s.io/v1") == "k8s.io.api.networking.v1")
        #expect(APISchema.protobufPackage(apiVersion: "meta.k8s.io/v1") == APISchema.metaPackage)
        #expect(APISchema.groupVersion(ofPackage: "k8s.io.api.core.v1")! == ("", "v1"))
        #expect(APISchema.groupVersion(ofPackage: "k8s.io.api.events.v1")! == ("events.k8s.io", "v1"))
        #expect(APISchema.groupVersion(ofPackage: "k8s.io.apimachinery.pkg.runtime") == nil)
        for info in ResourceCatalog.all {
            #expect(APISchema.protobufPackage(apiVersion: info.apiVersion) == info.protobufPackage)
            #expect(APISchema.groupVersion(ofPackage: info.protobufPackage)! == (info.group, info.version))
        }
    }

    /// A typo in the hand-kept table would silently drop a `required` marker; every entry must name
    /// a real message and one of its JSON fields.
    @Test func requiredFieldsNameRealFields() throws {
        for (name, fields) in RequiredFields.all {
            let message = try #require(schema.message(name), "no message \(name)")
            for field in fields {
                #expect(message.jsonFields.contains { $0.jsonName == field } || (field == "metadata" && schema.hasTypeMeta(name)),
                        "\(name) has no field \(field)")
            }
        }
    }

    @Test func rejectsMalformedTables() {
        #expect(throws: APISchema.ParseError.self) { try APISchema(tsv: "nope") }
        #expect(throws: APISchema.ParseError.self) {
            try APISchema(tsv: "package\tmessage\tfield\tnumber\tlabel\ttype\tjson\np\tM\tf\tx\toptional\tstring\tf")
        }
        #expect(throws: APISchema.ParseError.self) {
            try APISchema(tsv: "package\tmessage\tfield\tnumber\tlabel\ttype\tjson\np\tA\tb\t1\toptional\tB\t(inline)\np\tB\ta\t1\toptional\tA\t(inline)")
        }
    }
}
