import Foundation
import TugRuntime

/// kubelet's image garbage collection: when the filesystem holding images is fuller than the
/// high threshold, images no container uses (running or exited) are removed, least recently
/// used first and none first seen less than `minimumAge` ago, until use is back at the low
/// threshold. Pinned images (the sandbox image) are never removed.
actor ImageGarbageCollector {
    struct Policy: Sendable {
        var highThresholdPercent = 85
        var lowThresholdPercent = 80
        var minimumAge: Duration = .seconds(120)
        var interval: Duration = .seconds(300)
    }

    /// Size and free space of a filesystem.
    struct DiskSpace: Sendable, Equatable {
        var capacity: UInt64
        var available: UInt64
    }

    /// What one pass did.
    struct Outcome: Sendable, Equatable {
        var usagePercent: Int
        var wanted: UInt64 = 0
        var freed: UInt64 = 0
        var removed: [String] = []
    }

    let images: any ImageManaging
    let runtime: any ContainerRuntime
    let policy: Policy
    let diskSpace: @Sendable (String) -> DiskSpace?
    /// When each image was first seen and last seen in use.
    private var firstSeen: [String: ContinuousClock.Instant] = [:]
    private var lastUsed: [String: ContinuousClock.Instant] = [:]

    init(images: any ImageManaging, runtime: any ContainerRuntime, policy: Policy = Policy(),
         diskSpace: @escaping @Sendable (String) -> DiskSpace? = ImageGarbageCollector.statfs) {
        self.images = images
        self.runtime = runtime
        self.policy = policy
        self.diskSpace = diskSpace
    }

    /// Runs a pass every interval; `failed` hears when not enough could be freed.
    func run(failed: @escaping @Sendable (String) async -> Void) async {
        while !Task.isCancelled {
            do {
                let outcome = try await collect()
                if outcome.freed < outcome.wanted {
                    await failed("Failed to garbage collect required amount of images. Attempted to free \(outcome.wanted) bytes, but only found \(outcome.freed) bytes eligible to free.")
                }
            } catch {
                await failed("Image garbage collection failed: \(error)")
            }
            try? await Task.sleep(for: policy.interval)
        }
    }

    /// One pass: notes which images are in use, then frees space when over the high threshold.
    func collect(now: ContinuousClock.Instant = .now) async throws -> Outcome {
        let all = try await images.listImages()
        let containers = try await runtime.listContainers(sandbox: nil)
        let names = Set(containers.flatMap { [$0.imageRef, $0.image] })
        var inUse = Set<String>()
        for image in all {
            if firstSeen[image.id] == nil { firstSeen[image.id] = now }
            if names.contains(image.id) || image.repoTags.contains(where: names.contains) || image.repoDigests.contains(where: names.contains) {
                lastUsed[image.id] = now
                inUse.insert(image.id)
            }
        }
        let present = Set(all.map(\.id))
        firstSeen = firstSeen.filter { present.contains($0.key) }
        lastUsed = lastUsed.filter { present.contains($0.key) }

        guard let mountpoint = try await images.imageFilesystemUsage().first?.mountpoint,
              let space = diskSpace(mountpoint), space.capacity > 0 else { return Outcome(usagePercent: 0) }
        let used = space.capacity - min(space.available, space.capacity)
        let usage = Int(used * 100 / space.capacity)
        var outcome = Outcome(usagePercent: usage)
        guard usage >= policy.highThresholdPercent else { return outcome }
        let target = space.capacity * UInt64(policy.lowThresholdPercent) / 100
        outcome.wanted = used > target ? used - target : 0
        let candidates = all.filter { image in
            !image.pinned && !inUse.contains(image.id) && (firstSeen[image.id].map { now - $0 >= policy.minimumAge } ?? false)
        }.sorted { (lastUsed[$0.id] ?? firstSeen[$0.id]!) < (lastUsed[$1.id] ?? firstSeen[$1.id]!) }
        for image in candidates where outcome.freed < outcome.wanted {
            try await images.removeImage(image.id)
            outcome.freed += image.size
            outcome.removed.append(image.id)
            firstSeen[image.id] = nil
            lastUsed[image.id] = nil
        }
        return outcome
    }

    static func statfs(_ path: String) -> DiskSpace? {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return DiskSpace(capacity: UInt64(fs.f_blocks) * UInt64(fs.f_frsize), available: UInt64(fs.f_bavail) * UInt64(fs.f_frsize))
    }
}
