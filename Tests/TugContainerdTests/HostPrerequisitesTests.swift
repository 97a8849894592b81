import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TugContainerd

@Suite("host prerequisites and socket probe")
struct HostPrerequisitesTests {
    private func makeExecutable(_ path: String) throws {
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
    }

    @Test("missing tools are named with the Debian packages that bring them")
    func namesMissingPackages() throws {
        let dir = try TemporaryDirectory("pre")
        defer { dir.remove() }
        let bin = dir.path + "/bin", cni = dir.path + "/cni"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cni, withIntermediateDirectories: true)
        for name in ["containerd", "ctr", "containerd-shim-runc-v2"] { try makeExecutable(bin + "/" + name) }
        for name in ["bridge", "loopback"] { try makeExecutable(cni + "/" + name) }

        var prerequisites = HostPrerequisites(cniBinDirectory: cni)
        prerequisites.searchDirectories = [bin]
        let report = prerequisites.check()
        #expect(!report.isSatisfied)
        #expect(report.missing.map(\.name) == ["runc", "CNI plugin host-local", "CNI plugin portmap"])
        #expect(report.packagesToInstall == ["runc", "containernetworking-plugins"])
        #expect(report.message?.contains("apt-get install runc containernetworking-plugins") == true)
        #expect(report.message?.contains(cni + "/portmap") == true)
        #expect(report.found["containerd"] == bin + "/containerd")
        #expect(throws: ContainerdError.self) { try prerequisites.require() }

        try makeExecutable(bin + "/runc")
        for name in ["host-local", "portmap"] { try makeExecutable(cni + "/" + name) }
        let complete = prerequisites.check()
        #expect(complete.isSatisfied && complete.message == nil)
    }

    @Test("nothing installed asks for all three packages")
    func nothingInstalled() throws {
        let dir = try TemporaryDirectory("none")
        defer { dir.remove() }
        var prerequisites = HostPrerequisites(cniBinDirectory: dir.path)
        prerequisites.searchDirectories = [dir.path]
        #expect(prerequisites.check().message?.hasSuffix("apt-get install containerd runc containernetworking-plugins") == true)
    }

    @Test("the probe answers true only while something listens on the socket")
    func probesSocket() throws {
        let dir = try TemporaryDirectory("sock")
        defer { dir.remove() }
        let path = dir.path + "/probe.sock"
        #expect(!UnixSocketProbe.answers(at: path))

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(!UnixSocketProbe.answers(at: path), "bound but not listening refuses connections")
        #expect(listen(fd, 8) == 0)
        #expect(UnixSocketProbe.answers(at: path))
        #expect(UnixSocketProbe.answers(at: "unix://" + path))
        close(fd)
        #expect(!UnixSocketProbe.answers(at: path), "a socket file nobody listens on does not answer")
    }
}
