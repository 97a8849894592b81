import Foundation
import TugAPI

/// Remembers the slices this controller wrote (name and generation) and deleted, per service,
/// so that a sync never plans from a cache that has not caught up with its own writes: slices
/// get generated names, so acting on a stale cache would create duplicates.
actor EndpointSliceTracker {
    /// nil generation: deleted.
    private var written: [String: [String: Int?]] = [:]

    func wrote(_ serviceKey: String, _ slice: DiscoveryV1.EndpointSlice) {
        guard let name = slice.metadata.name else { return }
        written[serviceKey, default: [:]][name] = .some(slice.metadata.generation ?? 0)
    }

    func deleted(_ serviceKey: String, _ name: String) {
        written[serviceKey, default: [:]][name] = .some(nil)
    }

    /// Whether the cached slices lack a write of ours; expectations the cache meets are dropped.
    func isStale(_ serviceKey: String, cached: [DiscoveryV1.EndpointSlice]) -> Bool {
        guard var expected = written[serviceKey] else { return false }
        let generations = Dictionary(cached.compactMap { s in s.metadata.name.map { ($0, s.metadata.generation ?? 0) } },
                                     uniquingKeysWith: max)
        var stale = false
        for (name, generation) in expected {
            switch (generation, generations[name]) {
            case (nil, nil): expected[name] = nil                    // deleted, and gone from the cache
            case (nil, _?): stale = true
            case (let g?, let c?) where c >= g: expected[name] = nil
            default: stale = true
            }
        }
        written[serviceKey] = expected.isEmpty ? nil : expected
        return stale
    }

    /// A slice left the cache (whoever deleted it): nothing more to wait for about it.
    func observedDeletion(_ serviceKey: String, _ name: String) {
        written[serviceKey]?[name] = nil
        if written[serviceKey]?.isEmpty == true { written[serviceKey] = nil }
    }

    func forget(_ serviceKey: String) { written[serviceKey] = nil }
}
