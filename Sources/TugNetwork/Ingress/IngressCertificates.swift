import Foundation
import NIOSSL
import TugAPI

/// A certificate chain and its key, from a `kubernetes.io/tls` Secret.
public struct IngressCertificate: Sendable {
    public let chain: [NIOSSLCertificate]
    public let key: NIOSSLPrivateKey
    /// `namespace/name` of the Secret.
    public let secret: String

    /// Parses `tls.crt` (PEM chain, leaf first) and `tls.key` (PEM key) of a Secret.
    public init(secret: CoreV1.Secret) throws(IngressCertificateError) {
        let name = "\(secret.metadata.namespace ?? "")/\(secret.metadata.name ?? "")"
        guard secret.type == "kubernetes.io/tls" else {
            throw IngressCertificateError("secret \(name) has type \(secret.type ?? "Opaque"), not kubernetes.io/tls")
        }
        guard let crt = secret.data?["tls.crt"], !crt.isEmpty else {
            throw IngressCertificateError("secret \(name) has no tls.crt")
        }
        guard let key = secret.data?["tls.key"], !key.isEmpty else {
            throw IngressCertificateError("secret \(name) has no tls.key")
        }
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(crt))
        } catch {
            throw IngressCertificateError("secret \(name): tls.crt is not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw IngressCertificateError("secret \(name): tls.crt holds no certificate") }
        do {
            self.key = try NIOSSLPrivateKey(bytes: Array(key), format: .pem)
        } catch {
            throw IngressCertificateError("secret \(name): tls.key is not a PEM private key (\(error))")
        }
        self.secret = name
    }
}

public struct IngressCertificateError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Certificates by the host names of `spec.tls` entries, chosen by the client's SNI name: an
/// exact host first, then a wildcard entry (`*.example.com`, one label), then the first entry
/// that names no hosts.
public struct IngressCertificates: Sendable {
    let exact: [String: IngressCertificate]
    let wildcard: [String: IngressCertificate]
    let fallback: IngressCertificate?

    public static let none = IngressCertificates(exact: [:], wildcard: [:], fallback: nil)

    init(exact: [String: IngressCertificate], wildcard: [String: IngressCertificate], fallback: IngressCertificate?) {
        self.exact = exact
        self.wildcard = wildcard
        self.fallback = fallback
    }

    /// From our Ingresses (oldest first wins a host) and the parsed Secrets they name.
    public init(ingresses: [CompiledIngress], secrets: [String: IngressCertificate]) {
        var exact: [String: IngressCertificate] = [:]
        var wildcard: [String: IngressCertificate] = [:]
        var fallback: IngressCertificate?
        for ingress in ingresses.sorted(by: { $0.age < $1.age }) {
            for entry in ingress.tls {
                guard let cert = secrets[entry.secretKey] else { continue }
                if entry.hosts.isEmpty, fallback == nil { fallback = cert }
                for host in entry.hosts {
                    if host.hasPrefix("*.") {
                        let domain = String(host.dropFirst(2))
                        if wildcard[domain] == nil { wildcard[domain] = cert }
                    } else if exact[host] == nil {
                        exact[host] = cert
                    }
                }
            }
        }
        self.init(exact: exact, wildcard: wildcard, fallback: fallback)
    }

    public var isEmpty: Bool { exact.isEmpty && wildcard.isEmpty && fallback == nil }

    /// The certificate for a TLS client hello naming `serverName` (nil: none fits).
    public func certificate(forServerName serverName: String?) -> IngressCertificate? {
        let host = IngressHost.normalize(serverName ?? "")
        if !host.isEmpty {
            if let cert = exact[host] { return cert }
            if let domain = IngressHost.wildcardDomain(of: host), let cert = wildcard[String(domain)] { return cert }
        }
        return fallback
    }
}
