import Foundation

/// Imports an image archive (OCI image layout or `docker save` tar) into containerd through
/// `ctr images import`, unpacked for the default snapshotter so CRI can run it at once.
/// Backs `tug images import FILE.tar`.
public struct ImageImporter: Sendable, Hashable {
    public var ctr: CtrCommand
    public var platform: ImagePlatform

    public init(ctr: CtrCommand, platform: ImagePlatform = .host) {
        self.ctr = ctr
        self.platform = platform
    }

    /// Imports the archive and returns the names of the images it held.
    /// - Parameter baseName: names images of an OCI archive whose entries carry only a tag
    ///   (`org.opencontainers.image.ref.name`), as `BASENAME:TAG`; ctr otherwise makes one up.
    @discardableResult
    public func importArchive(atPath path: String, baseName: String? = nil) async throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ContainerdError("image archive \(path) does not exist")
        }
        guard !isDirectory.boolValue else {
            throw ContainerdError("\(path) is a directory; give a tar archive (an OCI layout can be packed with: tar -C DIR -cf FILE.tar .)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ContainerdError("image archive \(path) is not readable")
        }
        var arguments = ["images", "import", "--platform", platform.description]
        if let baseName {
            arguments += ["--base-name", baseName]
        }
        arguments.append(path)
        let output = try await ctr.run(arguments)
        return Self.importedNames(fromOutput: output)
    }

    /// ctr prints `unpacking NAME (sha256:…)...done` for each image it imported.
    static func importedNames(fromOutput output: String) -> [String] {
        output.split(whereSeparator: \.isNewline).compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, words[0] == "unpacking" else { return nil }
            return String(words[1])
        }
    }
}
