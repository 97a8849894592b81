/// One immutable snapshot of the cluster's DNS data: the cluster domain (`cluster.local`) built
/// from Services and EndpointSlices, plus PTR names under `in-addr.arpa`/`ip6.arpa`. The server
/// reads a snapshot per query without locks beyond fetching it; the builder publishes a new one
/// per change. Answers follow the Kubernetes DNS specification as CoreDNS' kubernetes plugin
/// serves it (`pods insecure`, reverse zones falling through to the upstreams).
public struct ClusterZone: Sendable {
    /// What the zone says about a question.
    public enum Lookup: Sendable {
        /// An authoritative answer (possibly NXDOMAIN or NODATA).
        case answer(Answer)
        /// Not ours: a name outside the cluster domain, or a reverse name the zone lacks.
        case notAuthoritative
    }

    public struct Answer: Sendable, Equatable {
        public var responseCode: DNSResponseCode
        public var answers: [DNSRecord]
        public var authorities: [DNSRecord]
        public var additionals: [DNSRecord]
        /// The end of a CNAME chain that leaves the zone (an ExternalName service): the server
        /// resolves it upstream and appends what it finds.
        public var externalTarget: DNSName?
    }

    /// The cluster domain, lower case.
    public let origin: DNSName
    public let ttl: UInt32
    let soa: DNSRecord
    let table: ClusterZoneTable

    static let reverseIPv4 = try! DNSName("in-addr.arpa")
    static let reverseIPv6 = try! DNSName("ip6.arpa")
    static let maxCNAMEChain = 8

    init(origin: DNSName, ttl: UInt32, soa: DNSRecord, table: ClusterZoneTable) {
        self.origin = origin
        self.ttl = ttl
        self.soa = soa
        self.table = table
    }

    /// The zone's SOA serial: it changes with every published change.
    public var serial: UInt32 {
        if case .soa(let s) = soa.data { return s.serial }
        return 0
    }

    /// Answers `type` for `name`; `name` must be lower case (`DNSName.lowercased()`).
    public func lookup(_ name: DNSName, _ type: DNSType) -> Lookup {
        if name.isSubdomain(of: origin) { return .answer(answerInZone(name, type)) }
        if name.isSubdomain(of: Self.reverseIPv4) || name.isSubdomain(of: Self.reverseIPv6) {
            // Reverse names the cluster does not know fall through to the upstreams.
            guard type == .ptr || type == .any, let node = table[name], !node.records.isEmpty else { return .notAuthoritative }
            return .answer(Answer(responseCode: .noError, answers: node.records, authorities: [], additionals: []))
        }
        return .notAuthoritative
    }

    private func answerInZone(_ name: DNSName, _ type: DNSType) -> Answer {
        var answer = Answer(responseCode: .noError, answers: [], authorities: [], additionals: [])
        var current = name
        for _ in 0..<Self.maxCNAMEChain {
            guard let node = table[current] ?? podNode(current) else {
                // NXDOMAIN speaks of the last name of a CNAME chain (RFC 6604).
                answer.responseCode = .nameError
                answer.authorities = [soa]
                return answer
            }
            let matching = type == .any ? node.records : node.records.filter { $0.type == type }
            if !matching.isEmpty {
                answer.answers += matching
                if type == .srv { answer.additionals = addresses(of: matching) }
                return answer
            }
            if type != .cname, let alias = node.records.first(where: { $0.type == .cname }), case .cname(let target) = alias.data {
                answer.answers.append(alias)
                let next = target.lowercased()
                guard next.isSubdomain(of: origin) else {
                    answer.externalTarget = target
                    return answer
                }
                current = next
                continue
            }
            // The name exists without records of this type: NODATA.
            if answer.answers.isEmpty { answer.authorities = [soa] }
            return answer
        }
        return answer
    }

    /// `a-b-c-d.namespace.pod.<zone>`: answered from the name alone (`pods insecure`).
    private func podNode(_ name: DNSName) -> ClusterZoneNode? {
        guard let labels = name.labels(relativeTo: origin), labels.count == 3, labels[2].elementsEqual("pod".utf8),
              let address = DNSAddress.parseDashed(labels[0]) else { return nil }
        return ClusterZoneNode(records: [DNSRecord.a(name, address, ttl: ttl)])
    }

    /// A and AAAA records of SRV targets inside the zone, for the additional section.
    private func addresses(of records: [DNSRecord]) -> [DNSRecord] {
        var extra: [DNSRecord] = []
        var seen = Set<DNSName>()
        for record in records {
            guard case .srv(_, _, _, let target) = record.data, seen.insert(target).inserted,
                  target.isSubdomain(of: origin), let node = table[target] else { continue }
            extra += node.records.filter { $0.type == .a || $0.type == .aaaa }
        }
        return extra
    }
}
