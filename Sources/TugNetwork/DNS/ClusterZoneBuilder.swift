#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TugAPI

/// Keeps the cluster zone up to date one Service or EndpointSlice at a time: a change
/// recomputes only that service's records, rewrites only the names whose records changed, and
/// `snapshot()` copies only the table shards those names live in.
public struct ClusterZoneBuilder: Sendable {
    public let origin: DNSName
    public let ttl: UInt32

    private var services: [String: CoreV1.Service] = [:]
    /// Service key (`ns/name`) to its slices by slice key.
    private var slicesByService: [String: [String: DiscoveryV1.EndpointSlice]] = [:]
    private var serviceOfSlice: [String: String] = [:]
    /// What each service put into the zone last time.
    private var contributions: [String: [DNSName: [DNSRecord]]] = [:]
    /// For each name, the records each service gives it (a pod address can be an endpoint of
    /// several services, so its PTR name has several sources).
    private var sources: [DNSName: [String: [DNSRecord]]] = [:]
    /// Each service's own name, kept present while the service exists.
    private var pinned: [String: DNSName] = [:]
    private var table = ClusterZoneTableBuilder()
    private var serial: UInt32
    private var soa: DNSRecord

    /// - Parameters:
    ///   - clusterDomain: the zone served (`cluster.local`).
    ///   - ttl: TTL of every record and the SOA minimum (CoreDNS' default is 5 seconds).
    ///   - nameserverAddresses: addresses for `ns.dns.<zone>`, the zone's NS target.
    public init(clusterDomain: String = "cluster.local", ttl: UInt32 = 5, nameserverAddresses: [String] = []) throws {
        let origin = try DNSName(clusterDomain).lowercased()
        guard !origin.isRoot else { throw DNSNameError("the cluster domain must not be the root") }
        guard ttl <= 3600 else { throw DNSNameError("TTL \(ttl) is over 3600 seconds") }
        self.origin = origin
        self.ttl = ttl
        let nameserver = try origin.prepending("dns").prepending("ns")
        serial = UInt32(truncatingIfNeeded: time(nil))
        soa = DNSRecord(name: origin, type: .soa, ttl: ttl, data: .soa(DNSStartOfAuthority(
            primary: nameserver, mailbox: try origin.prepending("hostmaster"), serial: serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl)))
        setRecords(origin, source: "", [soa, DNSRecord(name: origin, type: .ns, ttl: ttl, data: .ns(nameserver))])
        let addresses = nameserverAddresses.compactMap(DNSAddress.parse).map { DNSRecord.a(nameserver, $0, ttl: ttl) }
        if !addresses.isEmpty { setRecords(nameserver, source: "", addresses) }
        // `svc.<zone>` and `pod.<zone>` always exist (NODATA, not NXDOMAIN).
        for label in ["svc", "pod"] { table.addDescendants(try origin.prepending(label), 1) }
    }

    public var serviceCount: Int { services.count }

    // MARK: changes

    public mutating func apply(service: CoreV1.Service) {
        let key = Self.key(service.metadata)
        services[key] = service
        recompute(key)
    }

    public mutating func removeService(namespace: String, name: String) {
        let key = "\(namespace)/\(name)"
        services[key] = nil
        recompute(key)
    }

    public mutating func apply(slice: DiscoveryV1.EndpointSlice) {
        let sliceKey = Self.key(slice.metadata)
        let owner = slice.metadata.labels?["kubernetes.io/service-name"].map { "\(slice.metadata.namespace ?? "")/\($0)" }
        if let previous = serviceOfSlice[sliceKey], previous != owner {
            slicesByService[previous]?[sliceKey] = nil
            recompute(previous)
        }
        serviceOfSlice[sliceKey] = owner
        guard let owner else { return }
        slicesByService[owner, default: [:]][sliceKey] = slice
        recompute(owner)
    }

    public mutating func removeSlice(namespace: String, name: String) {
        let sliceKey = "\(namespace)/\(name)"
        guard let owner = serviceOfSlice.removeValue(forKey: sliceKey) else { return }
        slicesByService[owner]?[sliceKey] = nil
        if slicesByService[owner]?.isEmpty == true { slicesByService[owner] = nil }
        recompute(owner)
    }

    /// An immutable snapshot sharing all unchanged shards with the previous one; the SOA serial
    /// moves on whenever something changed.
    public mutating func snapshot() -> ClusterZone {
        if table.hasChanges {
            serial &+= 1
            if case .soa(var s) = soa.data {
                s.serial = serial
                soa.data = .soa(s)
                setRecords(origin, source: "", [soa] + (table[origin]?.records.filter { $0.type != .soa } ?? []))
            }
        }
        return ClusterZone(origin: origin, ttl: ttl, soa: soa, table: table.snapshot())
    }

    // MARK: internals

    static func key(_ meta: MetaV1.ObjectMeta) -> String { "\(meta.namespace ?? "")/\(meta.name ?? "")" }

    /// `name.namespace.svc.<zone>`, lower case.
    private func serviceName(_ service: CoreV1.Service) -> DNSName? {
        guard let name = service.metadata.name, let namespace = service.metadata.namespace else { return nil }
        return try? origin.prepending("svc").prepending(namespace.lowercased()).prepending(name.lowercased())
    }

    private mutating func recompute(_ key: String) {
        let fresh: [DNSName: [DNSRecord]]
        if let service = services[key] {
            fresh = ClusterServiceRecords.make(service: service, slices: Array((slicesByService[key] ?? [:]).values), origin: origin, ttl: ttl)
        } else {
            fresh = [:]
        }
        let base = services[key].flatMap(serviceName)
        if base != pinned[key] {
            if let previous = pinned[key] { update(previous) { $0.pins -= 1 } }
            if let base { update(base) { $0.pins += 1 } }
            pinned[key] = base
        }
        let old = contributions[key] ?? [:]
        contributions[key] = fresh.isEmpty ? nil : fresh
        for (name, records) in fresh where old[name] != records { setRecords(name, source: key, records) }
        for name in old.keys where fresh[name] == nil { setRecords(name, source: key, []) }
    }

    /// Replaces what `source` gives `name` and rewrites the name's node; keeps the counts of
    /// names with records below each ancestor inside the zone.
    private mutating func setRecords(_ name: DNSName, source: String, _ records: [DNSRecord]) {
        var bySource = sources[name] ?? [:]
        bySource[source] = records.isEmpty ? nil : records
        sources[name] = bySource.isEmpty ? nil : bySource
        update(name) { $0.records = bySource.keys.sorted().flatMap { bySource[$0]! } }
    }

    /// Changes one node and keeps the counts of present names below each ancestor in the zone.
    private mutating func update(_ name: DNSName, _ change: (inout ClusterZoneNode) -> Void) {
        var node = table[name] ?? ClusterZoneNode()
        let had = node.isPresent
        change(&node)
        let has = node.isPresent
        table[name] = node
        guard had != has, name.isSubdomain(of: origin) else { return }
        var ancestor = name
        while ancestor != origin {
            ancestor = ancestor.parent
            table.addDescendants(ancestor, has ? 1 : -1)
        }
    }
}
