import Foundation
import Testing
@testable import TugNetwork

/// The cluster DNS address on loopback, inside a network namespace of the test's own.
struct LocalAddressesTests {
    static var canRun: Bool {
        getuid() == 0 && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip"))
    }

    @Test(.enabled(if: canRun, "needs root and iproute2"))
    func holdsTheAddressesAndLetsGo() async throws {
        let ns = "tug-local-\(getpid())"
        let ip = try #require(ProxyCommand.find(LocalAddresses.ipCandidates))
        #expect(try await ProxyCommand.run(ip, ["netns", "add", ns]).succeeded)
        let local = LocalAddresses(namespace: ns)
        do {
            try await local.add(["10.43.0.10"])
            try await local.add(["10.43.0.10"]) // twice is fine
            #expect(try await local.current().contains("10.43.0.10"))
            try await local.remove(["10.43.0.10"])
            #expect(try await !local.current().contains("10.43.0.10"))
            try await local.remove(["10.43.0.10"]) // and removing twice too
        } catch {
            Issue.record("\(error)")
        }
        _ = try await ProxyCommand.run(ip, ["netns", "delete", ns])
    }

    @Test func aFailureSaysWhatWasRun() async throws {
        guard Self.canRun else { return }
        await #expect(throws: LocalAddressesError.self) { try await LocalAddresses(namespace: "tug-no-such-namespace").add(["10.43.0.10"]) }
    }
}
