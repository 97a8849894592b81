#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing
import TugAPI
@testable import TugNetwork

/// Pod routes in the real kernel: two "nodes" as network namespaces, each with a bridge holding
/// its pod CIDR's gateway and a TCP server there; traffic from one node's namespace reaches the
/// other's pod network only through the routes the table installs. The host is not touched.
@Suite("Pod routes on real traffic (root, iproute2, network namespaces)", .serialized)
struct PodRoutesNetnsTests {
    typealias F = PodRouteFixtures
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let live = getuid() == 0 && ip != nil && (try? IPRouteHost()) != nil

    final class Lab: Sendable {
        let prefix = "tugpr" + String(UUID().uuidString.prefix(6)).lowercased()
        var a: String { prefix + "a" }
        var b: String { prefix + "b" }
        var router: String { prefix + "r" }

        func ip(_ arguments: [String]) async throws {
            let result = try await ProxyCommand.run(PodRoutesNetnsTests.ip!, arguments)
            guard result.succeeded else { throw PodRouteError("ip \(arguments.joined(separator: " ")): \(result.errorOutput)") }
        }

        func node(_ ns: String, podGateway: String) async throws {
            try await ip(["netns", "add", ns])
            try await ip(["-n", ns, "link", "set", "lo", "up"])
            try await ip(["-n", ns, "link", "add", "tug0", "type", "bridge"])
            try await ip(["-n", ns, "addr", "add", podGateway + "/24", "dev", "tug0"])
            try await ip(["-n", ns, "link", "set", "tug0", "up"])
        }

        /// A veth between two namespaces, each end with its address.
        func link(_ left: String, _ leftIP: String, _ right: String, _ rightIP: String, name: String) async throws {
            try await ip(["link", "add", name + "l", "netns", left, "type", "veth", "peer", "name", name + "r", "netns", right])
            try await ip(["-n", left, "addr", "add", leftIP, "dev", name + "l"])
            try await ip(["-n", right, "addr", "add", rightIP, "dev", name + "r"])
            try await ip(["-n", left, "link", "set", name + "l", "up"])
            try await ip(["-n", right, "link", "set", name + "r", "up"])
        }

        func delete() async {
            for ns in [a, b, router] { _ = try? await ProxyCommand.run(PodRoutesNetnsTests.ip!, ["netns", "del", ns]) }
        }
    }

