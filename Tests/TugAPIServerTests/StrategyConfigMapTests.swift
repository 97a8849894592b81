import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyConfigMapTests {
    let configMaps = ConfigMapStrategy(info: StrategyHarness.info("", "configmaps"))
    let secrets = SecretStrategy(info: StrategyHarness.info("", "secrets"))

    @Test func keysAndOverlap() throws {
        let (_, errs) = try StrategyHarness.create(configMaps, [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"],
            "data": ["good.key": "1", "bad key": "2", "both": "x"],
            "binaryData": ["both": "eA=="],
        ])
        #expect(errs.map(\.field) == ["data[bad key]", "data[both]", "binaryData[both]"])
        #expect(errs[1].detail == "duplicate of key present in binaryData")
        #expect(errs[0].detail.hasPrefix("a valid config key must consist of alphanumeric characters, '-', '_' or '.'"))
    }

    @Test func sizeLimit() throws {
        let big = String(repeating: "x", count: 1024 * 1024 + 1)
        let (_, errs) = try StrategyHarness.create(configMaps, [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"], "data": ["big": .string(big)],
        ])
        #expect(errs.map(\.type) == [.tooLong])
        #expect(errs.first?.detail == "must have at most 1048576 bytes")
    }

    @Test func immutableConfigMaps() throws {
        let (old, _) = try StrategyHarness.create(configMaps, [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"], "data": ["a": "1"], "immutable": true,
        ])
        let (_, errs) = StrategyHarness.update(configMaps, old: old) { c in
            c.data = ["a": "2"]
            c.immutable = false
        }
        #expect(errs.map(\.description) == [
            "immutable: Forbidden: field is immutable when `immutable` is set",
            "data: Forbidden: field is immutable when `immutable` is set",
        ])
        let (_, labels) = StrategyHarness.update(configMaps, old: old) { c in c.metadata.labels = ["a": "b"] }
        #expect(labels.isEmpty)
        #expect(StrategyHarness.cells(configMaps, old) == ["cfg", "1", "60m"])
    }

    @Test func secretsDefaultAndMergeStringData() throws {
        let (s, errs) = try StrategyHarness.create(secrets, [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "creds"],
            "data": ["user": "YWRtaW4="], "stringData": ["password": "hunter2", "user": "root"],
        ])
        #expect(errs.isEmpty)
        #expect(s.type == "Opaque")
        #expect(s.stringData == nil)
        #expect(s.data?["password"] == Data("hunter2".utf8))
        #expect(s.data?["user"] == Data("root".utf8))
        #expect(StrategyHarness.cells(secrets, s) == ["creds", "Opaque", "2", "60m"])
        #expect(secrets.selectableFields(s) == ["type": "Opaque"])
    }

    @Test func secretTypesAndImmutability() throws {
        let (_, tls) = try StrategyHarness.create(secrets, [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "t"], "type": "kubernetes.io/tls", "data": ["tls.crt": "eA=="],
        ])
        #expect(tls.map(\.description) == ["data[tls.key]: Required value"])
        let (old, _) = try StrategyHarness.create(secrets, [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "t"], "immutable": true, "data": ["a": "eA=="],
        ])
        let (_, errs) = StrategyHarness.update(secrets, old: old) { s in
            s.type = "kubernetes.io/basic-auth"
            s.data = ["username": Data("u".utf8)]
        }
        #expect(errs.map(\.field) == ["type", "data"])
        #expect(errs.first?.detail == "field is immutable")
    }
}
