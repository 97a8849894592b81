import Foundation
import NIOSSL

/// The HTTPS listener's TLS setup: no certificate of its own; each handshake gets the
/// certificate of the Ingress `spec.tls` entry that covers the client's SNI name, looked up in
/// the current routing table, so new or renewed Secrets apply to the next connection.
enum IngressTLS {
    static func serverConfiguration(store: IngressRoutesStore) -> TLSConfiguration {
        var config = TLSConfiguration.makeClientConfiguration()
        // Server side: clients present no certificate.
        config.certificateVerification = .none
        config.minimumTLSVersion = .tlsv12
        config.applicationProtocols = ["http/1.1"]
        config.sslContextCallback = { values, promise in
            guard let cert = store.routes.certificates.certificate(forServerName: values.serverHostname) else {
                promise.fail(IngressCertificateError("no Ingress TLS certificate covers server name \"\(values.serverHostname ?? "")\""))
                return
            }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = cert.chain.map { .certificate($0) }
            override.privateKey = .privateKey(cert.key)
            promise.succeed(override)
        }
        return config
    }
}
