import Crypto
import Foundation

/// The OCI image-spec documents the pause image needs, with the spec's JSON names.
enum OCIImage {
    static let indexMediaType = "application/vnd.oci.image.index.v1+json"
    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    static let configMediaType = "application/vnd.oci.image.config.v1+json"
    static let layerMediaType = "application/vnd.oci.image.layer.v1.tar"
    /// The tag part of a reference, per the image-layout spec.
    static let refNameAnnotation = "org.opencontainers.image.ref.name"
    /// The full reference, which containerd's importer prefers over the tag.
    static let containerdNameAnnotation = "io.containerd.image.name"

    struct Platform: Codable, Hashable {
        var architecture: String
        var os: String
    }

    struct Descriptor: Codable, Hashable {
        var mediaType: String
        var digest: String
        var size: Int
        var platform: Platform?
        var annotations: [String: String]?

        init(mediaType: String, blob: Data, platform: Platform? = nil, annotations: [String: String]? = nil) {
            self.mediaType = mediaType
            self.digest = OCIImage.digest(of: blob)
            self.size = blob.count
            self.platform = platform
            self.annotations = annotations
        }
    }

    struct Index: Codable, Hashable {
        var schemaVersion = 2
        var mediaType = OCIImage.indexMediaType
        var manifests: [Descriptor]
    }

    struct Manifest: Codable, Hashable {
        var schemaVersion = 2
        var mediaType = OCIImage.manifestMediaType
        var config: Descriptor
        var layers: [Descriptor]
    }

    struct Configuration: Codable, Hashable {
        struct ContainerConfig: Codable, Hashable {
            var Env: [String]?
            var Entrypoint: [String]?
            var Cmd: [String]?
            var WorkingDir: String?
            var StopSignal: String?
        }
        struct RootFS: Codable, Hashable {
            var type = "layers"
            var diff_ids: [String]
        }
        struct History: Codable, Hashable {
            var created: String?
            var created_by: String?
        }
        var created: String?
        var architecture: String
        var os: String
        var config: ContainerConfig
        var rootfs: RootFS
        var history: [History]?
    }

    struct Layout: Codable, Hashable {
        var imageLayoutVersion = "1.0.0"
    }

    /// `sha256:<hex>` of the bytes.
    static func digest(of data: Data) -> String {
        "sha256:" + SHA256.hash(data: data).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Canonical-enough JSON: sorted keys, no escaped slashes, so digests are reproducible.
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
