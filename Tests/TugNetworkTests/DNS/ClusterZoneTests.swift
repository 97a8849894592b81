import Testing
import TugAPI
@testable import TugNetwork

@Suite("Cluster DNS zone")
struct ClusterZoneTests {
    typealias F = DNSFixtures

    func zone(_ build: (inout ClusterZoneBuilder) -> Void) throws -> ClusterZone {
        var b = try ClusterZoneBuilder()
        build(&b)
        return b.snapshot()
    }

    @Test("ClusterIP service: A, AAAA for dual stack, SRV for named ports, SRV at the service name, PTR")
    func clusterIP() throws {
        let z = try zone { b in
            b.apply(service: F.service("web", clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20", "fd00:43::20"],
                                       ports: [CoreV1.ServicePort(name: "http", protocol: "TCP", port: 80), CoreV1.ServicePort(name: "dns", protocol: "UDP", port: 53)]))
        }
        let a = try z.answer("web.default.svc.cluster.local", .a)
        #expect(a.responseCode == .noError && a.answers.addresses == ["10.43.0.20"] && a.authorities.isEmpty)
        #expect(a.answers.first?.ttl == 5)
        // Case does not matter.
        #expect(try z.answer("WEB.Default.SVC.cluster.LOCAL", .a).answers.addresses == ["10.43.0.20"])
        #expect(try z.answer("web.default.svc.cluster.local", .aaaa).answers.addresses == ["fd00:43::20"])
        let srv = try z.answer("_http._tcp.web.default.svc.cluster.local", .srv)
        #expect(srv.answers.services == ["0 100 80 web.default.svc.cluster.local."])
        #expect(srv.additionals.addresses == ["10.43.0.20", "fd00:43::20"])
        #expect(try z.answer("_dns._udp.web.default.svc.cluster.local", .srv).answers.services == ["0 100 53 web.default.svc.cluster.local."])
        #expect(try z.answer("web.default.svc.cluster.local", .srv).answers.services
                == ["0 50 53 web.default.svc.cluster.local.", "0 50 80 web.default.svc.cluster.local."])
        #expect(try z.answer("20.0.43.10.in-addr.arpa", .ptr).answers.targets == ["web.default.svc.cluster.local."])
        let v6 = DNSAddress.reverseName(DNSAddress.parse("fd00:43::20")!).description
        #expect(try z.answer(v6, .ptr).answers.targets == ["web.default.svc.cluster.local."])
    }

    @Test("NXDOMAIN and NODATA both carry the zone's SOA; empty non-terminals are NODATA")
    func negativeAnswers() throws {
        let z = try zone { b in b.apply(service: F.service("web")) }
        let missing = try z.answer("nope.default.svc.cluster.local", .a)
        #expect(missing.responseCode == .nameError && missing.answers.isEmpty)
        let soa = try #require(missing.authorities.first)
        guard case .soa(let fields) = soa.data else { Issue.record("not an SOA"); return }
        #expect(soa.name == F.name("cluster.local") && fields.primary == F.name("ns.dns.cluster.local") && fields.mailbox == F.name("hostmaster.cluster.local"))
        #expect(fields.refresh == 7200 && fields.retry == 1800 && fields.expire == 86400 && fields.minimum == 5)

        let nodata = try z.answer("web.default.svc.cluster.local", .aaaa)
        #expect(nodata.responseCode == .noError && nodata.answers.isEmpty && nodata.authorities.map(\.type) == [.soa])
        for ent in ["default.svc.cluster.local", "svc.cluster.local", "pod.cluster.local", "_tcp.web.default.svc.cluster.local"] {
            let a = try z.answer(ent, .a)
            #expect(a.responseCode == .noError && a.answers.isEmpty && a.authorities.map(\.type) == [.soa], "\(ent)")
        }
        #expect(try z.answer("other.svc.cluster.local", .a).responseCode == .nameError)
        #expect(try z.answer("_grpc._tcp.web.default.svc.cluster.local", .srv).responseCode == .nameError)
        #expect(try z.answer("cluster.local", .soa).answers.map(\.type) == [.soa])
        #expect(try z.answer("cluster.local", .ns).answers.targets == ["ns.dns.cluster.local."])
        // Outside the zone: not ours (forwarded).
        #expect(try !z.isAuthoritative("example.com", .a))
        #expect(try !z.isAuthoritative("local", .a))
    }

    @Test("headless service: ready endpoint addresses, per-endpoint SRV targets, hostnames and PTRs")
    func headless() throws {
        let z = try zone { b in
            b.apply(service: F.service("db", clusterIP: "None", ports: [CoreV1.ServicePort(name: "pg", protocol: "TCP", port: 5432)]))
            b.apply(slice: F.slice("db-abc", service: "db", [
                .init(ip: "10.42.0.5", hostname: "db-0"), .init(ip: "10.42.0.6", hostname: "db-1"),
                .init(ip: "10.42.0.7", ready: false, hostname: "db-2"), .init(ip: "10.42.0.8", ready: nil),
            ], ports: [DiscoveryV1.EndpointPort(name: "pg", protocol: "TCP", port: 5433)]))
        }
        #expect(try z.answer("db.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.5", "10.42.0.6", "10.42.0.8"])
        #expect(try z.answer("db-0.db.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.5"])
        #expect(try z.answer("10-42-0-8.db.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.8"])
        #expect(try z.answer("db-2.db.default.svc.cluster.local", .a).responseCode == .nameError, "not ready: not published")
        let srv = try z.answer("_pg._tcp.db.default.svc.cluster.local", .srv)
        #expect(srv.answers.services == ["0 33 5433 10-42-0-8.db.default.svc.cluster.local.", "0 33 5433 db-0.db.default.svc.cluster.local.",
                                         "0 33 5433 db-1.db.default.svc.cluster.local."])
        #expect(srv.additionals.addresses == ["10.42.0.5", "10.42.0.6", "10.42.0.8"])
        #expect(try z.answer("5.0.42.10.in-addr.arpa", .ptr).answers.targets == ["db-0.db.default.svc.cluster.local."])
        #expect(try !z.isAuthoritative("7.0.42.10.in-addr.arpa", .ptr), "unknown reverse names fall through to the upstreams")
    }

    @Test("publishNotReadyAddresses publishes endpoints that are not ready")
    func publishNotReady() throws {
        let z = try zone { b in
            b.apply(service: F.service("peers", clusterIP: "None", publishNotReady: true))
            b.apply(slice: F.slice("peers-1", service: "peers", [.init(ip: "10.42.0.9", ready: false)]))
        }
        #expect(try z.answer("peers.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.9"])
    }

    @Test("ExternalName answers a CNAME for every type, SRV for named ports; a chain inside the zone is followed")
    func externalName() throws {
        let z = try zone { b in
            b.apply(service: F.service("ext", clusterIP: nil, type: "ExternalName", externalName: "db.example.com"))
            b.apply(service: F.service("inner", clusterIP: nil, type: "ExternalName", externalName: "web.default.svc.cluster.local"))
            b.apply(service: F.service("web"))
        }
        let a = try z.answer("ext.default.svc.cluster.local", .a)
        #expect(a.answers.map(\.type) == [.cname] && a.answers.targets == ["db.example.com."])
        #expect(a.externalTarget == F.name("db.example.com"))
        #expect(try z.answer("ext.default.svc.cluster.local", .cname).externalTarget == nil)
        #expect(try z.answer("_http._tcp.ext.default.svc.cluster.local", .srv).answers.services == ["0 100 80 db.example.com."])
        let inner = try z.answer("inner.default.svc.cluster.local", .a)
        #expect(inner.answers.map(\.type) == [.cname, .a] && inner.answers.addresses == ["10.43.0.20"] && inner.externalTarget == nil)
    }

    @Test("pod records: a-b-c-d.ns.pod answers the address from the name (pods insecure)")
    func podRecords() throws {
        let z = try zone { _ in }
        let a = try z.answer("10-42-1-7.default.pod.cluster.local", .a)
        #expect(a.answers.addresses == ["10.42.1.7"] && a.answers.first?.name == F.name("10-42-1-7.default.pod.cluster.local"))
        #expect(try z.answer("fd00-42--7.kube-system.pod.cluster.local", .aaaa).answers.addresses == ["fd00:42::7"])
        let nodata = try z.answer("10-42-1-7.default.pod.cluster.local", .aaaa)
        #expect(nodata.responseCode == .noError && nodata.answers.isEmpty)
        #expect(try z.answer("10-42-1.default.pod.cluster.local", .a).responseCode == .nameError)
        #expect(try z.answer("x.10-42-1-7.default.pod.cluster.local", .a).responseCode == .nameError)
    }

    @Test("updates are incremental: slices and services change only their names; untouched shards are shared")
    func incremental() throws {
        var b = try ClusterZoneBuilder()
        for i in 0..<200 { b.apply(service: F.service("svc-\(i)", namespace: "bulk", clusterIP: "10.43.1.\(i)")) }
        b.apply(service: F.service("api", clusterIP: "None"))
        let before = b.snapshot()
        let noEndpoints = try before.answer("api.default.svc.cluster.local", .a)
        #expect(noEndpoints.responseCode == .noError && noEndpoints.answers.isEmpty, "a headless service without endpoints exists: NODATA")

        b.apply(slice: F.slice("api-1", service: "api", [.init(ip: "10.42.0.10")]))
        let one = b.snapshot()
        #expect(try one.answer("api.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.10"])
        #expect(one.serial != before.serial)
        let shared = zip(before.table.shards, one.table.shards).filter { $0 === $1 }.count
        #expect(shared >= ClusterZoneTable.shardCount - 8, "only the shards of changed names are new (\(shared) shared)")
        // The old snapshot is untouched (readers in flight keep a consistent view).
        let untouched = try before.answer("api.default.svc.cluster.local", .a)
        #expect(untouched.responseCode == .noError && untouched.answers.isEmpty)

        b.apply(slice: F.slice("api-2", service: "api", [.init(ip: "10.42.0.11")]))
        #expect(try b.snapshot().answer("api.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.10", "10.42.0.11"])
        b.apply(slice: F.slice("api-1", service: "api", [.init(ip: "10.42.0.10", ready: false)]))
        #expect(try b.snapshot().answer("api.default.svc.cluster.local", .a).answers.addresses == ["10.42.0.11"])
        b.removeSlice(namespace: "default", name: "api-2")
        let emptied = b.snapshot()
        #expect(try emptied.answer("api.default.svc.cluster.local", .a).answers.isEmpty)
        #expect(try !emptied.isAuthoritative("11.0.42.10.in-addr.arpa", .ptr))

        // A changed ClusterIP moves the A record and the PTR.
        b.apply(service: F.service("svc-7", namespace: "bulk", clusterIP: "10.43.2.7"))
        let moved = b.snapshot()
        #expect(try moved.answer("svc-7.bulk.svc.cluster.local", .a).answers.addresses == ["10.43.2.7"])
        #expect(try !moved.isAuthoritative("7.1.43.10.in-addr.arpa", .ptr))
        #expect(try moved.answer("7.2.43.10.in-addr.arpa", .ptr).answers.targets == ["svc-7.bulk.svc.cluster.local."])

        // Deleting the last service of a namespace removes the namespace's empty non-terminal too.
        b.removeService(namespace: "default", name: "api")
        let gone = b.snapshot()
        #expect(try gone.answer("api.default.svc.cluster.local", .a).responseCode == .nameError)
        #expect(try gone.answer("default.svc.cluster.local", .a).responseCode == .nameError)
        #expect(try gone.answer("bulk.svc.cluster.local", .a).responseCode == .noError)
        // No change: same serial.
        #expect(b.snapshot().serial == gone.serial)
    }

    @Test("a pod address in two services has a PTR for each; removing one service keeps the other")
    func sharedPTR() throws {
        var b = try ClusterZoneBuilder()
        b.apply(service: F.service("a", clusterIP: "10.43.0.31"))
        b.apply(service: F.service("b", clusterIP: "10.43.0.32"))
        b.apply(slice: F.slice("a-1", service: "a", [.init(ip: "10.42.0.50")]))
        b.apply(slice: F.slice("b-1", service: "b", [.init(ip: "10.42.0.50")]))
        #expect(try b.snapshot().answer("50.0.42.10.in-addr.arpa", .ptr).answers.targets
                == ["10-42-0-50.a.default.svc.cluster.local.", "10-42-0-50.b.default.svc.cluster.local."])
        b.removeService(namespace: "default", name: "a")
        #expect(try b.snapshot().answer("50.0.42.10.in-addr.arpa", .ptr).answers.targets == ["10-42-0-50.b.default.svc.cluster.local."])
    }

    @Test("a custom cluster domain and TTL; bad domains are refused")
    func configuration() throws {
        var b = try ClusterZoneBuilder(clusterDomain: "Tug.Internal", ttl: 30, nameserverAddresses: ["10.43.0.10"])
        b.apply(service: F.service("web"))
        let z = b.snapshot()
        let a = try z.answer("web.default.svc.tug.internal", .a)
        #expect(a.answers.addresses == ["10.43.0.20"] && a.answers.first?.ttl == 30)
        #expect(try z.answer("ns.dns.tug.internal", .a).answers.addresses == ["10.43.0.10"])
        #expect(try !z.isAuthoritative("web.default.svc.cluster.local", .a))
        #expect(throws: DNSNameError.self) { try ClusterZoneBuilder(clusterDomain: "bad..domain") }
        #expect(throws: DNSNameError.self) { try ClusterZoneBuilder(clusterDomain: ".") }
    }
}
