import Foundation

/// One image containerd holds, as `tug images ls` shows it.
public struct ImageSummary: Sendable, Hashable {
    public var name: String
    /// The digest of the image's index or manifest (`sha256:…`).
    public var digest: String
    /// ctr's rounded size of the content (`1.0 MiB`), and that size in bytes.
    public var sizeText: String
    public var sizeBytes: Int64
    public var mediaType: String
    /// `linux/amd64` and so on; empty when ctr shows none.
    public var platforms: [String]

    public init(name: String, digest: String, sizeText: String, sizeBytes: Int64, mediaType: String, platforms: [String]) {
        self.name = name
        self.digest = digest
        self.sizeText = sizeText
        self.sizeBytes = sizeBytes
        self.mediaType = mediaType
        self.platforms = platforms
    }

    /// CRI also names each image by its ID (`sha256:…`); those names are no one's choice.
    public var isDigestReference: Bool { name.hasPrefix("sha256:") }
}

/// Lists containerd's images through `ctr images ls`. Backs `tug images ls`.
public struct ImageLister: Sendable, Hashable {
    public var ctr: CtrCommand

    public init(ctr: CtrCommand) {
        self.ctr = ctr
    }

    /// The images sorted by name; `includeDigestReferences` keeps CRI's `sha256:…` ID names.
    public func list(includeDigestReferences: Bool = false) async throws -> [ImageSummary] {
        let output = try await ctr.run(["images", "ls"])
        return Self.parse(output)
            .filter { includeDigestReferences || !$0.isDigestReference }
            .sorted { $0.name < $1.name }
    }

    /// Parses ctr's table: `REF TYPE DIGEST SIZE PLATFORMS LABELS`, where SIZE is two words
    /// (`1.0 MiB`) and LABELS may be `-`. Lines that do not fit are skipped.
    static func parse(_ output: String) -> [ImageSummary] {
        output.split(whereSeparator: \.isNewline).compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 5, words[0] != "REF",
                  // The first word is the name, which for CRI's ID names is itself a digest.
                  let digestIndex = words.dropFirst().firstIndex(where: { $0.hasPrefix("sha256:") && $0.count == 71 }),
                  digestIndex + 2 < words.count,
                  let bytes = parseSize(words[digestIndex + 1], unit: words[digestIndex + 2]) else { return nil }
            let platformWord = digestIndex + 3 < words.count ? words[digestIndex + 3] : "-"
            return ImageSummary(
                name: words[0],
                digest: words[digestIndex],
                sizeText: words[digestIndex + 1] + " " + words[digestIndex + 2],
                sizeBytes: bytes,
                mediaType: digestIndex >= 2 ? words[digestIndex - 1] : "",
                platforms: platformWord == "-" ? [] : platformWord.split(separator: ",").map(String.init)
            )
        }
    }

    /// ctr prints sizes in binary units (`B`, `KiB`, `MiB`, …) with one decimal.
    static func parseSize(_ number: String, unit: String) -> Int64? {
        guard let value = Double(number) else { return nil }
        let units = ["B": 0, "KiB": 1, "MiB": 2, "GiB": 3, "TiB": 4, "PiB": 5, "kB": 1, "KB": 1, "MB": 2, "GB": 3]
        guard let power = units[unit] else { return nil }
        let multiplier: Double = unit.hasSuffix("iB") || unit == "B" ? 1024 : 1000
        return Int64((value * pow(multiplier, Double(power))).rounded())
    }
}
