import Foundation
import Logging
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Service proxy transactions (full and incremental nft scripts)")
struct ProxyScriptTests {
    typealias F = ProxyFixtures

    func rules(_ endpoints: [String], service: CoreV1.Service = F.service("web"), options: ProxyOptions) -> ServiceRules {
        ServiceRuleBuilder.rules(service: service, slices: [F.slice("web", endpoints: endpoints.map { F.EP(ip: $0) })], options: options)
    }

    @Test("full sync: base layout, node IPs, every service, and leftovers of deleted services removed")
    func fullSync() throws {
        let options = try F.options(nodeIPs: ["192.168.1.10", "127.0.0.1"])
        let web = rules(["10.42.0.5"], options: options)
        let existing = ProxyScript.TableObjects(chains: ["services", "service-OLDOLDOL-default/gone/tcp/http", "endpoint-OLD-x"],
                                                sets: ["service-ips", "affinity-OLD-x"])
        let script = ProxyScript.full(options, services: [web], existing: existing, recreate: false)
        let lines = script.split(separator: "\n").map(String.init)
        #expect(lines.contains("add chain ip tugboat nat-output { type nat hook output priority -100 ; }"))
        #expect(lines.contains("add rule ip tugboat services fib daddr type local ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports"))
        #expect(lines.contains("add element ip tugboat nodeport-ips { 192.168.1.10, 127.0.0.1 }"))
        #expect(lines.contains("add rule ip tugboat masquerading ip saddr 127.0.0.0/8 oifname != \"lo\" ct status dnat masquerade fully-random"))
        #expect(lines.contains("flush map ip tugboat service-ips"))
        let flushOld = try #require(lines.firstIndex(of: "flush chain ip tugboat service-OLDOLDOL-default/gone/tcp/http"))
        let deleteOld = try #require(lines.firstIndex(of: "delete chain ip tugboat service-OLDOLDOL-default/gone/tcp/http"))
        #expect(flushOld < deleteOld)
        #expect(lines.contains("delete set ip tugboat affinity-OLD-x"))
        #expect(!lines.contains("delete chain ip tugboat services"), "base chains stay")
        #expect(!lines.contains { $0.hasPrefix("delete set ip tugboat service-ips") })
        let svcChain = try #require(web.chains.keys.first { $0.hasPrefix("service-") })
        #expect(lines.contains("add element ip tugboat service-ips { 10.43.0.20 . tcp . 80 : goto \(svcChain) }"))
        #expect(!lines.contains { $0.hasPrefix("delete table") })
        let recreated = ProxyScript.full(options, services: [web], existing: existing, recreate: true)
        #expect(recreated.hasPrefix("add table ip tugboat\ndelete table ip tugboat\n"))
    }

    @Test("incremental: an endpoint swap rewrites only that service's chains; the ClusterIP element is left alone")
    func endpointSwap() throws {
        let options = try F.options()
        let old = rules(["10.42.0.5"], options: options)
        let new = rules(["10.42.0.6"], options: options)
        let script = try #require(ProxyScript.incremental("tugboat", changes: [(old, new)]))
        let lines = script.split(separator: "\n").map(String.init)
        let oldEP = try #require(old.chains.keys.first { $0.hasPrefix("endpoint-") })
        let newEP = try #require(new.chains.keys.first { $0.hasPrefix("endpoint-") })
        let svc = try #require(new.chains.keys.first { $0.hasPrefix("service-") })
        #expect(!lines.contains { $0.contains("element") }, "the ClusterIP still points at the same service chain")
        let addNew = try #require(lines.firstIndex(of: "add chain ip tugboat \(newEP)"))
        let flushSvc = try #require(lines.firstIndex(of: "flush chain ip tugboat \(svc)"))
        let flushOld = try #require(lines.firstIndex(of: "flush chain ip tugboat \(oldEP)"))
        let deleteOld = try #require(lines.firstIndex(of: "delete chain ip tugboat \(oldEP)"))
        #expect(addNew < flushSvc && flushSvc < flushOld && flushOld < deleteOld)
        #expect(lines.contains("add rule ip tugboat \(newEP) meta l4proto tcp dnat to 10.42.0.6:8080"))
        #expect(ProxyScript.incremental("tugboat", changes: [(new, new)]) == nil, "no change, no transaction")
    }

