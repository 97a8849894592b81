import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct StrategyNamespaceTests {
    let strategy = NamespaceStrategy(info: StrategyHarness.info("", "namespaces"))

    func namespace(_ name: String, finalizers: [JSONValue]? = nil) -> JSONValue {
        var ns: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
        if let finalizers { ns["spec"] = ["finalizers": .array(finalizers)] }
        return ns
    }

    @Test func createDefaults() throws {
        let (ns, errs) = try StrategyHarness.create(strategy, namespace("team-a"))
        #expect(errs.isEmpty)
        #expect(ns.metadata.labels == ["kubernetes.io/metadata.name": "team-a"])
        #expect(ns.spec?.finalizers == ["kubernetes"])
        #expect(ns.status?.phase == "Active")
        let (withOwn, _) = try StrategyHarness.create(strategy, namespace("team-b", finalizers: ["example.com/cleanup"]))
        #expect(withOwn.spec?.finalizers == ["example.com/cleanup", "kubernetes"])
    }

    @Test func namesAreDNSLabelsAndFinalizersQualified() throws {
        let (_, dotted) = try StrategyHarness.create(strategy, namespace("team.a"))
        #expect(dotted.map(\.field) == ["metadata.name"])
        #expect(dotted.first?.type == .invalid)
        let (_, fin) = try StrategyHarness.create(strategy, namespace("ok", finalizers: ["cleanup"]))
        #expect(fin.map(\.description) == ["spec.finalizers: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified"])
    }

    @Test func updatesKeepFinalizersAndStatus() throws {
        let (old, _) = try StrategyHarness.create(strategy, namespace("team-a"))
        let (new, errs) = StrategyHarness.update(strategy, old: old) { ns in
            ns.spec?.finalizers = []
            ns.status?.phase = "Terminating"
            ns.metadata.labels = ["env": "prod"]
        }
        #expect(errs.isEmpty)
        #expect(new.spec?.finalizers == ["kubernetes"])
        #expect(new.status?.phase == "Active")
        #expect(new.metadata.labels == ["env": "prod", "kubernetes.io/metadata.name": "team-a"])
    }

    @Test func deletionMakesItTerminating() throws {
        var (ns, _) = try StrategyHarness.create(strategy, namespace("team-a"))
        strategy.prepareForDeletion(&ns)
        #expect(ns.status?.phase == "Terminating")
        var sent = ns
        sent.status?.phase = "Active"
        ns.metadata.deletionTimestamp = Time(StrategyHarness.t0)
        sent.metadata.deletionTimestamp = ns.metadata.deletionTimestamp
        #expect(strategy.validateStatusUpdate(sent, old: ns).map(\.detail) == ["may only be 'Terminating' if `deletionTimestamp` is not empty"])
    }

    @Test func table() throws {
        let (ns, _) = try StrategyHarness.create(strategy, namespace("team-a"))
        #expect(StrategyHarness.cells(strategy, ns) == ["team-a", "Active", "60m"])
        #expect(strategy.selectableFields(ns) == ["status.phase": "Active"])
    }
}
