import Crypto
import Foundation
import Testing
@testable import TugContainerd

@Suite("pause image archive")
struct PauseImageTests {
    private func sha256(_ data: Data) -> String {
        "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    @Test("the archive is an OCI image layout whose digests match its blobs", .enabled(if: hasStaticBusybox, "needs a static /bin/busybox (busybox-static)"))
    func archiveStructure() throws {
        let image = PauseImage(platform: ImagePlatform(os: "linux", architecture: "amd64"))
        let entries = readTar(try image.buildArchive())

        let layout = try jsonObject(#require(entries["oci-layout"]).contents)
        #expect(layout["imageLayoutVersion"] as? String == "1.0.0")

        let index = try jsonObject(#require(entries["index.json"]).contents)
        #expect(index["schemaVersion"] as? Int == 2)
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        #expect(manifests.count == 1)
        let annotations = manifests[0]["annotations"] as? [String: String]
        #expect(annotations?["org.opencontainers.image.ref.name"] == "3.10")
        #expect(annotations?["io.containerd.image.name"] == "tugboat.local/pause:3.10")
        #expect((manifests[0]["platform"] as? [String: String])?["architecture"] == "amd64")

        func blob(_ digest: String) throws -> Data {
            try #require(entries["blobs/sha256/" + digest.dropFirst("sha256:".count)]).contents
        }
        let manifestDigest = try #require(manifests[0]["digest"] as? String)
        let manifestBlob = try blob(manifestDigest)
        #expect(sha256(manifestBlob) == manifestDigest)
        #expect(manifests[0]["size"] as? Int == manifestBlob.count)

        let manifest = try jsonObject(manifestBlob)
        let configDescriptor = try #require(manifest["config"] as? [String: Any])
        let configBlob = try blob(#require(configDescriptor["digest"] as? String))
        #expect(sha256(configBlob) == configDescriptor["digest"] as? String)
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect(layers[0]["mediaType"] as? String == "application/vnd.oci.image.layer.v1.tar")
        let layerDigest = try #require(layers[0]["digest"] as? String)
        let layerBlob = try blob(layerDigest)
        #expect(sha256(layerBlob) == layerDigest)

        let config = try jsonObject(configBlob)
        #expect(((config["rootfs"] as? [String: Any])?["diff_ids"] as? [String]) == [layerDigest])
        let entrypoint = (config["config"] as? [String: Any])?["Entrypoint"] as? [String]
        #expect(entrypoint?.first == "/bin/sh")
        #expect(entrypoint?.last?.contains("trap 'exit 0' TERM") == true)

        let layer = readTar(layerBlob)
        let busybox = try #require(layer["bin/busybox"])
        #expect(busybox.contents == FileManager.default.contents(atPath: "/bin/busybox"))
        #expect(busybox.mode == 0o755)
        #expect(layer["bin/sh"]?.type == "2" && layer["bin/sh"]?.linkName == "busybox")
        #expect(layer["bin/sleep"]?.type == "2" && layer["bin/sleep"]?.linkName == "busybox")
    }

    @Test("the same inputs give byte-identical archives (import is idempotent)", .enabled(if: hasStaticBusybox, "needs busybox-static"))
    func reproducible() throws {
        #expect(try PauseImage().buildArchive() == PauseImage().buildArchive())
    }

    @Test("GNU tar reads the archive and the layer, and the shell in the layer runs the TERM trap", .enabled(if: hasStaticBusybox, "needs busybox-static"))
    func readableByTarAndRuns() async throws {
        let dir = try TemporaryDirectory("tar")
        defer { dir.remove() }
        let archive = dir.path + "/pause.tar"
        try PauseImage().writeArchive(toPath: archive)
        let listing = try await shell("/bin/tar", ["-tvf", archive])
        #expect(listing.status == 0, "\(listing.output)")
        #expect(listing.output.contains("index.json"))

        let layer = try PauseImage().buildLayer()
        try layer.write(to: URL(fileURLWithPath: dir.path + "/layer.tar"))
        try FileManager.default.createDirectory(atPath: dir.path + "/rootfs", withIntermediateDirectories: true)
        let extracted = try await shell("/bin/tar", ["-xf", dir.path + "/layer.tar", "-C", dir.path + "/rootfs"])
        #expect(extracted.status == 0, "\(extracted.output)")
        // The image's shell, started from the extracted rootfs, is the busybox copied in.
        let run = try await shell(dir.path + "/rootfs/bin/sh", ["-c", "echo ran"])
        #expect(run.output.contains("ran"))
        let resolved = try FileManager.default.destinationOfSymbolicLink(atPath: dir.path + "/rootfs/bin/sleep")
        #expect(resolved == "busybox")
    }

    @Test("a dynamically linked busybox is refused with the package to install")
    func refusesDynamicBusybox() throws {
        #expect {
            try PauseImage(busyboxPath: "/bin/ls").buildArchive()
        } throws: { error in
            (error as? ContainerdError)?.message.contains("busybox-static") == true
        }
        #expect {
            try PauseImage(busyboxPath: "/nonexistent/busybox").buildArchive()
        } throws: { error in
            (error as? ContainerdError)?.message.contains("cannot read /nonexistent/busybox") == true
        }
    }

    @Test("the tag comes from the reference")
    func tags() {
        #expect(PauseImage(reference: "tugboat.local/pause:3.10").tag == "3.10")
        #expect(PauseImage(reference: "127.0.0.1:5000/pause").tag == "latest")
        #expect(PauseImage(reference: "pause:v1").tag == "v1")
    }
}
