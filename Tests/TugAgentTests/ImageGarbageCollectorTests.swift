import Foundation
import Synchronization
import Testing
import TugRuntime
import TugRuntimeSimulated
@testable import TugAgent

/// Image garbage collection: nothing below the high threshold; above it, unused images go,
/// least recently used first, until the low threshold — never one in use, pinned, or too new.
struct ImageGarbageCollectorTests {
    /// Images on a pretend 1000 MiB disk whose use is `base` plus the images stored.
    final class FakeImages: ImageManaging {
        struct State {
            var images: [ImageInfo]
            var removed: [String] = []
        }
        let state: Mutex<State>
        let base: UInt64
        init(_ images: [ImageInfo], base: UInt64) {
            self.state = Mutex(State(images: images))
            self.base = base
        }
        var images: [ImageInfo] { state.withLock { $0.images } }
        var removed: [String] { state.withLock { $0.removed } }
        func listImages() async throws -> [ImageInfo] { images }
        func removeImage(_ image: String) async throws {
            state.withLock { s in
                s.removed.append(image)
                s.images.removeAll { $0.id == image }
            }
        }
        func imageFilesystemUsage() async throws -> [ImageFilesystemUsage] {
            [ImageFilesystemUsage(mountpoint: "/images", usedBytes: images.reduce(0) { $0 + $1.size }, inodesUsed: 0)]
        }
        func disk(_ path: String) -> ImageGarbageCollector.DiskSpace? {
            guard path == "/images" else { return nil }
            let used = base + images.reduce(0) { $0 + $1.size }
            return .init(capacity: 1000 * ImageGarbageCollectorTests.mb, available: 1000 * ImageGarbageCollectorTests.mb - used)
        }
    }

    static let mb: UInt64 = 1 << 20

    func collector(_ images: FakeImages, runtime: SimulatedRuntime) -> ImageGarbageCollector {
        ImageGarbageCollector(images: images, runtime: runtime, policy: .init(minimumAge: .seconds(60)), diskSpace: { images.disk($0) })
    }

    @Test func freesUnusedImagesOldestFirstDownToTheLowThreshold() async throws {
        let runtime = SimulatedRuntime(podNetworking: false)
        let sandbox = try await runtime.runSandbox(SandboxConfig(name: "web", namespace: "default", uid: "u1", hostname: "web", logDirectory: "/tmp"))
        let sandboxConfig = SandboxConfig(name: "web", namespace: "default", uid: "u1", hostname: "web", logDirectory: "/tmp")
        _ = try await runtime.createContainer(in: sandbox, ContainerConfig(name: "app", image: "registry.local/app:1", logPath: "app.log"),
                                              sandboxConfig: sandboxConfig)
        let images = FakeImages([
            ImageInfo(id: "sha256:pause", repoTags: ["tugboat.local/pause:3.10"], size: 100 * Self.mb, pinned: true),
            ImageInfo(id: "sha256:app", repoTags: ["registry.local/app:1"], size: 100 * Self.mb),
            ImageInfo(id: "sha256:old", repoTags: ["registry.local/old:1"], size: 60 * Self.mb),
            ImageInfo(id: "sha256:older", repoTags: ["registry.local/older:1"], size: 60 * Self.mb),
        ], base: 560 * Self.mb)
        let gc = collector(images, runtime: runtime)
        let start = ContinuousClock.now
        // 880/1000 used: over 85 %, but every image is new.
        let first = try await gc.collect(now: start)
        #expect(first.usagePercent == 88)
        #expect(first.removed.isEmpty)
        // Later, both unused images are old enough; 80 MiB must go, so both 60 MiB ones do.
        let second = try await gc.collect(now: start + .seconds(120))
        #expect(second.wanted == 80 * Self.mb)
        #expect(Set(second.removed) == ["sha256:old", "sha256:older"])
        #expect(second.freed == 120 * Self.mb)
        #expect(images.removed.count == 2)
        let left = Set(images.images.map(\.id))
        #expect(left == ["sha256:pause", "sha256:app"], "in use and pinned images stay")
        // Now at 76 %: below the high threshold, nothing more goes.
        let third = try await gc.collect(now: start + .seconds(240))
        #expect(third.usagePercent == 76 && third.removed.isEmpty)
    }

    @Test func reportsWhenNotEnoughIsEligible() async throws {
        let runtime = SimulatedRuntime(podNetworking: false)
        let images = FakeImages([ImageInfo(id: "sha256:small", repoTags: ["small:1"], size: 10 * Self.mb)], base: 900 * Self.mb)
        let gc = collector(images, runtime: runtime)
        let start = ContinuousClock.now
        _ = try await gc.collect(now: start)
        let outcome = try await gc.collect(now: start + .seconds(61))
        #expect(outcome.wanted == 110 * Self.mb)
        #expect(outcome.freed == 10 * Self.mb)
        #expect(outcome.freed < outcome.wanted)
    }
}
