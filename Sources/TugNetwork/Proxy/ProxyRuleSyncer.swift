import Foundation
import Logging

/// The table as programmed, and the one place that changes it. Keeps each service's rules as
/// last applied, so a change rewrites only what differs; a full sync rewrites everything and
/// removes leftovers. A map key (an externalIP:port, say) claimed by two services goes to the
/// one that had it first; the other gets it once it is free.
actor ProxyRuleSyncer {
    let options: ProxyOptions
    let runner: any NFTRunner
    let logger: Logger
    private var programmed: [String: ServiceRules] = [:]
    /// Key space -> map key -> owning service.
    private var owners: [Int: [String: String]] = [:]
    /// Services that lost a key to another one.
    private var waitingForKeys: Set<String> = []
    private(set) var fullSyncs = 0
    private(set) var incrementalSyncs = 0

    init(options: ProxyOptions, runner: any NFTRunner, logger: Logger) {
        self.options = options
        self.runner = runner
        self.logger = logger
    }

    /// Applies `desired` (service key -> rules, empty rules for a deleted service) to these
    /// services only, in one transaction. Returns services that should be looked at again
    /// because a key they wanted has become free.
    func syncServices(_ desired: [String: ServiceRules]) async throws -> Set<String> {
        var owners = self.owners
        var waiting = waitingForKeys
        var changes: [(old: ServiceRules, new: ServiceRules)] = []
        var updated: [String: ServiceRules] = [:]
        var released: [(space: Int, element: String, owner: String)] = []
        for key in desired.keys.sorted() {
            released += Self.release(key, programmed[key] ?? ServiceRules(), from: &owners)
        }
        for key in desired.keys.sorted() {
            let old = programmed[key] ?? ServiceRules()
            let new = Self.claim(key, desired[key] ?? ServiceRules(), owners: &owners, waiting: &waiting, logger: logger)
            changes.append((old, new))
            updated[key] = new
        }
        if let script = ProxyScript.incremental(options.tableName, changes: changes) {
            try await runner.apply(script)
        }
        for (key, rules) in updated { programmed[key] = rules.isEmpty ? nil : rules }
        self.owners = owners
        incrementalSyncs += 1
        var retry: Set<String> = []
        // A key is free when its old owner did not take it back.
        if released.contains(where: { owners[$0.space]?[$0.element] != $0.owner }) {
            retry = waiting.subtracting(desired.keys)
            waiting.subtract(retry)
        }
        waitingForKeys = waiting
        return retry
    }

    /// Rewrites the whole table to exactly `desired` (every service), in one transaction.
    func syncAll(_ desired: [String: ServiceRules], recreate: Bool) async throws {
        var owners: [Int: [String: String]] = [:]
        var waiting: Set<String> = []
        var effective: [String: ServiceRules] = [:]
        for key in desired.keys.sorted() {
            let rules = Self.claim(key, desired[key] ?? ServiceRules(), owners: &owners, waiting: &waiting, logger: logger)
            if !rules.isEmpty { effective[key] = rules }
        }
        var existing = ProxyScript.TableObjects()
        if !recreate, let listing = try await runner.listTable(options.tableName) {
            existing = try Self.parseListing(listing)
        }
        let script = ProxyScript.full(options, services: effective.keys.sorted().compactMap { effective[$0] },
                                      existing: existing, recreate: recreate)
        try await runner.apply(script)
        programmed = effective
        self.owners = owners
        waitingForKeys = waiting
        fullSyncs += 1
    }

    func deleteTable() async throws {
        if try await runner.listTable(options.tableName) != nil {
            try await runner.apply(ProxyScript.deleteTable(options.tableName))
        }
        programmed = [:]
        owners = [:]
        waitingForKeys = []
    }

    var programmedServices: [String: ServiceRules] { programmed }

    /// Drops `rules`' keys from the owners; returns what was dropped.
    private static func release(_ key: String, _ rules: ServiceRules, from owners: inout [Int: [String: String]])
        -> [(space: Int, element: String, owner: String)] {
        var dropped: [(space: Int, element: String, owner: String)] = []
        for (map, elements) in rules.elements {
            for element in elements.keys where owners[map.keySpace]?[element] == key {
                owners[map.keySpace]?[element] = nil
                dropped.append((map.keySpace, element, key))
            }
        }
        return dropped
    }

    /// `rules` without the keys another service owns; claims the rest for `key`.
    private static func claim(_ key: String, _ rules: ServiceRules, owners: inout [Int: [String: String]],
                              waiting: inout Set<String>, logger: Logger) -> ServiceRules {
        var result = rules
        var lost = false
        for (map, elements) in rules.elements {
            for element in elements.keys {
                if let owner = owners[map.keySpace]?[element], owner != key {
                    result.elements[map]?[element] = nil
                    logger.warning("service \(key): \(element) is already used by service \(owner); skipped until it is free")
                    lost = true
                } else {
                    owners[map.keySpace, default: [:]][element] = key
                }
            }
            if result.elements[map]?.isEmpty == true { result.elements[map] = nil }
        }
        if lost { waiting.insert(key) } else { waiting.remove(key) }
        return result
    }

    /// Chain and set names from `nft -j -t list table` output.
    static func parseListing(_ json: String) throws -> ProxyScript.TableObjects {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else {
            throw ProxyConfigError("cannot read nft's table listing: not the JSON nft -j prints")
        }
        var objects = ProxyScript.TableObjects()
        for item in items {
            if let chain = item["chain"] as? [String: Any], let name = chain["name"] as? String { objects.chains.insert(name) }
            if let set = item["set"] as? [String: Any], let name = set["name"] as? String { objects.sets.insert(name) }
            if let map = item["map"] as? [String: Any], let name = map["name"] as? String { objects.sets.insert(name) }
        }
        return objects
    }
}
