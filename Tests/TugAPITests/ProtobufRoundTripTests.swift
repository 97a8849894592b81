import Foundation
import Testing
@testable import TugAPI

@Suite struct ProtobufRoundTripTests {
    func roundTrip(_ json: String) throws -> (input: JSONValue, output: JSONValue) {
        let input = try JSONValue(parsing: Data(json.utf8))
        let body = try KubernetesProtobuf.encode(input)
        let decoded = try KubernetesProtobuf.decodeDetailed(body)
        #expect(decoded.unknownFields.isEmpty)
        #expect(decoded.apiVersion == input["apiVersion"]?.stringValue)
        return (input, decoded.object)
    }

    @Test func namespace() throws {
        let r = try roundTrip(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo","labels":{"a":"b"}},"spec":{"finalizers":["kubernetes"]}}"#)
        #expect(r.output == r.input)
    }

    @Test func configMapWithMaps() throws {
        let r = try roundTrip("""
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","annotations":{"x":"y"}},
         "data":{"a":"1","b":"","c":"multi\\nline"},"binaryData":{"bin":"AAEC"},"immutable":false}
        """)
        #expect(r.output == r.input)
    }

    @Test func secretBytes() throws {
        let r = try roundTrip(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque","data":{"password":"aHVudGVyMg==","empty":""}}"#)
        #expect(r.output == r.input)
        let secret = try r.output.decode(as: CoreV1.Secret.self)
        #expect(secret.data?["password"] == Data("hunter2".utf8))
    }

    @Test func deployment() throws {
        let r = try roundTrip("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"},
          "creationTimestamp":"2026-01-02T15:04:05Z","generation":2},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
          "template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],
             "resources":{"requests":{"cpu":"100m","memory":"64Mi"}},
             "readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"initialDelaySeconds":-1},
             "env":[{"name":"A","value":"1"}]}],
            "volumes":[{"name":"cfg","configMap":{"name":"cm","defaultMode":420}}],
            "terminationGracePeriodSeconds":0}}},
         "status":{"replicas":3,"conditions":[{"type":"Available","status":"True","lastUpdateTime":"2026-01-02T15:04:06Z"}]}}
        """)
        #expect(r.output == r.input)
        let d = try r.output.decode(as: AppsV1.Deployment.self)
        #expect(d.spec?.strategy?.rollingUpdate?.maxSurge == .string("25%"))
        #expect(d.spec?.template?.spec?.containers?.first?.readinessProbe?.httpGet?.port == .int(8080))
    }

    @Test func job() throws {
        let r = try roundTrip("""
        {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"c","uid":"u","controller":true}]},
         "spec":{"backoffLimit":0,"completions":1,"ttlSecondsAfterFinished":100,
          "template":{"spec":{"restartPolicy":"Never","containers":[{"name":"pi","image":"perl","command":["perl","-e","print 1"]}]}}}}
        """)
        #expect(r.output == r.input)
    }

    @Test func deleteOptionsAndSubresourceKinds() throws {
        let r = try roundTrip(#"{"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Background","gracePeriodSeconds":0}"#)
        #expect(r.output == r.input)
        let scale = try roundTrip(#"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d"},"spec":{"replicas":5}}"#)
        #expect(scale.output == scale.input)
    }
}
