import Foundation
import Testing
@testable import TugAPI

@Suite struct ProtobufDecoderTests {
    /// `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw, "", ""}, as kubectl writes it.
    static func envelope(_ apiVersion: String, _ kind: String, _ raw: [UInt8]) -> [UInt8] {
        let typeMeta = field(1, Array(apiVersion.utf8)) + field(2, Array(kind.utf8))
        return [0x6b, 0x38, 0x73, 0x00] + field(1, typeMeta) + field(2, raw) + field(3, []) + field(4, [])
    }

    /// A length-delimited field (lengths here stay below 128, so one length byte).
    static func field(_ number: UInt8, _ content: [UInt8]) -> [UInt8] {
        [number << 3 | 2, UInt8(content.count)] + content
    }

    @Test func decodesKubectlCreateNamespace() throws {
        // Exactly what `kubectl create namespace foo` sends: Go writes every non-pointer field,
        // so ObjectMeta carries empty strings, generation 0 and an empty creationTimestamp.
        let meta: [UInt8] = Self.field(1, Array("foo".utf8)) + [0x12, 0, 0x1a, 0, 0x22, 0, 0x2a, 0, 0x32, 0, 0x38, 0, 0x42, 0]
        let namespace = Self.field(1, meta) + [0x12, 0x00] + Self.field(3, [0x0a, 0x00])
        let body = Self.envelope("v1", "Namespace", namespace)
        let (apiVersion, kind, object) = try KubernetesProtobuf.decode(body)
        #expect(apiVersion == "v1" && kind == "Namespace")
        #expect(object == ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "foo"], "spec": [:], "status": [:]])
        let typed = try object.decode(as: CoreV1.Namespace.self)
        #expect(typed.metadata.name == "foo" && typed.metadata.creationTimestamp == nil)
    }

    @Test func decodesMinimalNamespace() throws {
        let body = Self.envelope("v1", "Namespace", Self.field(1, Self.field(1, Array("foo".utf8))))
        let decoded = try KubernetesProtobuf.decodeDetailed(body)
        #expect(decoded.object == ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "foo"]])
        #expect(decoded.unknownFields.isEmpty)
    }

