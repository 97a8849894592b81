#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing
import TugAPI
@testable import TugNetwork

/// The generated rules on real traffic, in network namespaces these tests create and delete:
/// an interface holds "pod" addresses with TCP servers on them, and the proxy's table is
/// applied with `ip netns exec NAME nft -f -`. The host's network is not touched.
@Suite("Service proxy rules on real traffic (root, nft, network namespaces)", .serialized)
struct ProxyNetnsTests {
    typealias F = ProxyFixtures
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let live = getuid() == 0 && ip != nil && (try? NFTables()) != nil

    /// A network namespace with lo up and an interface holding `podIPs` and the default route.
    struct Namespace {
        let name: String

        static func create(podIPs: [String]) async throws -> Namespace {
            let name = "tugpx" + String(UUID().uuidString.prefix(8)).lowercased()
            let ns = Namespace(name: name)
            try await ns.ip(["netns", "add", name])
            do {
                try await ns.ip(["-n", name, "link", "set", "lo", "up"])
                // A veth pair (the dummy module may be missing): pods0 holds the pod addresses.
                try await ns.ip(["-n", name, "link", "add", "pods0", "type", "veth", "peer", "name", "pods1"])
                for a in podIPs { try await ns.ip(["-n", name, "addr", "add", a + "/32", "dev", "pods0"]) }
                try await ns.ip(["-n", name, "link", "set", "pods1", "up"])
                try await ns.ip(["-n", name, "link", "set", "pods0", "up"])
                // Service IPs must be routable for a local client's packets to reach the output hook.
                try await ns.ip(["-n", name, "route", "add", "default", "dev", "pods0"])
            } catch {
                await ns.delete()
                throw error
            }
            return ns
        }

        func ip(_ arguments: [String]) async throws {
            let result = try await ProxyCommand.run(ProxyNetnsTests.ip!, arguments)
            guard result.succeeded else { throw NetnsTCP.Failure(description: "ip \(arguments.joined(separator: " ")): \(result.errorOutput)") }
        }

        func delete() async { _ = try? await ProxyCommand.run(ProxyNetnsTests.ip!, ["netns", "del", name]) }

        func nftList() async throws -> String {
            try await NFTables(networkNamespace: name).run(["list", "table", "ip", "tugboat"]).output
        }
    }

    /// Runs `body` with a fresh namespace, servers on the given pod addresses (each answers with
    /// its own address) and a syncer driving nft inside the namespace; deletes it all after.
    func withNamespace(pods: [String], nodeIPs: [String] = ["127.0.0.1"],
                       _ body: (Namespace, ProxyRuleSyncer, ProxyOptions) async throws -> Void) async throws {
        let ns = try await Namespace.create(podIPs: pods)
        var servers: [NetnsTCP.Server] = []
        do {
            for pod in pods { servers.append(try NetnsTCP.Server(netns: ns.name, ip: pod, port: 8080, message: pod)) }
            let runner = try NFTables(networkNamespace: ns.name)
            let options = try F.options(nodeIPs: nodeIPs)
            try await runner.enableRouteLocalnet()
            let syncer = ProxyRuleSyncer(options: options, runner: runner, logger: Logger(label: "test"))
            try await body(ns, syncer, options)
            try await syncer.deleteTable()
            #expect(try await runner.listTable("tugboat") == nil, "cleanup deletes the table")
        } catch {
            Issue.record(error)
        }
        for s in servers { s.stop() }
        await ns.delete()
    }

