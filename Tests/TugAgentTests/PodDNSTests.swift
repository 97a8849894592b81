import Testing
import TugAPI
@testable import TugAgent

/// Pod resolv.conf settings per dnsPolicy and dnsConfig, as kubelet forms them.
struct PodDNSTests {
    let host = ResolvConf(parsing: """
        # written by the installer
        nameserver 192.0.2.53
        nameserver 192.0.2.54
        search corp.example lab.example
        options edns0 timeout:2
        """)

    func pod(_ policy: String? = nil, hostNetwork: Bool = false, dnsConfig: CoreV1.PodDNSConfig? = nil) -> CoreV1.Pod {
        var pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "web", namespace: "shop", uid: "u1"))
        var spec = CoreV1.PodSpec()
        spec.dnsPolicy = policy
        spec.hostNetwork = hostNetwork
        spec.dnsConfig = dnsConfig
        pod.spec = spec
        return pod
    }

    @Test func parsesTheNodeResolvConf() {
        #expect(host.nameservers == ["192.0.2.53", "192.0.2.54"])
        #expect(host.searches == ["corp.example", "lab.example"])
        #expect(host.options == ["edns0", "timeout:2"])
    }

    @Test func clusterFirstPointsAtClusterDNSWithTheNamespaceSearchPath() throws {
        let dns = PodDNS(clusterDNS: ["10.43.0.10"], host: host)
        let (config, warnings) = dns.config(for: pod())
        let c = try #require(config)
        #expect(c.servers == ["10.43.0.10"])
        #expect(c.searches == ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"])
        #expect(c.options == ["ndots:5"])
        #expect(warnings.isEmpty)
    }

    @Test func hostNetworkPodsUseTheNodeUnlessTheyAskForClusterDNS() throws {
        let dns = PodDNS(clusterDNS: ["10.43.0.10"], host: host)
        #expect(dns.config(for: pod("ClusterFirst", hostNetwork: true)).config == nil)
        let withHostNet = try #require(dns.config(for: pod("ClusterFirstWithHostNet", hostNetwork: true)).config)
        #expect(withHostNet.servers == ["10.43.0.10"])
    }

    @Test func defaultCopiesTheNode() throws {
        let c = try #require(PodDNS(clusterDNS: ["10.43.0.10"], host: host).config(for: pod("Default")).config)
        #expect(c.servers == host.nameservers && c.searches == host.searches && c.options == host.options)
    }

    @Test func noneTakesOnlyDNSConfigAndOptionsOverrideByName() throws {
        let extra = CoreV1.PodDNSConfig(nameservers: ["1.2.3.4"], searches: ["ns1.svc.cluster-domain.example"],
                                        options: [CoreV1.PodDNSConfigOption(name: "ndots", value: "2"), CoreV1.PodDNSConfigOption(name: "edns0")])
        let dns = PodDNS(clusterDNS: ["10.43.0.10"], host: host)
        let none = try #require(dns.config(for: pod("None", dnsConfig: extra)).config)
        #expect(none.servers == ["1.2.3.4"])
        #expect(none.searches == ["ns1.svc.cluster-domain.example"])
        #expect(none.options == ["ndots:2", "edns0"])
        let merged = try #require(dns.config(for: pod("ClusterFirst", dnsConfig: extra)).config)
        #expect(merged.servers == ["10.43.0.10", "1.2.3.4"])
        #expect(merged.options == ["ndots:2", "edns0"], "ndots:2 replaces the default ndots:5")
        #expect(merged.searches.last == "ns1.svc.cluster-domain.example")
    }

    @Test func withoutClusterDNSClusterFirstFallsBackToDefaultWithAWarning() throws {
        let (config, warnings) = PodDNS(clusterDNS: [], host: host).config(for: pod())
        #expect(config?.servers == host.nameservers)
        #expect(warnings.count == 1 && warnings[0].contains("Falling back to \"Default\" policy"))
    }

    @Test func overLongListsAreCutWithWarnings() throws {
        let many = CoreV1.PodDNSConfig(nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3"], searches: (0..<40).map { "s\($0).example" })
        let (config, warnings) = PodDNS(clusterDNS: ["10.43.0.10"], host: host).config(for: pod(dnsConfig: many))
        let c = try #require(config)
        #expect(c.servers == ["10.43.0.10", "1.1.1.1", "2.2.2.2"])
        #expect(c.searches.count == 32)
        #expect(warnings.contains { $0.hasPrefix("Nameserver limits were exceeded") })
        #expect(warnings.contains { $0.hasPrefix("Search Line limits were exceeded") })
    }
}

