/// The records owned by one name, and how many names below it exist (so that an empty
/// non-terminal such as `default.svc.cluster.local` answers NODATA instead of NXDOMAIN).
struct ClusterZoneNode: Sendable, Hashable {
    var records: [DNSRecord] = []
    var descendants = 0
    /// Services whose name this is: a service without addresses (headless with no ready
    /// endpoints) still exists and answers NODATA.
    var pins = 0

    /// Whether the name itself exists (counts toward its ancestors' `descendants`).
    var isPresent: Bool { !records.isEmpty || pins > 0 }
    var isEmpty: Bool { !isPresent && descendants == 0 }
}

/// An immutable piece of the zone's name table. Shards let an update copy only the few
/// shards it touches instead of the whole table.
final class ClusterZoneShard: Sendable {
    let nodes: [DNSName: ClusterZoneNode]
    init(_ nodes: [DNSName: ClusterZoneNode]) { self.nodes = nodes }
}

/// The name table of one zone snapshot: lower-case name to node, split into shards.
struct ClusterZoneTable: Sendable {
    static let shardCount = 256
    let shards: [ClusterZoneShard]

    static func shardIndex(_ name: DNSName) -> Int { name.hashValue & (shardCount - 1) }

    subscript(name: DNSName) -> ClusterZoneNode? { shards[Self.shardIndex(name)].nodes[name] }
}

/// The mutable side of the table, kept by the builder: nodes per shard plus which shards
/// changed since the last snapshot.
struct ClusterZoneTableBuilder: Sendable {
    private var shardNodes = [[DNSName: ClusterZoneNode]](repeating: [:], count: ClusterZoneTable.shardCount)
    private var published: [ClusterZoneShard]
    private var dirty = Set<Int>()

    init() {
        published = (0..<ClusterZoneTable.shardCount).map { _ in ClusterZoneShard([:]) }
    }

    subscript(name: DNSName) -> ClusterZoneNode? {
        get { shardNodes[ClusterZoneTable.shardIndex(name)][name] }
        set {
            let index = ClusterZoneTable.shardIndex(name)
            shardNodes[index][name] = (newValue?.isEmpty ?? true) ? nil : newValue
            dirty.insert(index)
        }
    }

    mutating func addDescendants(_ name: DNSName, _ delta: Int) {
        var node = self[name] ?? ClusterZoneNode()
        node.descendants += delta
        self[name] = node
    }

    var hasChanges: Bool { !dirty.isEmpty }

    /// An immutable table sharing every unchanged shard with the previous one.
    mutating func snapshot() -> ClusterZoneTable {
        for index in dirty { published[index] = ClusterZoneShard(shardNodes[index]) }
        dirty.removeAll(keepingCapacity: true)
        return ClusterZoneTable(shards: published)
    }
}
