import Foundation

/// containerd's per-registry host files (`certs.d/HOST:PORT/hosts.toml`, read through
/// `registry.config_path`) for registries reached over plain HTTP, such as a registry on loopback.
/// containerd rereads this folder on each pull, so no restart is needed after `write()`.
public struct RegistryHosts: Sendable, Hashable {
    /// First line of every file this type writes; only such files are ever removed.
    static let marker = "# Written by Tugboat for an insecure registry."

    /// The `certs.d` folder (`ContainerdConfig.registryConfigDirectory`).
    public var directory: String
    /// Registries as `HOST:PORT` (or `HOST`), as given to `--insecure-registry`.
    public var insecureRegistries: [String]

    public init(directory: String, insecureRegistries: [String]) {
        self.directory = directory
        self.insecureRegistries = insecureRegistries
    }

    /// `HOST[:PORT]` from what a user typed: an `http://` prefix and a trailing slash are
    /// accepted and dropped; a path, an `https://` scheme or a bad port is an error.
    public static func registryHost(_ input: String) throws -> String {
        var host = input.trimmingCharacters(in: .whitespaces)
        if host.hasPrefix("http://") { host.removeFirst("http://".count) }
        while host.hasSuffix("/") { host.removeLast() }
        if host.hasPrefix("https://") {
            throw ContainerdError("insecure registry '\(input)': give HOST:PORT of a plain-HTTP registry, not an https:// URL")
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains(where: \.isWhitespace) else {
            throw ContainerdError("insecure registry '\(input)' must be HOST or HOST:PORT (for example 127.0.0.1:5000)")
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_:[]"))
        guard host.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else {
            throw ContainerdError("insecure registry '\(input)' has characters a host name cannot have")
        }
        // The port is what follows the last colon, unless that colon is inside an IPv6 literal.
        if let colon = host.lastIndex(of: ":"), !host[colon...].contains("]") {
            let port = host[host.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else {
                throw ContainerdError("insecure registry '\(input)': port '\(port)' is not a number from 1 to 65535")
            }
            guard colon != host.startIndex else {
                throw ContainerdError("insecure registry '\(input)' has a port but no host")
            }
        }
        return host
    }

    /// The hosts.toml that makes containerd pull and resolve `host` over plain HTTP.
    public static func hostsTOML(for registry: String) throws -> String {
        let host = try registryHost(registry)
        let server = "http://" + host
        return [
            marker,
            "server = \(TOMLText.string(server))",
            "",
            "[host.\(TOMLText.string(server))]",
            "  capabilities = [\"pull\", \"resolve\"]",
            "  skip_verify = true",
            "",
        ].joined(separator: "\n")
    }

    /// Writes one hosts.toml per registry and removes the ones this type wrote earlier for
    /// registries no longer listed. Returns the paths written.
    @discardableResult
    public func write() throws -> [String] {
        let hosts = try insecureRegistries.map(Self.registryHost)
        let fm = FileManager.default
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written: [String] = []
        for host in Set(hosts).sorted() {
            let folder = directory + "/" + host
            let file = folder + "/hosts.toml"
            do {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(try Self.hostsTOML(for: host).utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            } catch let error as ContainerdError {
                throw error
            } catch {
                throw ContainerdError("cannot write \(file): \(error.localizedDescription)")
            }
            written.append(file)
        }
        for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where !hosts.contains(name) {
            let file = directory + "/" + name + "/hosts.toml"
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), text.hasPrefix(Self.marker) else { continue }
            try? fm.removeItem(atPath: file)
            try? fm.removeItem(atPath: directory + "/" + name) // only succeeds when nothing else is there
        }
        return written
    }
}
