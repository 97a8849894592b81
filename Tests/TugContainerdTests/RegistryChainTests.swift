import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TugContainerd

/// The whole image chain on this machine: build the test images with the repo's scripts, run a
/// loopback registry on a free port, push, and pull through a containerd started from
/// `ContainerdConfig`, reading the registry's hosts.toml that `RegistryHosts` writes.
@Suite("test images through a loopback registry into containerd", .serialized)
struct RegistryChainTests {
    static let tools = ["umoci", "skopeo", "docker-registry", "curl"]
    static let live = isRoot && hasContainerd && hasStaticBusybox
        && tools.allSatisfy { HostPrerequisites().locate($0) != nil }
    static let scripts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/containers").path

    private func script(_ name: String, _ arguments: [String], registry: String) async throws -> String {
        let result = try await shell("/bin/bash", [Self.scripts + "/" + name] + arguments,
                                     environment: ["REGISTRY_ADDR": registry], timeout: .seconds(120))
        guard result.status == 0 else {
            throw ContainerdError("\(name) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.output)")
        }
        return result.output
    }

    /// A loopback port nothing listens on right now.
    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw ContainerdError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test("build, push to a loopback registry, pull through containerd with the generated hosts.toml",
          .enabled(if: live, "needs root, containerd, busybox-static, umoci, skopeo, docker-registry and curl"),
          .timeLimit(.minutes(4)))
    func buildPushPull() async throws {
        let dir = try TemporaryDirectory("chain")
        defer { dir.remove() }
        let registry = "127.0.0.1:\(try freePort())"

        let built = try await script("build-test-images", [dir.path + "/images"], registry: registry)
        #expect(built.contains("built busybox:1") && built.contains("built httpd:1"))
        _ = try await script("registry", ["start", dir.path + "/registry"], registry: registry)
        defer {
            // defer cannot await: stop the registry by its pid file's pid the way the script does.
            if let text = try? String(contentsOfFile: dir.path + "/registry/registry.pid", encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGTERM) }
        }
        let registryPid = try #require(Int32(try String(contentsOfFile: dir.path + "/registry/registry.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await script("registry", ["start", dir.path + "/registry"], registry: registry).contains("already running"))
        let pushed = try await script("push-test-images", [dir.path + "/images"], registry: registry)
        #expect(pushed.contains("pushed \(registry)/busybox:1") && pushed.contains("pushed \(registry)/httpd:1"))

        let config = ContainerdConfig(dataDirectory: dir.path + "/ctrd", socketPath: dir.path + "/ctrd.sock")
        try await withSupervisor(ContainerdSupervisor(config: config, preparesSandboxImage: false)) { supervisor in
            try await pullThroughHostsFile(supervisor, registry: registry)
            try await importArchives(supervisor, images: dir.path + "/images", scratch: dir.path)
        }
        _ = try await script("registry", ["stop", dir.path + "/registry"], registry: registry)
        #expect(!ChildProcess.exists(registryPid), "registry pid \(registryPid) is gone")
    }

    /// `tug images import`: a `docker save`-style archive and a tarred OCI layout both import.
    private func importArchives(_ supervisor: ContainerdSupervisor, images: String, scratch: String) async throws {
        let ctr = CtrCommand(socketPath: supervisor.config.socketPath)
        let dockerArchive = scratch + "/httpd-docker.tar"
        let copied = try await shell("/usr/bin/skopeo", ["copy", "--quiet", "oci:\(images)/httpd:1",
                                                          "docker-archive:\(dockerArchive):tugtest/httpd:2"])
        #expect(copied.status == 0, "\(copied.output)")
        let fromDocker = try await ImageImporter(ctr: ctr).importArchive(atPath: dockerArchive)
        #expect(fromDocker == ["docker.io/tugtest/httpd:2"])

        let ociArchive = scratch + "/busybox-oci.tar"
        let packed = try await shell("/bin/tar", ["-C", images + "/busybox", "-cf", ociArchive, "."])
        #expect(packed.status == 0, "\(packed.output)")
        let fromOCI = try await ImageImporter(ctr: ctr).importArchive(atPath: ociArchive, baseName: "tugboat.local/busybox")
        #expect(fromOCI == ["tugboat.local/busybox:1"])

        let names = try await ImageLister(ctr: ctr).list().map(\.name)
        #expect(names.contains("docker.io/tugtest/httpd:2") && names.contains("tugboat.local/busybox:1"), "\(names)")

        await #expect {
            try await ImageImporter(ctr: ctr).importArchive(atPath: scratch + "/missing.tar")
        } throws: { error in
            (error as? ContainerdError)?.message == "image archive \(scratch)/missing.tar does not exist"
        }
    }

    private func pullThroughHostsFile(_ supervisor: ContainerdSupervisor, registry: String) async throws {
        let config = supervisor.config
        try await supervisor.start()
        let ctr = CtrCommand(socketPath: config.socketPath)
        let pull = ["images", "pull", "--hosts-dir", config.registryConfigDirectory]

        // Pulled without --plain-http: ctr reads certs.d the way CRI does. (A loopback registry
        // would also work without a hosts.toml, since containerd falls back to HTTP for
        // localhost and loopback addresses; the file is what makes other hosts work.)
        try RegistryHosts(directory: config.registryConfigDirectory, insecureRegistries: [registry]).write()
        for image in ["busybox:1", "httpd:1"] {
            _ = try await ctr.run(pull + ["\(registry)/\(image)"])
        }
        let names = try await ImageLister(ctr: ctr).list().map(\.name)
        #expect(names.contains("\(registry)/busybox:1"))
        #expect(names.contains("\(registry)/httpd:1"))
        let hostsFile = try String(contentsOfFile: config.registryConfigDirectory + "/\(registry)/hosts.toml", encoding: .utf8)
        #expect(hostsFile.contains("server = \"http://\(registry)\""))
    }
}
