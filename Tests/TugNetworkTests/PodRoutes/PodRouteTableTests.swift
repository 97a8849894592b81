import Logging
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Pod routes between nodes")
struct PodRouteTableTests {
    typealias F = PodRouteFixtures

    func table(_ host: RecordingRouteHost, backend: PodNetworkBackend = .auto) -> PodRouteTable {
        PodRouteTable(nodeName: "a", nodeIP: F.ip("10.99.1.2"), backend: backend, host: host, logger: Logger(label: "test"))
    }

    let nodes = [
        F.node("a", ip: "10.99.1.2", podCIDR: "10.42.0.0/24"),
        F.node("b", ip: "10.99.1.3", podCIDR: "10.42.1.0/24"),
        F.node("c", ip: "10.99.2.2", podCIDR: "10.42.2.0/24"),
    ]

    @Test("auto: a node on a shared link gets a host-gw route, one behind a router VXLAN")
    func autoChoosesPerNode() async throws {
        let host = RecordingRouteHost()
        await host.setOnLink([F.ip("10.99.1.3")])
        let t = table(host)
        #expect(await t.sync(nodes: nodes, full: true))
        let installed = await host.installed
        #expect(installed.count == 2, "no route to our own pod CIDR")
        #expect(installed[F.cidr("10.42.1.0/24")]?.path == .direct)
        #expect(installed[F.cidr("10.42.1.0/24")]?.nodeIP == F.ip("10.99.1.3"))
        #expect(installed[F.cidr("10.42.2.0/24")]?.path == .vxlan)
        #expect(installed[F.cidr("10.42.2.0/24")]?.vxlanGateway == F.ip("10.42.2.0"))
        let device = try #require(await host.device)
        #expect(device.mtu == 1450, "the node interface's MTU less VXLAN's 50 bytes")
        #expect(device.podCIDRAddress == F.ip("10.42.0.0"), "the device holds our pod CIDR's network address")
        #expect(device.localIP == F.ip("10.99.1.2"))
        #expect(device.mac == "0e:74:0a:63:01:02")
    }

    @Test("forced backends: host-gw for every node, or VXLAN for every node")
    func forcedBackends() async throws {
        let direct = RecordingRouteHost()
        #expect(await table(direct, backend: .hostGW).sync(nodes: nodes, full: true))
        #expect(await direct.installed.values.allSatisfy { $0.path == .direct })
        #expect(await direct.device == nil, "no VXLAN device when nothing uses it")

        let vxlan = RecordingRouteHost()
        await vxlan.setOnLink([F.ip("10.99.1.3"), F.ip("10.99.2.2")])
        #expect(await table(vxlan, backend: .vxlan).sync(nodes: nodes, full: true))
        #expect(await vxlan.installed.values.allSatisfy { $0.path == .vxlan })
        #expect(await vxlan.installed.count == 2)
    }

    @Test("a deleted node's route goes; a node's new address replaces its route; unchanged routes are left alone")
    func followsNodeChanges() async throws {
        let host = RecordingRouteHost()
        await host.setOnLink([F.ip("10.99.1.3"), F.ip("10.99.1.4")])
        let t = table(host)
        #expect(await t.sync(nodes: nodes, full: true))
        await host.clearLog()
        var moved = nodes
        moved[1] = F.node("b", ip: "10.99.1.4", podCIDR: "10.42.1.0/24")
        #expect(await t.sync(nodes: moved, full: false))
        #expect(await host.installed[F.cidr("10.42.1.0/24")]?.nodeIP == F.ip("10.99.1.4"))
        let log = await host.log
        #expect(!log.contains { $0.contains("10.42.2.0") }, "node c's route is not touched: \(log)")

        #expect(await t.sync(nodes: [moved[0], moved[2]], full: false))
        #expect(await host.installed[F.cidr("10.42.1.0/24")] == nil)
        #expect(await t.routes.keys.sorted { $0.address < $1.address } == [F.cidr("10.42.2.0/24")])
    }

