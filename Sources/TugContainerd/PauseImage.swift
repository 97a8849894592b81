import Foundation

/// The sandbox ("pause") image a node gets without the internet: built here from the host's
/// static busybox as an OCI image-layout archive and imported into CRI's `k8s.io` namespace.
/// Its one process, a shell, sleeps until SIGTERM or SIGINT and then exits 0; the same inputs
/// always give the same archive, so importing again changes nothing.
public struct PauseImage: Sendable, Hashable {
    /// The name `ContainerdConfig.sandboxImage` defaults to.
    public static let defaultReference = "tugboat.local/pause:3.10"
    /// Debian's busybox-static installs a statically linked busybox here.
    public static let defaultBusyboxPath = "/bin/busybox"
    /// Applets linked to busybox inside the image.
    public static let applets = ["sh", "sleep"]
    /// Sleeps in the background and waits, so the TERM trap runs at once rather than after a sleep.
    public static let entrypoint = ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while true; do sleep 3600 & wait $!; done"]

    public var reference: String
    public var busyboxPath: String
    public var platform: ImagePlatform

    public init(reference: String = PauseImage.defaultReference,
                busyboxPath: String = PauseImage.defaultBusyboxPath,
                platform: ImagePlatform = .host) {
        self.reference = reference
        self.busyboxPath = busyboxPath
        self.platform = platform
    }

    /// The tag in `reference` (`3.10` in `tugboat.local/pause:3.10`), `latest` when none.
    public var tag: String {
        let lastSegment = reference.split(separator: "/").last.map(String.init) ?? reference
        guard let colon = lastSegment.lastIndex(of: ":") else { return "latest" }
        return String(lastSegment[lastSegment.index(after: colon)...])
    }

    /// The OCI image-layout archive (a tar holding `oci-layout`, `index.json` and `blobs/sha256/…`).
    public func buildArchive() throws -> Data {
        guard !reference.isEmpty, !reference.contains(where: \.isWhitespace), !reference.contains("@") else {
            throw ContainerdError("pause image reference '\(reference)' must be NAME:TAG")
        }
        let layer = try buildLayer()
        let layerDescriptor = OCIImage.Descriptor(mediaType: OCIImage.layerMediaType, blob: layer)
        let configuration = OCIImage.Configuration(
            created: "2024-01-01T00:00:00Z",
            architecture: platform.architecture,
            os: platform.os,
            config: .init(Env: ["PATH=/bin"], Entrypoint: Self.entrypoint, Cmd: nil, WorkingDir: "/", StopSignal: "SIGTERM"),
            // An uncompressed layer's diff ID is its own digest.
            rootfs: .init(diff_ids: [layerDescriptor.digest]),
            history: [.init(created: "2024-01-01T00:00:00Z", created_by: "tugboat: busybox-static with \(Self.applets.joined(separator: ", ")) links")]
        )
        let configBlob = try OCIImage.encode(configuration)
        let configDescriptor = OCIImage.Descriptor(mediaType: OCIImage.configMediaType, blob: configBlob)
        let manifestBlob = try OCIImage.encode(OCIImage.Manifest(config: configDescriptor, layers: [layerDescriptor]))
        let manifestDescriptor = OCIImage.Descriptor(
            mediaType: OCIImage.manifestMediaType, blob: manifestBlob,
            platform: .init(architecture: platform.architecture, os: platform.os),
            annotations: [OCIImage.refNameAnnotation: tag, OCIImage.containerdNameAnnotation: reference]
        )
        let index = try OCIImage.encode(OCIImage.Index(manifests: [manifestDescriptor]))

        var archive = TarArchive()
        try archive.addFile("oci-layout", contents: try OCIImage.encode(OCIImage.Layout()))
        try archive.addFile("index.json", contents: index)
        try archive.addDirectory("blobs")
        try archive.addDirectory("blobs/sha256")
        for (descriptor, blob) in [(layerDescriptor, layer), (configDescriptor, configBlob), (manifestDescriptor, manifestBlob)] {
            try archive.addFile("blobs/sha256/" + descriptor.digest.dropFirst("sha256:".count), contents: blob)
        }
        return archive.finish()
    }

    /// Writes `buildArchive()` to a file.
    public func writeArchive(toPath path: String) throws {
        let archive = try buildArchive()
        do {
            try archive.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ContainerdError("cannot write pause image archive \(path): \(error.localizedDescription)")
        }
    }

    /// Imports the image through ctr unless containerd already has `reference`; returns whether
    /// it imported. The archive is written to a temporary file that is removed afterwards.
    @discardableResult
    public func ensureImported(using ctr: CtrCommand) async throws -> Bool {
        let present = try await ImageLister(ctr: ctr).list(includeDigestReferences: false)
        if present.contains(where: { $0.name == reference }) { return false }
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("tug-pause-\(UUID().uuidString).tar").path
        try writeArchive(toPath: file)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let imported = try await ImageImporter(ctr: ctr, platform: platform).importArchive(atPath: file)
        guard imported.contains(reference) else {
            throw ContainerdError("importing the pause image gave \(imported.isEmpty ? "no image" : imported.joined(separator: ", ")), not \(reference)")
        }
        return true
    }

    /// The layer tar: busybox at /bin/busybox, applet symlinks, and empty mount points.
    func buildLayer() throws -> Data {
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw ContainerdError("cannot read \(busyboxPath) for the pause image; install a static busybox: apt-get install busybox-static")
        }
        switch ELFLinkage.kind(of: busybox) {
        case .staticExecutable: break
        case .dynamicExecutable:
            throw ContainerdError("\(busyboxPath) is dynamically linked and cannot run alone in the pause image; install busybox-static (apt-get install busybox-static)")
        case .notELF:
            throw ContainerdError("\(busyboxPath) is not an ELF executable")
        }
        var layer = TarArchive()
        for directory in ["bin", "dev", "proc", "sys"] { try layer.addDirectory(directory) }
        try layer.addFile("bin/busybox", contents: busybox, mode: 0o755)
        for applet in Self.applets { try layer.addSymlink("bin/" + applet, target: "busybox") }
        return layer.finish()
    }
}