    /// Runs `body` with nodes a (pods 10.42.0.0/24) and b (10.42.1.0/24): on one link, or in two
    /// subnets joined by a router namespace.
    func withLab(routed: Bool, _ body: (Lab, [CoreV1.Node]) async throws -> Void) async {
        let lab = Lab()
        var servers: [NetnsTCP.Server] = []
        do {
            try await lab.node(lab.a, podGateway: "10.42.0.1")
            try await lab.node(lab.b, podGateway: "10.42.1.1")
            let aIP: String, bIP: String
            if routed {
                aIP = "10.97.1.2"; bIP = "10.97.2.2"
                try await lab.ip(["netns", "add", lab.router])
                try await lab.link(lab.a, "10.97.1.2/24", lab.router, "10.97.1.1/24", name: "ra")
                try await lab.link(lab.b, "10.97.2.2/24", lab.router, "10.97.2.1/24", name: "rb")
                try await lab.ip(["-n", lab.a, "route", "add", "default", "via", "10.97.1.1"])
                try await lab.ip(["-n", lab.b, "route", "add", "default", "via", "10.97.2.1"])
                let forward = try await ProxyCommand.run(Self.ip!, ["netns", "exec", lab.router, "sh", "-c",
                                                                    "echo 1 > /proc/sys/net/ipv4/ip_forward"])
                #expect(forward.succeeded)
            } else {
                aIP = "10.97.1.2"; bIP = "10.97.1.3"
                try await lab.link(lab.a, "10.97.1.2/24", lab.b, "10.97.1.3/24", name: "ab")
            }
            servers.append(try NetnsTCP.Server(netns: lab.b, ip: "10.42.1.1", port: 8080, message: "pods of b"))
            servers.append(try NetnsTCP.Server(netns: lab.a, ip: "10.42.0.1", port: 8080, message: "pods of a"))
            let nodes = [F.node("a", ip: aIP, podCIDR: "10.42.0.0/24"), F.node("b", ip: bIP, podCIDR: "10.42.1.0/24")]
            #expect(try await NetnsTCP.request(netns: lab.a, "10.42.1.1", 8080, timeout: 1) != .reply("pods of b"),
                    "no route before the table syncs")
            try await body(lab, nodes)
        } catch {
            Issue.record(error)
        }
        for s in servers { s.stop() }
        await lab.delete()
    }

    func tables(_ lab: Lab, _ nodes: [CoreV1.Node], backend: PodNetworkBackend) throws -> (PodRouteTable, PodRouteTable) {
        let log = Logger(label: "test")
        return (PodRouteTable(nodeName: "a", nodeIP: PodNetworkPeer(node: nodes[0])!.nodeIP, backend: backend,
                              host: try IPRouteHost(namespace: lab.a), logger: log),
                PodRouteTable(nodeName: "b", nodeIP: PodNetworkPeer(node: nodes[1])!.nodeIP, backend: backend,
                              host: try IPRouteHost(namespace: lab.b), logger: log))
    }

    @Test("nodes on one link: auto installs host-gw routes and the pod networks reach each other",
          .enabled(if: live, "needs root and iproute2"))
    func hostGateway() async {
        await withLab(routed: false) { lab, nodes in
            let (a, b) = try tables(lab, nodes, backend: .auto)
            #expect(await a.sync(nodes: nodes, full: true))
            #expect(await b.sync(nodes: nodes, full: true))
            #expect(await a.routes.values.map(\.path) == [.direct])
            #expect(try await NetnsTCP.request(netns: lab.a, "10.42.1.1", 8080) == .reply("pods of b"))
            #expect(try await NetnsTCP.request(netns: lab.b, "10.42.0.1", 8080) == .reply("pods of a"))
            #expect(try await IPRouteHost(namespace: lab.a).installedDestinations() == [F.cidr("10.42.1.0/24")])

            // b leaves: a's route to it goes.
            #expect(await a.sync(nodes: [nodes[0]], full: false))
            #expect(try await IPRouteHost(namespace: lab.a).installedDestinations().isEmpty)
        }
    }

    @Test("nodes behind a router: auto chooses VXLAN and the pod networks reach each other through it",
          .enabled(if: live, "needs root and iproute2"))
    func vxlanThroughRouter() async {
        await withLab(routed: true) { lab, nodes in
            let (a, b) = try tables(lab, nodes, backend: .auto)
            #expect(await a.sync(nodes: nodes, full: true))
            #expect(await b.sync(nodes: nodes, full: true))
            #expect(await a.routes.values.map(\.path) == [.vxlan])
            #expect(try await NetnsTCP.request(netns: lab.a, "10.42.1.1", 8080) == .reply("pods of b"))
            #expect(try await NetnsTCP.request(netns: lab.b, "10.42.0.1", 8080) == .reply("pods of a"))

            // A full sync again changes nothing that works, and a restarted table finds its device as it left it.
            #expect(await a.sync(nodes: nodes, full: true))
            let (again, _) = try tables(lab, nodes, backend: .auto)
            #expect(await again.sync(nodes: nodes, full: true))
            #expect(try await NetnsTCP.request(netns: lab.a, "10.42.1.1", 8080) == .reply("pods of b"))

            await again.removeAll()
            let links = try await ProxyCommand.run(Self.ip!, ["-n", lab.a, "link", "show"])
            #expect(!links.output.contains(VXLANDevice.defaultName), "the device is gone")
            #expect(try await NetnsTCP.request(netns: lab.a, "10.42.1.1", 8080, timeout: 1) != .reply("pods of b"))
        }
    }

    @Test("the masquerade table applies in nft and is removed", .enabled(if: live && (try? NFTables()) != nil, "needs root and nft"))
    func masqueradeInKernel() async {
        await withLab(routed: false) { lab, _ in
            let runner = try NFTables(networkNamespace: lab.a)
            let m = try PodMasquerade(clusterCIDR: "10.42.0.0/16", runner: runner)
            try await m.apply()
            try await m.apply()
            #expect(try await runner.listTable(PodMasquerade.defaultTableName) != nil)
            try await m.remove()
            #expect(try await runner.listTable(PodMasquerade.defaultTableName) == nil)
        }
    }
}