    @Test("nodes without an address or a pod CIDR yet get no route")
    func incompleteNodes() async throws {
        let host = RecordingRouteHost()
        let t = table(host, backend: .hostGW)
        let partial = [nodes[0], F.node("b", ip: nil, podCIDR: "10.42.1.0/24"), F.node("c", ip: "10.99.2.2", podCIDR: nil)]
        #expect(await t.sync(nodes: partial, full: true))
        #expect(await host.installed.isEmpty)
    }

    @Test("a VXLAN route waits for our own pod CIDR (the device's address)")
    func vxlanWaitsForOwnPodCIDR() async throws {
        let host = RecordingRouteHost()
        let t = table(host, backend: .vxlan)
        let withoutOwn = [F.node("a", ip: "10.99.1.2", podCIDR: nil), nodes[1]]
        #expect(await t.sync(nodes: withoutOwn, full: false) == false, "reported as not done, so it is retried")
        #expect(await host.installed.isEmpty)
        #expect(await t.sync(nodes: nodes, full: true))
        #expect(await host.installed.count == 2)
    }

    @Test("a full sync removes Tugboat routes no node asks for (left from before a restart)")
    func fullSyncRemovesStale() async throws {
        let host = RecordingRouteHost()
        await host.setLeftovers([F.cidr("10.42.9.0/24")])
        let t = table(host, backend: .hostGW)
        #expect(await t.sync(nodes: nodes, full: false))
        #expect(await host.leftovers.count == 1, "an incremental sync does not look for strays")
        #expect(await t.sync(nodes: nodes, full: true))
        #expect(await host.leftovers.isEmpty)
        #expect(await host.installed.count == 2)
    }

    @Test("a route that cannot be installed fails the sync and is installed by a later one")
    func failedInstallIsRetried() async throws {
        let host = RecordingRouteHost()
        await host.setFailing([F.cidr("10.42.1.0/24")])
        let t = table(host, backend: .hostGW)
        #expect(await t.sync(nodes: nodes, full: false) == false)
        #expect(await host.installed.keys.contains(F.cidr("10.42.2.0/24")), "other routes still go in")
        await host.setFailing([])
        #expect(await t.sync(nodes: nodes, full: true))
        #expect(await host.installed.count == 2)
    }

    @Test("removeAll takes every route and the VXLAN device away")
    func removeAll() async throws {
        let host = RecordingRouteHost()
        let t = table(host, backend: .vxlan)
        #expect(await t.sync(nodes: nodes, full: true))
        await t.removeAll()
        #expect(await host.installed.isEmpty)
        #expect(await host.device == nil)
    }

    @Test("a Node's peer: InternalIP first, ExternalIP else; the first IPv4 pod CIDR")
    func peerFromNode() {
        var n = F.node("x", ip: nil, podCIDR: "10.42.3.0/24")
        n.status?.addresses = [.init(type: "ExternalIP", address: "203.0.113.5")]
        #expect(PodNetworkPeer(node: n)?.nodeIP == F.ip("203.0.113.5"))
        n.status?.addresses?.append(.init(type: "InternalIP", address: "10.99.3.3"))
        #expect(PodNetworkPeer(node: n)?.nodeIP == F.ip("10.99.3.3"))
        n.spec?.podCIDRs = ["fd00:42::/64", "10.42.3.0/24"]
        #expect(PodNetworkPeer(node: n)?.podCIDR == F.cidr("10.42.3.0/24"))
    }

    @Test("the masquerade table leaves pod-to-pod traffic alone and rewrites the rest")
    func masqueradeScript() async throws {
        let runner = RecordingNFTRunner()
        let m = try PodMasquerade(clusterCIDR: "10.42.0.0/16", runner: runner)
        #expect(m.script.contains("ip saddr 10.42.0.0/16 ip daddr != 10.42.0.0/16 ip daddr != 224.0.0.0/4 masquerade"))
        #expect(m.script.contains("type nat hook postrouting priority srcnat"))
        #expect(throws: ProxyConfigError.self) { try PodMasquerade(clusterCIDR: "10.42.0.0/33", runner: runner) }
        #expect(throws: ProxyConfigError.self) { try PodMasquerade(clusterCIDR: "10.42.0.0/16", tableName: "x; flush ruleset", runner: runner) }
    }
}
