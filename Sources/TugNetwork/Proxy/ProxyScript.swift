/// Writes nft scripts (`nft -f -` input): one script is one kernel transaction, so a sync
/// either lands whole or not at all.
enum ProxyScript {
    /// What is in the table now (from `nft list`), for a full sync to find leftovers.
    struct TableObjects: Sendable, Hashable {
        var chains: Set<String> = []
        var sets: Set<String> = []
    }

    /// The whole table: base layout, every service, and removal of chains and affinity sets no
    /// service wants any more. Affinity sets that stay keep their entries. `recreate` deletes
    /// the table first (after an error, when its state is unknown).
    static func full(_ options: ProxyOptions, services: [ServiceRules], existing: TableObjects, recreate: Bool) -> String {
        let t = options.tableName
        var lines: [String] = []
        if recreate {
            lines += ["add table ip \(t)", "delete table ip \(t)"]
        }
        lines += ProxyTableLayout.definitions(t)
        let existingChains = recreate ? [] : existing.chains
        // Empty every chain first so no rule still points at something this script deletes.
        for chain in existingChains.sorted() { lines.append("flush chain ip \(t) \(chain)") }

        var desiredChains: [String: [String]] = [:]
        var desiredSets: [String: Int] = [:]
        var elements: [ProxyMap: [String: String]] = [:]
        for rules in services {
            desiredChains.merge(rules.chains) { a, _ in a }
            desiredSets.merge(rules.affinitySets) { a, _ in a }
            for (map, elems) in rules.elements { elements[map, default: [:]].merge(elems) { a, _ in a } }
        }
        let names = desiredChains.keys.sorted()
        for chain in names where !existingChains.contains(chain) { lines.append("add chain ip \(t) \(chain)") }
        for (set, timeout) in desiredSets.sorted(by: { $0.key < $1.key }) { lines.append(addSet(t, set, timeout)) }
        for (chain, rules) in ProxyTableLayout.rules(options) {
            for rule in rules { lines.append("add rule ip \(t) \(chain) \(rule)") }
        }
        for chain in names {
            for rule in desiredChains[chain] ?? [] { lines.append("add rule ip \(t) \(chain) \(rule)") }
        }
        lines.append("flush set ip \(t) \(ProxyTableLayout.nodePortIPs)")
        if !options.nodeIPs.isEmpty {
            lines.append("add element ip \(t) \(ProxyTableLayout.nodePortIPs) { \(options.nodeIPs.map(\.description).joined(separator: ", ")) }")
        }
        for map in ProxyMap.allCases {
            lines.append("flush map ip \(t) \(map.rawValue)")
            lines += addElements(t, map, elements[map] ?? [:])
        }
        let base = ProxyTableLayout.chainNames
        for chain in existingChains.sorted() where desiredChains[chain] == nil && !base.contains(chain) {
            lines.append("delete chain ip \(t) \(chain)")
        }
        let keepSets = Set(ProxyMap.allCases.map(\.rawValue) + [ProxyTableLayout.nodePortIPs])
        for set in (recreate ? [] : existing.sets).sorted() where desiredSets[set] == nil && !keepSets.contains(set) {
            lines.append("delete set ip \(t) \(set)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Moves some services from what is programmed (`old`) to what they should be (`new`),
    /// touching only their chains, sets and map elements. Nil when nothing changes.
    static func incremental(_ table: String, changes: [(old: ServiceRules, new: ServiceRules)]) -> String? {
        let t = table
        var deletes: [String] = [], addChains: [String] = [], sets: [String] = [], rules: [String] = []
        var adds: [String] = [], flushGone: [String] = [], deleteGone: [String] = []
        for (old, new) in changes where old != new {
            for map in ProxyMap.allCases {
                let before = old.elements[map] ?? [:], after = new.elements[map] ?? [:]
                let stale = before.filter { after[$0.key] != $0.value }.keys.sorted()
                if !stale.isEmpty { deletes.append("delete element ip \(t) \(map.rawValue) { \(stale.joined(separator: ", ")) }") }
                let fresh = after.filter { before[$0.key] != $0.value }
                adds += addElements(t, map, fresh)
            }
            for (chain, body) in new.chains.sorted(by: { $0.key < $1.key }) where old.chains[chain] != body {
                if old.chains[chain] == nil { addChains.append("add chain ip \(t) \(chain)") } else { rules.append("flush chain ip \(t) \(chain)") }
                for rule in body { rules.append("add rule ip \(t) \(chain) \(rule)") }
            }
            for (set, timeout) in new.affinitySets.sorted(by: { $0.key < $1.key }) where old.affinitySets[set] != timeout {
                sets.append(addSet(t, set, timeout))
            }
            for chain in old.chains.keys.sorted() where new.chains[chain] == nil {
                flushGone.append("flush chain ip \(t) \(chain)")
                deleteGone.append("delete chain ip \(t) \(chain)")
            }
            for set in old.affinitySets.keys.sorted() where new.affinitySets[set] == nil {
                deleteGone.append("delete set ip \(t) \(set)")
            }
        }
        // Order: stale keys out, new chains and sets in, rules rewritten, keys in, then what nothing references any more goes.
        let lines = deletes + addChains + sets + rules + adds + flushGone + deleteGone
        return lines.isEmpty ? nil : lines.joined(separator: "\n") + "\n"
    }

    static func deleteTable(_ table: String) -> String { "delete table ip \(table)\n" }

    private static func addSet(_ table: String, _ name: String, _ timeout: Int) -> String {
        "add set ip \(table) \(name) { type ipv4_addr ; flags dynamic,timeout ; timeout \(timeout)s ; }"
    }

    /// One `add element` per map, in chunks so no single line grows without bound.
    private static func addElements(_ table: String, _ map: ProxyMap, _ elements: [String: String]) -> [String] {
        let sorted = elements.sorted { $0.key < $1.key }.map { "\($0.key) : \($0.value)" }
        return stride(from: 0, to: sorted.count, by: 500).map { start in
            "add element ip \(table) \(map.rawValue) { \(sorted[start..<min(start + 500, sorted.count)].joined(separator: ", ")) }"
        }
    }
}
