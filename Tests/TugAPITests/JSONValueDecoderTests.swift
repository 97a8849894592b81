import Foundation
import Testing
@testable import TugAPI

/// The tree decoder must read API objects exactly as Foundation's JSONDecoder does, and fail
/// where it fails with the same kind of error and coding path.
@Suite struct JSONValueDecoderTests {
    func both<T: Decodable & Equatable>(_ type: T.Type, _ json: String) throws -> T {
        let viaTree = try JSONValueDecoder.decode(T.self, from: Array(json.utf8))
        let viaFoundation = try JSONDecoder().decode(T.self, from: Data(json.utf8))
        #expect(viaTree == viaFoundation)
        return viaTree
    }

    @Test func apiObjectsDecodeAsWithFoundation() throws {
        let pod = try both(CoreV1.Pod.self, """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"creationTimestamp":"2026-01-02T15:04:05Z",
                     "generation":3,"deletionGracePeriodSeconds":null,
                     "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true}],
                     "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}]},
         "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],
                  "resources":{"limits":{"cpu":"500m","memory":1073741824},"requests":{"cpu":0.5}},
                  "readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5},
                  "livenessProbe":{"tcpSocket":{"port":8080}},
                  "env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"cm","key":"k","optional":false}}}]}],
                 "volumes":[{"name":"v","configMap":{"name":"cm","defaultMode":420}}],
                 "tolerations":[{"key":"k","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
                 "terminationGracePeriodSeconds":0},
         "status":{"phase":"Running","startTime":"2026-01-02T15:04:06Z","conditions":[{"type":"Ready","status":"True"}]}}
        """)
        #expect(pod.metadata.managedFields?.first?.fieldsV1 == ["f:metadata": ["f:labels": [".": [:], "f:app": [:]]]])
        #expect(pod.spec?.containers?.first?.resources?.limits?["memory"] == Quantity("1Gi"))
        #expect(pod.spec?.containers?.first?.livenessProbe?.tcpSocket?.port == .int(8080))
        #expect(pod.spec?.tolerations?.first?.tolerationSeconds == 300)

        _ = try both(AppsV1.Deployment.self, """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","annotations":{"a":"b"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"d"}},
                 "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
                 "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"x","args":["a","b"]}]}}},
         "status":{"replicas":3,"conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-01-02T15:04:05Z"}]}}
        """)
        _ = try both(MetaV1.Status.self, #"{"kind":"Status","status":"Failure","code":404,"details":{"causes":[{"reason":"x"}]}}"#)
        #expect(try both([String: JSONValue].self, #"{"a":null,"b":[1,2.5,"x",true,{}]}"#)["a"] == JSONValue.null)
    }

    @Test func unknownFieldsAreIgnoredAndNullIsAbsent() throws {
        let ns = try both(CoreV1.Namespace.self, #"{"metadata":{"name":"a","labels":null,"bogus":{"x":1}},"spec":null}"#)
        #expect(ns.metadata.labels == nil)
        #expect(ns.spec == nil)
    }

    @Test func wrongTypesFailWithThePath() throws {
        func failure(_ json: String) -> DecodingError? {
            do {
                _ = try JSONValueDecoder.decode(AppsV1.Deployment.self, from: Array(json.utf8))
                return nil
            } catch let e as DecodingError {
                return e
            } catch {
                return nil
            }
        }
        guard case .typeMismatch(_, let ctx)? = failure(#"{"metadata":{},"spec":{"replicas":"three"}}"#) else {
            Issue.record("a string for replicas must fail")
            return
        }
        #expect(ctx.codingPath.map(\.stringValue) == ["spec", "replicas"])
        guard case .dataCorrupted(let frac)? = failure(#"{"metadata":{},"spec":{"replicas":1.5}}"#) else {
            Issue.record("a fraction for replicas must fail")
            return
        }
        #expect(frac.codingPath.map(\.stringValue) == ["spec", "replicas"])
        guard case .typeMismatch(_, let arr)? = failure(#"{"metadata":{},"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":7}]}}}}"#) else {
            Issue.record("a number for a container name must fail")
            return
        }
        #expect(arr.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["spec", "template", "spec", "containers", "1", "name"])
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(Int8.self, from: JSONValue.int(300)) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(CoreV1.Pod.self, from: Array("[1]".utf8)) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder.decode(CoreV1.Pod.self, from: Array("{".utf8)) }
    }
}

/// The tree encoder must give the same tree as Foundation's JSONEncoder followed by a parse.
@Suite struct JSONValueEncoderTests {
    func same<T: Codable>(_ value: T) throws {
        let viaTree = try JSONValueEncoder.encode(value)
        let viaFoundation = try JSONValue(parsing: JSONEncoder().encode(value))
        #expect(viaTree == viaFoundation)
    }

    @Test func apiObjectsEncodeAsWithFoundation() throws {
        let pod = try JSONValueDecoder.decode(CoreV1.Pod.self, from: Array("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"a":"b"},"creationTimestamp":"2026-01-02T15:04:05Z",
         "managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{}}}]},
         "spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"100m"}},"ports":[{"containerPort":80}],
                 "readinessProbe":{"httpGet":{"port":"http"}}}],"terminationGracePeriodSeconds":30},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-02T15:04:06Z"}]}}
        """.utf8))
        try same(pod)
        var secret = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: "s"))
        secret.data = ["k": Data([0, 1, 2, 250])]
        try same(secret)
        try same(["a": JSONValue.null, "b": [1, 2.5, "x", true, [:]]] as [String: JSONValue])
        try same([Optional<Int>.none, 3])
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["x": Double.nan]) }
    }

    @Test func apiCodingRoundTrips() throws {
        var d = AppsV1.Deployment(metadata: MetaV1.ObjectMeta(name: "d"))
        d.spec = AppsV1.DeploymentSpec(replicas: 2, selector: MetaV1.LabelSelector(matchLabels: ["a": "b"]))
        let back = try APICoding.decode(AppsV1.Deployment.self, from: APICoding.encodeBytes(d))
        #expect(back == d)
    }
}
