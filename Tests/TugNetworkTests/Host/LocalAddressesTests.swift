import Foundation
import Testing
@testable import TugNetwork

/// The cluster DNS address on loopback, inside a network namespace of the test's own.
struct LocalAddressesTests {
    static var canRun: Bool {
        getuid() == 0 && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip"))
    }

    @Test(.enabled(if: canRun, "needs root and iproute2"))
    func holdsTheAddressesAndLetsGo() throws {
        let ns = "tug-local-\(getpid())"
        try HostCommand.run("ip", ["netns", "add", ns])
        defer { _ = try? HostCommand.run("ip", ["netns", "delete", ns], allowFailure: true) }
        let local = LocalAddresses(namespace: ns)
        try local.add(["10.43.0.10"])
        try local.add(["10.43.0.10"]) // twice is fine
        #expect(try local.current().contains("10.43.0.10"))
        try local.remove(["10.43.0.10"])
        #expect(try !local.current().contains("10.43.0.10"))
        try local.remove(["10.43.0.10"]) // and removing twice too
    }

    @Test func aMissingToolIsNamed() {
        #expect(throws: HostCommand.Failure.self) { try HostCommand.run("no-such-tool-here", []) }
    }
}
