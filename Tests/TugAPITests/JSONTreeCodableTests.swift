import Foundation
import Testing
@testable import TugAPI

/// The generated codecs must give exactly what Codable through Foundation gives: the same
/// values, the same bytes (sorted keys) and the same errors with the same paths.
@Suite struct JSONTreeCodableTests {
    static let foundation: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Decodes `json` both ways, then checks the generated writer and tree against Foundation's.
    @discardableResult
    func check<T: JSONTreeCodable & Codable & Equatable>(_ type: T.Type, _ json: String) throws -> T {
        let fast = try T(jsonTree: JSONValue(parsing: Array(json.utf8)))
        let reference = try JSONDecoder().decode(T.self, from: Data(json.utf8))
        #expect(fast == reference)
        var written: [UInt8] = []
        try fast.writeJSON(into: &written)
        // Foundation's tree, written with JSONWriter's byte-order key sort.
        let expected = try JSONValue(parsing: Self.foundation.encode(reference))
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: JSONWriter.write(expected), as: UTF8.self))
        #expect(try fast.jsonTree() == expected)
        #expect(try APICoding.encodeBytes(fast) == written)
        return fast
    }

    @Test func everyKindOfFieldMatchesCodable() throws {
        let pod = try check(CoreV1.Pod.self, """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","namespace":"default","labels":{"b":"2","a":"1"},"annotations":{"x/y":"a \\"quoted\\"\\n\\u0001 é"},
                     "creationTimestamp":"2026-01-02T15:04:05Z","generation":3,"deletionGracePeriodSeconds":null,
                     "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true}],
                     "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","time":"2026-01-02T15:04:05Z",
                                       "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},
         "spec":{"containers":[{"name":"c","image":"nginx","command":[],"ports":[{"containerPort":80,"protocol":"TCP"}],
                  "resources":{"limits":{"cpu":"500m","memory":1073741824},"requests":{"cpu":0.5,"ephemeral-storage":" 1Gi "}},
                  "readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5},
                  "livenessProbe":{"tcpSocket":{"port":8080}},
                  "env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k","optional":false}}}]}],
                 "volumes":[{"name":"v","configMap":{"name":"cm","defaultMode":420}}],
                 "tolerations":[{"key":"k","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
                 "terminationGracePeriodSeconds":0,"nodeSelector":{}},
         "status":{"phase":"Running","startTime":"2026-01-02T15:04:06Z","conditions":[{"type":"Ready","status":"True"}]}}
        """)
        #expect(pod.spec?.containers?.first?.resources?.requests?["ephemeral-storage"] == Quantity("1Gi"))
        #expect(pod.spec?.containers?.first?.command == [])

        var secret = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: "s"))
        secret.data = ["k": Data([0, 1, 2, 250]), "a": Data()]
        try check(CoreV1.Secret.self, String(decoding: try Self.foundation.encode(secret), as: UTF8.self))

        try check(CoordinationV1.Lease.self, """
        {"metadata":{"name":"n"},"spec":{"holderIdentity":"h","leaseDurationSeconds":40,"renewTime":"2026-01-02T15:04:05.123456Z"}}
        """)
        try check(AppsV1.Deployment.self, """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{},
         "spec":{"replicas":3,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
                 "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c"}]}}}}
        """)
        // No metadata at all reads as empty metadata, which is written back.
        #expect(try check(CoreV1.ConfigMap.self, #"{"data":{"k":"v"}}"#).metadata == MetaV1.ObjectMeta())
        try check(CoreV1.Namespace.self, #"{"metadata":{"name":"a","labels":null,"bogus":{"x":1}},"spec":null}"#)
    }

    @Test func aNullQuantityInAMapIsZeroAsWithCodable() throws {
        let r = try check(CoreV1.ResourceRequirements.self, #"{"requests":{"cpu":null}}"#)
        #expect(r.requests?["cpu"] == .zero)
    }

    @Test func errorsCarryTheSamePathAndKind() throws {
        func failure<T: JSONTreeCodable>(_ type: T.Type, _ json: String) -> DecodingError? {
            do {
                _ = try T(jsonTree: JSONValue(parsing: Array(json.utf8)))
                return nil
            } catch {
                return error as? DecodingError
            }
        }
        func path(_ e: DecodingError?) -> [String] {
            let keys: [any CodingKey]
            switch e {
            case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?: keys = c.codingPath
            default: return ["no error"]
            }
            return keys.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        let wrongName = failure(AppsV1.Deployment.self, #"{"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":7}]}}}}"#)
        #expect(path(wrongName) == ["spec", "template", "spec", "containers", "1", "name"])
        if case .typeMismatch(let t, _)? = wrongName { #expect(t is String.Type) } else { Issue.record("expected a type mismatch") }

        let nullArg = failure(CoreV1.Container.self, #"{"args":["a",null]}"#)
        #expect(path(nullArg) == ["args", "1"])
        if case .valueNotFound? = nullArg {} else { Issue.record("a null in a string list is a missing value") }

        #expect(path(failure(CoreV1.Pod.self, #"{"metadata":{"creationTimestamp":"yesterday"}}"#)) == ["metadata", "creationTimestamp"])
        #expect(path(failure(CoreV1.Pod.self, #"{"spec":{"containers":[{"resources":{"limits":{"cpu":"lots"}}}]}}"#))
                == ["spec", "containers", "0", "resources", "limits", "cpu"])
        #expect(path(failure(CoreV1.Service.self, #"{"spec":{"ports":[{"port":1.5}]}}"#)) == ["spec", "ports", "0", "port"])
        #expect(path(failure(CoreV1.Pod.self, #"{"spec":[]}"#)) == ["spec"])
        #expect(path(failure(CoreV1.Pod.self, #"[]"#)) == [])
    }

    @Test func codableTypesHoldingGeneratedOnesUseTheirCodecs() throws {
        struct Wrapper: Codable, Equatable {
            var pods: [CoreV1.Pod]
            var count: Int
        }
        let json = #"{"count":1,"pods":[{"metadata":{"name":"p"},"spec":{"containers":[{"name":7}]}}]}"#
        do {
            _ = try JSONValueDecoder.decode(Wrapper.self, from: Array(json.utf8))
            Issue.record("a number for a container name must fail")
        } catch DecodingError.typeMismatch(_, let c) {
            #expect(c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["pods", "0", "spec", "containers", "0", "name"])
        }
        let w = Wrapper(pods: [CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "p"))], count: 1)
        #expect(try JSONValueEncoder.encode(w) == JSONValue(parsing: Self.foundation.encode(w)))
        #expect(try APICoding.encodeBytes(w) == JSONWriter.write(JSONValue(parsing: Self.foundation.encode(w))))
    }

    @Test func nonFiniteNumbersAreRefused() {
        var out: [UInt8] = []
        #expect(throws: EncodingError.self) { try Double.infinity.writeJSON(into: &out) }
        #expect(throws: EncodingError.self) { try [Double.nan].jsonTree() }
    }
}