    @Test func negativeInt32IsATenByteVarint() throws {
        let spec: [UInt8] = [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        let body = Self.envelope("apps/v1", "Deployment", Self.field(2, spec))
        let object = try KubernetesProtobuf.decode(body).object
        #expect(object["spec"]?["replicas"] == .int(-1))
    }

    @Test func acceptsPackedAndUnpackedRepeatedScalars() throws {
        let message = "k8s.io.api.core.v1.PodSecurityContext"
        var decoder = ProtobufDecoder()
        let packedFull = try decoder.decode([0x22, 0x04, 0x01, 0x02, 0x96, 0x01], message: message)
        #expect(packedFull == ["supplementalGroups": [1, 2, 150]])
        let unpacked = try decoder.decode([0x20, 0x01, 0x20, 0x96, 0x01], message: message)
        #expect(unpacked == ["supplementalGroups": [1, 150]])
    }

    @Test func skipsAndReportsUnknownFieldNumbers() throws {
        // ObjectMeta{name: "a", field 99 varint 5, field 98 string "x"}
        let meta: [UInt8] = Self.field(1, [0x61]) + [0x98, 0x06, 0x05] + [0x92, 0x06, 0x01, 0x78]
        let decoded = try KubernetesProtobuf.decodeDetailed(Self.envelope("v1", "ConfigMap", Self.field(1, meta)))
        #expect(decoded.object["metadata"] == ["name": "a"])
        #expect(decoded.unknownFields.map(\.number) == [99, 98])
        #expect(decoded.unknownFields.first?.path == "metadata")
    }

    @Test func specialTypes() throws {
        // Lease spec: acquireTime MicroTime{seconds, nanos}, holderIdentity.
        let micro: [UInt8] = [0x08] + ProtobufBytes.varint(1_767_225_600) + [0x10] + ProtobufBytes.varint(123_456_789)
        let spec = Self.field(1, Array("me".utf8)) + Self.field(3, micro)
        let lease = try KubernetesProtobuf.decode(Self.envelope("coordination.k8s.io/v1", "Lease", Self.field(2, spec))).object
        #expect(lease["spec"] == ["holderIdentity": "me", "acquireTime": "2026-01-01T00:00:00.123456Z"])

        // ObjectMeta.creationTimestamp (Time) drops the fraction.
        let time = Self.field(8, [0x08] + ProtobufBytes.varint(1_767_225_600) + [0x10] + ProtobufBytes.varint(5))
        let ns = try KubernetesProtobuf.decode(Self.envelope("v1", "Namespace", Self.field(1, time))).object
        #expect(ns["metadata"] == ["creationTimestamp": "2026-01-01T00:00:00Z"])

        // ControllerRevision.data is a RawExtension holding JSON.
        let raw = Self.field(1, Array(#"{"spec":{"a":1}}"#.utf8))
        let rev = try KubernetesProtobuf.decode(Self.envelope("apps/v1", "ControllerRevision", Self.field(2, raw) + [0x18, 0x02])).object
        #expect(rev["data"] == ["spec": ["a": 1]])
        #expect(rev["revision"] == 2)

        #expect(GoDuration.format(nanoseconds: 0) == "0s")
        #expect(GoDuration.format(nanoseconds: 1_500_000) == "1.5ms")
        #expect(GoDuration.format(nanoseconds: 3_723_500_000_000) == "1h2m3.5s")
        #expect(GoDuration.format(nanoseconds: -90_000_000_000) == "-1m30s")
        #expect(GoDuration.parse("1h2m3.5s") == 3_723_500_000_000)
    }

    @Test func malformedInputThrowsBadRequest() {
        let good = Self.envelope("v1", "Namespace", Self.field(1, Self.field(1, Array("foo".utf8))))
        var cases: [[UInt8]] = [
            [], [0x6b, 0x38], Array("{\"kind\":\"Namespace\"}".utf8), [0x6b, 0x38, 0x73, 0x01] + good.dropFirst(4),
            Self.envelope("v1", "NoSuchKind", []),
            Self.envelope("v1", "Namespace", [0x0a, 0x05, 0x0a]),          // length past the end
            Self.envelope("v1", "Namespace", [0x08, 0x80]),                // truncated varint
            Self.envelope("v1", "Namespace", [0x08, 0x01]),                // metadata as varint: wrong wire type
            Self.envelope("v1", "Namespace", [0x0b]),                      // group wire type
            Self.envelope("v1", "Namespace", [0x00]),                      // field number 0
            Self.envelope("v1", "Namespace", [0x08] + [UInt8](repeating: 0xff, count: 11)),  // varint too long
            [0x6b, 0x38, 0x73, 0x00, 0x12, 0x00],                          // no kind
        ]
        // Every prefix of a valid body is either valid or rejected; none may crash or hang.
        for n in 4..<good.count { cases.append(Array(good.prefix(n))) }
        for body in cases {
            do {
                _ = try KubernetesProtobuf.decode(body)
            } catch let error as APIError {
                #expect(error.code == 400 && error.reason == "BadRequest")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(throws: APIError.self) { try KubernetesProtobuf.decode(Self.envelope("v1", "Namespace", [0x0a, 0x05, 0x0a])) }
        #expect(throws: APIError.self) { try KubernetesProtobuf.decode([]) }
    }

    @Test func deepNestingIsRefused() {
        // A RawExtension nesting envelopes inside envelopes, far deeper than any real object.
        var body = Self.envelope("v1", "Namespace", [])
        for _ in 0..<150 {
            let raw = ProtobufBytes.lengthDelimited(1, body)
            body = [0x6b, 0x38, 0x73, 0x00] + ProtobufBytes.lengthDelimited(1, Self.field(1, Array("apps/v1".utf8)) + Self.field(2, Array("ControllerRevision".utf8)))
                + ProtobufBytes.lengthDelimited(2, ProtobufBytes.lengthDelimited(2, raw))
        }
        #expect(throws: APIError.self) { try KubernetesProtobuf.decode(body) }
    }
}
