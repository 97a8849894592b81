import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TugNetwork

@Suite("CNI conflist")
struct CNIConfigTests {
    private func parse(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("renders bridge tug0 with host-local IPAM on the pod CIDR, then portmap; no loopback (CRI adds it)")
    func rendersConflist() throws {
        let list = try parse(try CNIConfig(podCIDR: "10.42.3.0/24").render())
        #expect(list["cniVersion"] as? String == "1.0.0")
        #expect(list["name"] as? String == "tugboat")
        let plugins = try #require(list["plugins"] as? [[String: Any]])
        #expect(plugins.map { $0["type"] as? String } == ["bridge", "portmap"])

        let bridge = plugins[0]
        #expect(bridge["bridge"] as? String == "tug0")
        #expect(bridge["isGateway"] as? Bool == true)
        #expect(bridge["ipMasq"] as? Bool == true)
        #expect(bridge["hairpinMode"] as? Bool == true)
        let ipam = try #require(bridge["ipam"] as? [String: Any])
        #expect(ipam["type"] as? String == "host-local")
        let ranges = try #require(ipam["ranges"] as? [[[String: String]]])
        #expect(ranges == [[["subnet": "10.42.3.0/24", "gateway": "10.42.3.1"]]])
        #expect((ipam["routes"] as? [[String: String]]) == [["dst": "0.0.0.0/0"]])
        #expect(ipam["dataDir"] == nil)

        #expect((plugins[1]["capabilities"] as? [String: Bool]) == ["portMappings": true])
    }

    @Test("a node whose pod network masquerades itself turns the bridge's off; IPAM records can live under the node's data dir")
    func noBridgeMasquerade() throws {
        let list = try parse(try CNIConfig(podCIDR: "10.42.3.0/24", ipamDataDirectory: "/var/lib/tug/cni-ipam", ipMasq: false).render())
        let bridge = try #require((list["plugins"] as? [[String: Any]])?.first)
        #expect(bridge["ipMasq"] as? Bool == false)
        #expect((bridge["ipam"] as? [String: Any])?["dataDir"] as? String == "/var/lib/tug/cni-ipam")
    }

    @Test("IPv6 pod CIDRs get an IPv6 gateway and default route")
    func ipv6() throws {
        let cidr = try PodCIDR("fd00:42:0:7::/64")
        #expect(cidr.family == .ipv6)
        #expect(cidr.gateway == "fd00:42:0:7::1")
        #expect(cidr.defaultRoute == "::/0")
        #expect(cidr.description == "fd00:42:0:7::/64")
    }

    @Test("a bad pod CIDR is refused with a message saying what is wrong", arguments: [
        ("10.42.1.0", "must be ADDRESS/PREFIX"),
        ("10.42.1.5/24", "has host bits set; the network is 10.42.1.0/24"),
        ("10.42.300.0/24", "is not an IPv4 or IPv6 address"),
        ("10.42.1.0/31", "must be a number from 1 to 30"),
        ("10.42.1.0/x", "must be a number from 1 to 30"),
        ("fd00::/127", "from 1 to 126"),
        ("", "must be ADDRESS/PREFIX"),
    ])
    func refusesBadCIDR(input: String, message: String) {
        #expect {
            try CNIConfig(podCIDR: input)
        } throws: { error in
            (error as? CNIConfigError)?.message.contains(message) == true
        }
    }

    @Test("bad bridge names, versions and MTUs are refused")
    func refusesBadSettings() {
        #expect(throws: CNIConfigError.self) { try CNIConfig(podCIDR: "10.42.0.0/24", bridgeName: "a-very-long-bridge-name") }
        #expect(throws: CNIConfigError.self) { try CNIConfig(podCIDR: "10.42.0.0/24", bridgeName: "br/0") }
        #expect(throws: CNIConfigError.self) { try CNIConfig(podCIDR: "10.42.0.0/24", cniVersion: "2.0.0") }
        #expect(throws: CNIConfigError.self) { try CNIConfig(podCIDR: "10.42.0.0/24", mtu: 100) }
        #expect(throws: CNIConfigError.self) { try CNIConfig(podCIDR: "10.42.0.0/24", ipamDataDirectory: "relative") }
    }

    @Test("write() replaces the conflist atomically in the conf dir and leaves no temporary files")
    func writesAtomically() throws {
        let dir = NSTemporaryDirectory() + "tugcni-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try CNIConfig(podCIDR: "10.42.1.0/24").write(toDirectory: dir + "/net.d")
        #expect(first == dir + "/net.d/10-tugboat.conflist")
        let second = try CNIConfig(podCIDR: "10.42.2.0/24", ipamDataDirectory: "/var/lib/tug/ipam").write(toDirectory: dir + "/net.d")
        #expect(second == first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/net.d") == ["10-tugboat.conflist"])
        let list = try parse(try Data(contentsOf: URL(fileURLWithPath: second)))
        let ipam = (list["plugins"] as? [[String: Any]])?.first?["ipam"] as? [String: Any]
        #expect((ipam?["ranges"] as? [[[String: String]]])?.first?.first?["subnet"] == "10.42.2.0/24")
        #expect(ipam?["dataDir"] as? String == "/var/lib/tug/ipam")
        #expect(throws: CNIConfigError.self) { try CNIConfig(podCIDR: "10.42.1.0/24").write(toDirectory: dir, fileName: "x.json") }
    }
}