    func nodePortService(_ name: String, clusterIP: String, nodePort: Int, affinity: Int? = nil) -> CoreV1.Service {
        F.service(name, clusterIP: clusterIP, type: "NodePort",
                  ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: nodePort)], affinityTimeout: affinity)
    }

    @Test("ClusterIP and a NodePort on 127.0.0.1 reach the pod; no endpoints is refused at once; an endpoint swap takes effect",
          .enabled(if: live, "needs root, nft and iproute2"), .timeLimit(.minutes(2)))
    func clusterIPNodePortRejectAndSwap() async throws {
        try await withNamespace(pods: ["10.42.0.5", "10.42.0.6"]) { ns, syncer, options in
            let web = nodePortService("web", clusterIP: "10.43.0.20", nodePort: 30080)
            let empty = nodePortService("empty", clusterIP: "10.43.0.21", nodePort: 30081)
            let rules = ServiceRuleBuilder.rules(service: web, slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5")])], options: options)
            let none = ServiceRuleBuilder.rules(service: empty, slices: [], options: options)
            try await syncer.syncAll(["default/web": rules, "default/empty": none], recreate: false)

            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 80) == .reply("10.42.0.5"), "ClusterIP")
            #expect(try await NetnsTCP.request(netns: ns.name, "127.0.0.1", 30080) == .reply("10.42.0.5"), "localhost NodePort")
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.21", 80) == .refused, "ClusterIP without endpoints")
            #expect(try await NetnsTCP.request(netns: ns.name, "127.0.0.1", 30081) == .refused, "NodePort without endpoints")
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 81, timeout: 1) != .reply("10.42.0.5"), "an undefined port is not forwarded")

            // Incremental: swap the endpoint.
            let swapped = ServiceRuleBuilder.rules(service: web, slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.6")])], options: options)
            _ = try await syncer.syncServices(["default/web": swapped])
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 80) == .reply("10.42.0.6"))
            #expect(try await NetnsTCP.request(netns: ns.name, "127.0.0.1", 30080) == .reply("10.42.0.6"))
            let listing = try await ns.nftList()
            #expect(!listing.contains("10.42.0.5"), "the old endpoint's chain is gone")

            // Endpoints appear for the empty service: the reject goes, traffic flows.
            let filled = ServiceRuleBuilder.rules(service: empty, slices: [F.slice("empty", endpoints: [.init(ip: "10.42.0.5")])], options: options)
            _ = try await syncer.syncServices(["default/empty": filled])
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.21", 80) == .reply("10.42.0.5"))

            // Deleted: connections to the ClusterIP are no longer forwarded.
            _ = try await syncer.syncServices(["default/empty": ServiceRules()])
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.21", 80, timeout: 1) != .reply("10.42.0.5"))
        }
    }

    @Test("loadBalancerSourceRanges lets listed sources reach the load-balancer IP and drops the rest",
          .enabled(if: live, "needs root, nft and iproute2"), .timeLimit(.minutes(2)))
    func loadBalancerSourceRanges() async throws {
        try await withNamespace(pods: ["10.42.0.5"]) { ns, syncer, options in
            // The client here is the namespace itself, whose packets leave from 10.42.0.5.
            func lb(_ ranges: [String]) -> ServiceRules {
                var svc = F.service("lb", clusterIP: "10.43.0.30", type: "LoadBalancer",
                                    ports: [.init(name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30090)],
                                    lbIngress: ["198.51.100.7"])
                svc.spec?.loadBalancerSourceRanges = ranges
                return ServiceRuleBuilder.rules(service: svc, slices: [F.slice("lb", endpoints: [.init(ip: "10.42.0.5")])], options: options)
            }
            try await syncer.syncAll(["default/lb": lb(["10.42.0.0/16"])], recreate: false)
            #expect(try await NetnsTCP.request(netns: ns.name, "198.51.100.7", 80) == .reply("10.42.0.5"), "a listed source gets through")
            _ = try await syncer.syncServices(["default/lb": lb(["203.0.113.0/24"])])
            #expect(try await NetnsTCP.request(netns: ns.name, "198.51.100.7", 80, timeout: 1) == .timedOut, "others are dropped")
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.30", 80) == .reply("10.42.0.5"), "the ClusterIP is not firewalled")
            _ = try await syncer.syncServices(["default/lb": lb([])])
            #expect(try await NetnsTCP.request(netns: ns.name, "198.51.100.7", 80) == .reply("10.42.0.5"), "no ranges: open to all")
        }
    }

    @Test("sessionAffinity ClientIP keeps one client on one endpoint; without it both endpoints get traffic",
          .enabled(if: live, "needs root, nft and iproute2"), .timeLimit(.minutes(2)))
    func affinityAndBalancing() async throws {
        try await withNamespace(pods: ["10.42.0.5", "10.42.0.6"]) { ns, syncer, options in
            let slices = [F.slice("web", endpoints: [.init(ip: "10.42.0.5"), .init(ip: "10.42.0.6")])]
            let sticky = ServiceRuleBuilder.rules(service: F.service("web", clusterIP: "10.43.0.20", affinityTimeout: 600), slices: slices, options: options)
            try await syncer.syncAll(["default/web": sticky], recreate: false)
            var seen = Set<NetnsTCP.Outcome>()
            for _ in 0..<12 { seen.insert(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 80)) }
            #expect(seen.count == 1, "one client, one endpoint: \(seen)")

            let spread = ServiceRuleBuilder.rules(service: F.service("web", clusterIP: "10.43.0.20"), slices: slices, options: options)
            _ = try await syncer.syncServices(["default/web": spread])
            seen = []
            // Random choice: both show up long before 200 tries (a miss has probability 2^-199).
            for _ in 0..<200 where seen.count < 2 { seen.insert(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 80)) }
            #expect(seen == [.reply("10.42.0.5"), .reply("10.42.0.6")])
        }
    }

    @Test("a full resync removes chains left by services deleted while the proxy was away, and recreate starts afresh",
          .enabled(if: live, "needs root, nft and iproute2"), .timeLimit(.minutes(2)))
    func fullResyncRemovesLeftovers() async throws {
        try await withNamespace(pods: ["10.42.0.5"]) { ns, syncer, options in
            let gone = ServiceRuleBuilder.rules(service: F.service("gone", clusterIP: "10.43.0.30", affinityTimeout: 60),
                                                slices: [F.slice("gone", endpoints: [.init(ip: "10.42.0.5")])], options: options)
            try await syncer.syncAll(["default/gone": gone], recreate: false)
            #expect(try await ns.nftList().contains("default/gone"))
            // A new proxy (fresh state) syncs a cluster without that service.
            let fresh = ProxyRuleSyncer(options: options, runner: try NFTables(networkNamespace: ns.name), logger: Logger(label: "test"))
            let web = ServiceRuleBuilder.rules(service: F.service("web", clusterIP: "10.43.0.20"),
                                               slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5")])], options: options)
            try await fresh.syncAll(["default/web": web], recreate: false)
            let listing = try await ns.nftList()
            #expect(!listing.contains("default/gone"))
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 80) == .reply("10.42.0.5"))
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.30", 80, timeout: 1) != .reply("10.42.0.5"))
            try await fresh.syncAll(["default/web": web], recreate: true)
            #expect(try await NetnsTCP.request(netns: ns.name, "10.43.0.20", 80) == .reply("10.42.0.5"))
            #expect(await NFTables.isAvailable(networkNamespace: ns.name))
        }
    }

    @Test("a pod in its own namespace: the node reaches it on the ClusterIP and on 127.0.0.1 (route_localnet, masquerade); the pod reaches itself through its service (hairpin)",
          .enabled(if: live, "needs root, nft and iproute2"), .timeLimit(.minutes(2)))
    func podBehindVeth() async throws {
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let node = Namespace(name: "tugpxn" + suffix), pod = Namespace(name: "tugpxp" + suffix)
        var server: NetnsTCP.Server?
        do {
            try await node.ip(["netns", "add", node.name])
            try await pod.ip(["netns", "add", pod.name])
            try await node.ip(["link", "add", "pods0", "netns", node.name, "type", "veth", "peer", "name", "eth0", "netns", pod.name])
            for (ns, args) in [(node, ["link", "set", "lo", "up"]), (node, ["addr", "add", "10.42.0.1/24", "dev", "pods0"]),
                               (node, ["link", "set", "pods0", "up"]), (node, ["route", "add", "default", "dev", "pods0"]),
                               (pod, ["link", "set", "lo", "up"]), (pod, ["addr", "add", "10.42.0.5/24", "dev", "eth0"]),
                               (pod, ["link", "set", "eth0", "up"]), (pod, ["route", "add", "default", "via", "10.42.0.1"])] {
                try await ns.ip(["-n", ns.name] + args)
            }
            let forward = try await ProxyCommand.run(Self.ip!, ["netns", "exec", node.name, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"])
            #expect(forward.succeeded)
            server = try NetnsTCP.Server(netns: pod.name, ip: "10.42.0.5", port: 8080, message: "10.42.0.5", echoPeer: true)

            let runner = try NFTables(networkNamespace: node.name)
            let options = try F.options(nodeIPs: ["127.0.0.1", "10.42.0.1"])
            try await runner.enableRouteLocalnet()
            let syncer = ProxyRuleSyncer(options: options, runner: runner, logger: Logger(label: "test"))
            let web = ServiceRuleBuilder.rules(service: nodePortService("web", clusterIP: "10.43.0.20", nodePort: 30080),
                                               slices: [F.slice("web", endpoints: [.init(ip: "10.42.0.5")])], options: options)
            try await syncer.syncAll(["default/web": web], recreate: false)

            // From the node (not in the cluster CIDR): masqueraded to the node's address on the pod link.
            #expect(try await NetnsTCP.request(netns: node.name, "10.43.0.20", 80) == .reply("10.42.0.5 from 10.42.0.1"))
            #expect(try await NetnsTCP.request(netns: node.name, "127.0.0.1", 30080) == .reply("10.42.0.5 from 10.42.0.1"))
            #expect(try await NetnsTCP.request(netns: node.name, "10.42.0.1", 30080) == .reply("10.42.0.5 from 10.42.0.1"))
            // The pod reaching its own service: DNATed back to itself, masqueraded so the answer returns through the node.
            #expect(try await NetnsTCP.request(netns: pod.name, "10.43.0.20", 80) == .reply("10.42.0.5 from 10.42.0.1"))
            try await syncer.deleteTable()
        } catch {
            Issue.record(error)
        }
        server?.stop()
        await pod.delete()
        await node.delete()
    }
}
