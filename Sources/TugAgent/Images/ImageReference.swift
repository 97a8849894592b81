import Foundation

/// A container image name as Docker and containerd read it: `busybox` is
/// `docker.io/library/busybox:latest`; the first path part is a registry when it has a dot or a
/// colon or is `localhost`.
struct ImageReference: Sendable, Hashable {
    let registry: String
    /// `library/busybox`, `team/app`.
    let repository: String
    let tag: String?
    let digest: String?

    init(_ name: String) {
        var rest = Substring(name)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let parts = rest.split(separator: "/", maxSplits: 1)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = String(parts[0])
            repository = String(parts[1])
        } else {
            registry = "docker.io"
            repository = parts.count == 1 ? "library/" + rest : String(rest)
        }
        self.tag = tag ?? (digest == nil ? "latest" : nil)
        self.digest = digest
    }

    /// Docker's reference grammar, in short: lowercase repository path components of letters,
    /// digits and separators; a tag of up to 128 word characters, dots and dashes; a digest
    /// `algorithm:hex`.
    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return false }
        let reference = ImageReference(name)
        let componentCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        let components = reference.repository.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy({ component in
            guard let first = component.first else { return false }
            return (first.isLetter || first.isNumber) && component.allSatisfy(componentCharacters.contains)
        }) else { return false }
        if let tag = reference.tag {
            guard !tag.isEmpty, tag.count <= 128, tag.first != ".", tag.first != "-",
                  tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }) else { return false }
        }
        if let digest = reference.digest {
            let parts = digest.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 32, parts[1].allSatisfy(\.isHexDigit) else { return false }
        }
        return true
    }

    /// The registry names Docker Hub goes by in credential files.
    var registryAliases: [String] {
        registry == "docker.io" ? ["docker.io", "index.docker.io", "registry-1.docker.io"] : [registry]
    }
}
