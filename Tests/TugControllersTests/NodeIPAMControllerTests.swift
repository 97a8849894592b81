import Foundation
import Logging
import Testing
import TugAPI
import TugClient
@testable import TugControllers

@Suite("Node IPAM")
struct NodeIPAMControllerTests {
    @Test("CIDR parsing masks the address and refuses anything that is not IPv4 CIDR notation")
    func parsing() {
        #expect(IPv4Network("10.42.7.9/16")?.description == "10.42.0.0/16")
        #expect(IPv4Network("0.0.0.0/0")?.description == "0.0.0.0/0")
        for bad in ["10.42.0.0", "10.42.0/16", "10.42.0.0/33", "10.42.0.256/16", "fd00::/64", "10.042.0.0/16", ""] {
            #expect(IPv4Network(bad) == nil, "\(bad) should not parse")
        }
    }

    @Test("subnets are handed out in order, never twice, and a released one comes back after the others")
    func allocation() throws {
        var set = try CIDRSet(cluster: #require(IPv4Network("10.42.0.0/22")), subnetPrefix: 24)
        #expect(set.capacity == 4)
        #expect(set.occupy(try #require(IPv4Network("10.42.1.0/24"))))
        #expect(!set.occupy(try #require(IPv4Network("10.43.0.0/24"))), "outside the cluster CIDR")
        #expect(!set.occupy(try #require(IPv4Network("10.42.0.0/25"))), "not a node-sized subnet")
        let first = set.allocate(), second = set.allocate(), third = set.allocate()
        #expect([first, second, third].map { $0?.description } == ["10.42.0.0/24", "10.42.2.0/24", "10.42.3.0/24"])
        #expect(set.allocate() == nil)
        set.release(try #require(second))
        #expect(set.allocate()?.description == "10.42.2.0/24")
        #expect(set.usedCount == 4)
    }

    @Test("bad flags are refused with a message saying what is wrong")
    func validation() {
        #expect(throws: (any Error).self) { try NodeIPAMController.validate(clusterCIDR: "10.42.0.0", nodeMaskSize: 24) }
        #expect(throws: (any Error).self) { try NodeIPAMController.validate(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 12) }
        #expect(throws: (any Error).self) { try NodeIPAMController.validate(clusterCIDR: "10.0.0.0/8", nodeMaskSize: 30) }
        #expect(throws: Never.self) { try NodeIPAMController.validate(clusterCIDR: "10.42.0.0/16", nodeMaskSize: 24) }
    }

    @Test("each node gets its own subnet, a node's own is kept, exhaustion is an Event, and a deleted node's subnet is reused")
    func nodesGetSubnets() async throws {
        let cluster = try await ControllerTestCluster.start(podNetwork: .init(clusterCIDR: "10.42.0.0/22", nodeMaskSize: 24))
        defer { cluster.stop() }
        let client = cluster.client
        var preset = CoreV1.Node(metadata: MetaV1.ObjectMeta(name: "preset"))
        preset.spec = CoreV1.NodeSpec(podCIDR: "10.42.0.0/24", podCIDRs: ["10.42.0.0/24"])
        _ = try await client.create(preset)
        for name in ["a", "b", "c"] { try await cluster.node(name) }

        func cidrs() async throws -> [String: String] {
            var result: [String: String] = [:]
            for node in try await client.list(CoreV1.Node.self).items { result[node.metadata.name ?? ""] = node.spec?.podCIDR ?? "" }
            return result
        }
        try await cluster.eventually("three nodes get subnets") { try await cidrs().values.filter { !$0.isEmpty }.count == 4 }
        let given = try await cidrs()
        #expect(given["preset"] == "10.42.0.0/24")
        #expect(Set(given.values) == ["10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24", "10.42.3.0/24"])
        let a = try await client.get(CoreV1.Node.self, name: "a")
        #expect(a.spec?.podCIDRs == [a.spec?.podCIDR ?? "?"])

        try await cluster.node("late")
        try await cluster.eventually("an Event says no subnet is left") {
            try await client.list(CoreV1.Event.self, namespace: "default").items.contains {
                $0.involvedObject?.name == "late" && $0.reason == "CIDRNotAvailable"
            }
        }
        #expect(try await cidrs()["late"] == "")

        let freed = try #require(given["b"])
        try await client.delete(CoreV1.Node.self, name: "b")
        try await cluster.eventually("the late node gets the deleted node's subnet") { try await cidrs()["late"] == freed }
    }
}
