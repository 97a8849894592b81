import Foundation
import TugAPI
import TugRuntime

/// Registry credentials from a pod's `imagePullSecrets`: Secrets of type
/// `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`, `{"auths": {...}}`) or
/// `kubernetes.io/dockercfg` (`.dockercfg`, the entries themselves). Each entry has `auth`
/// (base64 `user:password`) or `username`/`password`, keyed by registry, optionally with a
/// scheme and a path (`https://index.docker.io/v1/`, `127.0.0.1:5000`, `registry.io/team`).
struct RegistryCredentials: Sendable {
    struct Entry: Sendable, Hashable {
        /// Registry host[:port], lowercased.
        var host: String
        /// Repository path prefix the entry is limited to ("" for the whole registry).
        var pathPrefix: String
        var auth: ImageAuth
    }

    private(set) var entries: [Entry] = []

    init(entries: [Entry] = []) { self.entries = entries }

    /// Reads the Secrets' entries; a Secret that is not a docker config is an error naming it.
    init(secrets: [CoreV1.Secret]) throws {
        for secret in secrets {
            let name = secret.metadata.name ?? ""
            let data = secret.data ?? [:]
            let json: [String: Any]
            if let raw = data[".dockerconfigjson"] {
                guard let parsed = try? JSONSerialization.jsonObject(with: raw) as? [String: Any] else {
                    throw CredentialError("imagePullSecret \"\(name)\": .dockerconfigjson is not a JSON object")
                }
                json = parsed["auths"] as? [String: Any] ?? [:]
            } else if let raw = data[".dockercfg"] {
                guard let parsed = try? JSONSerialization.jsonObject(with: raw) as? [String: Any] else {
                    throw CredentialError("imagePullSecret \"\(name)\": .dockercfg is not a JSON object")
                }
                json = parsed
            } else {
                throw CredentialError("imagePullSecret \"\(name)\" has neither .dockerconfigjson nor .dockercfg")
            }
            for key in json.keys.sorted() {
                guard let fields = json[key] as? [String: Any] else { continue }
                var username = fields["username"] as? String ?? ""
                var password = fields["password"] as? String ?? ""
                if let encoded = fields["auth"] as? String, !encoded.isEmpty,
                   let decoded = Data(base64Encoded: encoded).flatMap({ String(data: $0, encoding: .utf8) }),
                   let colon = decoded.firstIndex(of: ":") {
                    username = String(decoded[..<colon])
                    password = String(decoded[decoded.index(after: colon)...])
                }
                let (host, path) = Self.split(key)
                entries.append(Entry(host: host, pathPrefix: path,
                                     auth: ImageAuth(username: username, password: password, serverAddress: host,
                                                     identityToken: fields["identitytoken"] as? String ?? "",
                                                     registryToken: fields["registrytoken"] as? String ?? "")))
            }
        }
    }

    /// The credentials that apply to `image`, most specific path first (kubelet tries each).
    func credentials(for image: ImageReference) -> [ImageAuth] {
        let hosts = Set(image.registryAliases)
        return entries
            .filter { hosts.contains($0.host) && (Self.isDockerHubIndexPath($0) || $0.pathPrefix.isEmpty
                || image.repository == $0.pathPrefix || image.repository.hasPrefix($0.pathPrefix + "/")) }
            .sorted { $0.pathPrefix.count > $1.pathPrefix.count }
            .map(\.auth)
    }

    /// `https://index.docker.io/v1/` is Docker Hub as a whole, not a repository path.
    private static func isDockerHubIndexPath(_ entry: Entry) -> Bool {
        entry.host == "index.docker.io" && (entry.pathPrefix == "v1" || entry.pathPrefix == "v2")
    }

    /// `https://Registry.io:5000/team/` -> (`registry.io:5000`, `team`).
    static func split(_ key: String) -> (host: String, path: String) {
        var rest = Substring(key)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let host = String(parts.first ?? "").lowercased()
        var path = parts.count > 1 ? String(parts[1]) : ""
        while path.hasSuffix("/") { path.removeLast() }
        return (host, path)
    }
}

struct CredentialError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
