import Foundation
import Testing
@testable import TugAPI

/// Bodies kubectl 1.37 sent for its `create` generators, captured byte for byte.
@Suite struct ProtobufKubectlCaptureTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func decode(_ hex: String) throws -> JSONValue {
        let d = try KubernetesProtobuf.decodeDetailed(Self.bytes(hex))
        #expect(d.unknownFields.isEmpty)
        return d.object
    }

    func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: Data(text.utf8)) }

    /// `kubectl create deployment web --image=nginx --replicas=0 --port=80`
    @Test func createDeployment() throws {
        let object = try decode("6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b8010a1f0a0377656212001a0022002a003200380042005a0a0a0361707012037765621286010800120c0a0a0a0361707012037765621a6c0a1c0a0012001a0022002a003200380042005a0a0a036170701203776562124c122e0a056e67696e7812056e67696e782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200")
        #expect(object == (try json("""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},"strategy":{},
          "template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}],"resources":{}}]}}},
         "status":{}}
        """)))
        let typed = try object.decode(as: AppsV1.Deployment.self)
        #expect(typed.spec?.replicas == 0)
    }

    /// `kubectl create job pi --image=perl -- perl -e 1`
    @Test func createJob() throws {
        let object = try decode("6b3873000a0f0a0862617463682f763112034a6f621284010a120a02706912001a0022002a00320038004200126432620a100a0012001a0022002a00320038004200124e122b0a02706912047065726c1a047065726c1a022d651a01312a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200")
        #expect(object == (try json("""
        {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},
         "spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"pi","image":"perl","command":["perl","-e","1"],"resources":{}}],
                 "restartPolicy":"Never"}}},
         "status":{}}
        """)))
    }

    /// `kubectl create configmap cm --from-literal=a=1 --from-literal=b=`
    @Test func createConfigMap() throws {
        let object = try decode("6b3873000a0f0a0276311209436f6e6669674d617012230a120a02636d12001a0022002a0032003800420012060a016112013112050a016212001a002200")
        #expect(object == ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cm"], "data": ["a": "1", "b": ""]])
    }

    /// `kubectl create secret generic s --from-literal=p=hunter2`
    @Test func createSecret() throws {
        let object = try decode("6b3873000a0c0a027631120653656372657412230a110a017312001a0022002a00320038004200120c0a0170120768756e746572321a001a002200")
        #expect(object == ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["p": "aHVudGVyMg=="]])
        #expect(try object.decode(as: CoreV1.Secret.self).data?["p"] == Data("hunter2".utf8))
    }
}