    @Test("incremental: losing every endpoint swaps the service-ips element for a reject; deleting the service removes everything")
    func endpointsGoneAndServiceDeleted() throws {
        let options = try F.options()
        let old = rules(["10.42.0.5"], options: options)
        let none = rules([], options: options)
        let lines = try #require(ProxyScript.incremental("tugboat", changes: [(old, none)])).split(separator: "\n").map(String.init)
        #expect(lines.first == "delete element ip tugboat service-ips { 10.43.0.20 . tcp . 80 }")
        #expect(lines.contains("add element ip tugboat no-endpoint-services { 10.43.0.20 . tcp . 80 : goto reject-chain }"))
        #expect(lines.filter { $0.hasPrefix("delete chain") }.count == 2)

        let deleted = try #require(ProxyScript.incremental("tugboat", changes: [(none, ServiceRules())])).split(separator: "\n").map(String.init)
        #expect(deleted == ["delete element ip tugboat no-endpoint-services { 10.43.0.20 . tcp . 80 }"])
    }

    @Test("syncer: a key two services claim stays with the first; the second gets it once the first is deleted")
    func keyOwnership() async throws {
        let options = try F.options()
        let runner = RecordingNFTRunner()
        let syncer = ProxyRuleSyncer(options: options, runner: runner, logger: Logger(label: "test"))
        let a = ServiceRuleBuilder.rules(service: F.service("a", clusterIP: "10.43.0.21", externalIPs: ["192.0.2.5"]),
                                         slices: [F.slice("a", endpoints: [.init(ip: "10.42.0.5")])], options: options)
        let b = ServiceRuleBuilder.rules(service: F.service("b", clusterIP: "10.43.0.22", externalIPs: ["192.0.2.5"]),
                                         slices: [F.slice("b", endpoints: [.init(ip: "10.42.0.6")])], options: options)
        try await syncer.syncAll(["default/a": a, "default/b": b], recreate: false)
        var programmed = await syncer.programmedServices
        #expect(programmed["default/a"]?.elements[.serviceIPs]?["192.0.2.5 . tcp . 80"] != nil)
        #expect(programmed["default/b"]?.elements[.serviceIPs]?["192.0.2.5 . tcp . 80"] == nil)
        let retry = try await syncer.syncServices(["default/a": ServiceRules()])
        #expect(retry == ["default/b"])
        _ = try await syncer.syncServices(["default/b": b])
        programmed = await syncer.programmedServices
        #expect(programmed["default/b"]?.elements[.serviceIPs]?["192.0.2.5 . tcp . 80"] != nil)
        #expect(programmed["default/a"] == nil)
        let last = try #require(await runner.scripts.last)
        #expect(last.contains("add element ip tugboat service-ips { 192.0.2.5 . tcp . 80 : goto external-"))
    }

    @Test("syncer: a refused transaction leaves the programmed state as it was")
    func refusedTransaction() async throws {
        let options = try F.options()
        let runner = RecordingNFTRunner()
        let syncer = ProxyRuleSyncer(options: options, runner: runner, logger: Logger(label: "test"))
        let web = rules(["10.42.0.5"], options: options)
        try await syncer.syncAll(["default/web": web], recreate: false)
        await runner.refuseNext()
        await #expect(throws: NFTError.self) { _ = try await syncer.syncServices(["default/web": rules(["10.42.0.6"], options: options)]) }
        #expect(await syncer.programmedServices["default/web"] == web)
    }

    @Test("table listings from nft -j are read for chains and sets")
    func parseListing() throws {
        let json = """
        {"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "ip", "name": "tugboat", "handle": 1}},
         {"map": {"family": "ip", "name": "service-ips", "table": "tugboat", "map": "verdict"}},
         {"set": {"family": "ip", "name": "affinity-X-a/b", "table": "tugboat"}},
         {"chain": {"family": "ip", "table": "tugboat", "name": "service-ABC-ns/svc/tcp/http", "handle": 2}},
         {"rule": {"family": "ip", "table": "tugboat", "chain": "services", "handle": 5}}]}
        """
        let objects = try ProxyRuleSyncer.parseListing(json)
        #expect(objects.chains == ["service-ABC-ns/svc/tcp/http"])
        #expect(objects.sets == ["service-ips", "affinity-X-a/b"])
        #expect(throws: ProxyConfigError.self) { try ProxyRuleSyncer.parseListing("Error: table not found") }
    }
}
