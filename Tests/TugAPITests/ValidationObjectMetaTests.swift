import Foundation
import Testing

@testable import TugAPI

/// `metadata` validation on create and update, with Kubernetes' paths, order and messages.
struct ValidationObjectMetaTests {
    static let subdomainError = ValidationNameTests.dns1123SubdomainError
    static let labelError = ValidationNameTests.dns1123LabelError

    @Test func validMetadataPasses() {
        #expect(
            Validation.validateObjectMeta(
                name: "web-1", namespace: "default", labels: ["app": "web"], annotations: ["note": "x"],
                finalizers: ["kubernetes", "example.com/cleanup"], generation: 3, namespaced: true
            ).isEmpty)
        #expect(Validation.validateObjectMeta(name: "node-a.example.com", namespace: nil, namespaced: false).isEmpty)
        #expect(Validation.validateObjectMeta(name: "x", generateName: "web-", namespace: "ns", namespaced: true).isEmpty)
    }

    @Test func nameNamespaceAndGenerateName() {
        let errors = Validation.validateObjectMeta(name: nil, generateName: "Bad_", namespace: "", namespaced: true)
        #expect(
            errors.map(\.description) == [
                "metadata.generateName: Invalid value: \"Bad_\": " + Self.subdomainError,
                "metadata.name: Required value: name or generateName is required",
                "metadata.namespace: Required value",
            ])
        let clusterScoped = Validation.validateObjectMeta(name: "Upper", namespace: "ns", namespaced: false)
        #expect(
            clusterScoped.map(\.description) == [
                "metadata.name: Invalid value: \"Upper\": " + Self.subdomainError,
                "metadata.namespace: Forbidden: not allowed on this type",
            ])
        let badNamespace = Validation.validateObjectMeta(name: "a", namespace: "a.b", namespaced: true)
        #expect(badNamespace.map(\.description) == ["metadata.namespace: Invalid value: \"a.b\": must not contain dots"])
        let long = String(repeating: "a", count: 254)
        #expect(
            Validation.validateObjectMeta(name: long, namespace: "ns", namespaced: true).map(\.description)
                == ["metadata.name: Invalid value: \"\(long)\": must be no more than 253 characters"])
    }

    @Test func nameValidatorsAndGenerateNameMasking() {
        #expect(Validation.nameIsDNSSubdomain("web-", true).isEmpty)
        #expect(Validation.nameIsDNSSubdomain("web-", false) == [Self.subdomainError])
        #expect(Validation.nameIsDNSLabel("a.b", false) == ["must not contain dots"])
        #expect(Validation.nameIsDNS1035Label("1abc", false).count == 1)
        #expect(Validation.nameIsDNS1035Label("svc-", true).isEmpty)
        #expect(Validation.nameIsAnything("ANY THING", false).isEmpty)
        let service = Validation.validateObjectMeta(
            name: "1svc", namespace: "ns", namespaced: true, nameValidator: Validation.nameIsDNS1035Label)
        #expect(service.count == 1 && service[0].field == "metadata.name")
    }

    @Test func labelsAnnotationsAndGeneration() {
        let errors = Validation.validateObjectMeta(
            name: "a", namespace: "ns", labels: ["ok": "-bad-"], annotations: ["a/b/c": ""], generation: -1, namespaced: true)
        #expect(errors.map(\.field) == ["metadata.generation", "metadata.labels", "metadata.annotations"])
        #expect(errors[0].description == "metadata.generation: Invalid value: -1: must be greater than or equal to 0")
    }

    @Test func finalizers() {
        let errors = Validation.validateObjectMeta(
            name: "a", namespace: "ns", finalizers: ["orphan", "foregroundDeletion", "bad name", "custom"], namespaced: true)
        #expect(
            errors.map(\.description) == [
                "metadata.finalizers: Invalid value: \"bad name\": " + ValidationNameTests.nameError,
                "metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\",\"bad name\",\"custom\"]: finalizer orphan and foregroundDeletion cannot be both set",
                "metadata.finalizers[2]: Invalid value: \"bad name\": name is neither a standard finalizer name nor is it fully qualified",
                "metadata.finalizers[3]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified",
            ])
        let custom = Validation.validateObjectMeta(
            name: "a", namespace: "ns", finalizers: ["custom"], namespaced: true, requireQualifiedFinalizers: false)
        #expect(custom.isEmpty)
    }

    @Test func ownerReferences() {
        let refs = [
            MetaV1.OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u1", controller: true),
            MetaV1.OwnerReference(apiVersion: "v1", kind: "Event", name: "e", uid: "u2"),
            MetaV1.OwnerReference(apiVersion: "a/b/c", kind: "", name: "", uid: "", controller: true),
        ]
        let errors = Validation.validateOwnerReferences(refs, path: "metadata.ownerReferences")
        #expect(
            errors.map(\.description) == [
                "metadata.ownerReferences[1]: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"u2\"}: /v1, Kind=Event is disallowed from being an owner",
                "metadata.ownerReferences[2].apiVersion: Invalid value: \"a/b/c\": must be <group>/<version> or <version>",
                "metadata.ownerReferences[2].kind: Required value: must not be empty",
                "metadata.ownerReferences[2].name: Required value: must not be empty",
                "metadata.ownerReferences[2].uid: Required value: must not be empty",
                "metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"u1\",\"controller\":true},{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"u2\"},{\"apiVersion\":\"a/b/c\",\"kind\":\"\",\"name\":\"\",\"uid\":\"\",\"controller\":true}]: Only one reference can have Controller set to true. Found \"true\" in references for ReplicaSet/rs and /",
            ])
        let missing = Validation.validateOwnerReferences([MetaV1.OwnerReference(kind: "K", name: "n", uid: "u")], path: "o")
        #expect(missing.map(\.description) == ["o[0].apiVersion: Required value: must not be empty"])
    }

    @Test func metadataOverloadCoversEverything() {
        let meta = MetaV1.ObjectMeta(
            name: "pod", namespace: "ns", generation: 1, labels: ["app": "x"],
            ownerReferences: [MetaV1.OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u")])
        #expect(Validation.validateObjectMeta(meta, namespaced: true).isEmpty)
        var bad = meta
        bad.namespace = nil
        bad.ownerReferences?[0].uid = nil
        #expect(
            Validation.validateObjectMeta(bad, namespaced: true).map(\.description) == [
                "metadata.namespace: Required value", "metadata.ownerReferences[0].uid: Required value: must not be empty",
            ])
    }

    @Test func updates() {
        let created = Time(Date(timeIntervalSince1970: 1_700_000_000))
        let old = MetaV1.ObjectMeta(
            name: "a", namespace: "ns", uid: "u1", resourceVersion: "5", generation: 2, creationTimestamp: created)
        var new = old
        #expect(Validation.validateObjectMetaUpdate(new, old: old).isEmpty)

        new.resourceVersion = nil
        new.generation = 1
        new.name = "b"
        new.uid = "u2"
        new.creationTimestamp = nil
        #expect(
            Validation.validateObjectMetaUpdate(new, old: old).map(\.description) == [
                "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
                "metadata.generation: Invalid value: 1: must not be decremented",
                "metadata.name: Invalid value: \"b\": field is immutable",
                "metadata.uid: Invalid value: \"u2\": field is immutable",
                "metadata.creationTimestamp: Invalid value: null: field is immutable",
            ])

        var deleting = old
        deleting.deletionTimestamp = created
        deleting.finalizers = ["example.com/a"]
        var addFinalizer = deleting
        addFinalizer.finalizers = ["example.com/a", "example.com/b", "example.com/c"]
        #expect(
            Validation.validateObjectMetaUpdate(addFinalizer, old: deleting).map(\.description) == [
                "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/b\", \"example.com/c\"}"
            ])
        var removeFinalizer = deleting
        removeFinalizer.finalizers = []
        #expect(Validation.validateObjectMetaUpdate(removeFinalizer, old: deleting).isEmpty)
    }
}
