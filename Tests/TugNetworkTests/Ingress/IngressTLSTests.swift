import Foundation
import Logging
import NIOCore
import NIOSSL
import Testing
import TugAPI
import TugClient
@testable import TugNetwork

@Suite("Ingress TLS", .serialized)
struct IngressTLSTests {
    typealias F = IngressFixtures

    /// A self-signed certificate and key (PEM) for `host`, made by the openssl command.
    static func selfSigned(_ host: String) throws -> (cert: Data, key: Data) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tug-ingress-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("tls.crt"), key = dir.appendingPathComponent("tls.key")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                       "-subj", "/CN=\(host)", "-addext", "subjectAltName=DNS:\(host)", "-keyout", key.path, "-out", cert.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw IngressCertificateError("openssl req failed for \(host)") }
        return (try Data(contentsOf: cert), try Data(contentsOf: key))
    }

    static func tlsSecret(_ name: String, cert: Data, key: Data) -> CoreV1.Secret {
        var s = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        s.type = "kubernetes.io/tls"
        s.data = ["tls.crt": cert, "tls.key": key]
        return s
    }

    /// A client that trusts only `cert`: a handshake succeeds only if the proxy served it.
    static func trusting(_ cert: Data) throws -> NIOSSLContext {
        var config = TLSConfiguration.makeClientConfiguration()
        config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(cert)))
        return try NIOSSLContext(configuration: config)
    }

    @Test("HTTPS picks the certificate of the spec.tls entry for the SNI name (exact or wildcard) and forwards with X-Forwarded-Proto https")
    func servesBySNI() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            print("skipping Ingress TLS test: /usr/bin/openssl is missing (apt-get install openssl)")
            return
        }
        let secure = try Self.selfSigned("secure.example.com")
        let wild = try Self.selfSigned("*.wild.example.com")
        let cluster = try await IngressTestCluster.start()
        defer { cluster.stop() }
        let client = cluster.client
        let backend = try await EchoBackend.start("a")
        defer { backend.task.cancel() }
        try await IngressControllerTests.backendService(client, "svc-a", port: backend.port)
        _ = try await client.create(Self.tlsSecret("secure-tls", cert: secure.cert, key: secure.key))
        _ = try await client.create(Self.tlsSecret("wild-tls", cert: wild.cert, key: wild.key))
        var ingress = F.ingress("tls", paths: [F.path("/", "Prefix", service: "svc-a", port: 80)])
        ingress.spec?.tls = [NetworkingV1.IngressTLS(hosts: ["secure.example.com"], secretName: "secure-tls"),
                             NetworkingV1.IngressTLS(hosts: ["*.wild.example.com"], secretName: "wild-tls")]
        _ = try await client.create(ingress)

        let controller = IngressController(client: client, nodeIPs: ["127.0.0.1"], httpAddress: .init(host: "127.0.0.1", port: 0),
                                           httpsAddress: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "ingress-test"))
        let running = Task { try await controller.run() }
        defer { running.cancel() }
        let ports = await controller.listening.wait(https: true)
        let httpsPort = try #require(ports.https, "the HTTPS listener did not start")
        try await eventually("both certificates loaded") {
            let certs = controller.routes.routes.certificates
            return certs.certificate(forServerName: "secure.example.com") != nil && certs.certificate(forServerName: "a.wild.example.com") != nil
        }
        try await eventually("the route has ready endpoints") {
            if case .ready? = controller.routes.routes.route(host: "secure.example.com", path: "/")?.state { return true }
            return false
        }

        let replies = try await KeepAliveConnection.exchange(
            port: httpsPort, tls: (try Self.trusting(secure.cert), "secure.example.com"),
            [("secure.example.com", "/one"), ("secure.example.com", "/two")])
        #expect(replies.map(\.status) == [200, 200])
        let echoed = IngressControllerTests.json(replies.first?.body ?? "")
        #expect(echoed["xfp"] == "https")
        #expect(echoed["path"] == "/one")

        let wildReply = try await KeepAliveConnection.exchange(
            port: httpsPort, tls: (try Self.trusting(wild.cert), "api.wild.example.com"), [("api.wild.example.com", "/w")])
        #expect(wildReply.first?.status == 200)

        // A renewed certificate in the Secret applies to the next connection.
        let renewed = try Self.selfSigned("secure.example.com")
        var secret = try await client.get(CoreV1.Secret.self, namespace: "default", name: "secure-tls")
        secret.data = ["tls.crt": renewed.cert, "tls.key": renewed.key]
        _ = try await client.update(secret)
        try await eventually("the renewed certificate is served") {
            let reply = try? await KeepAliveConnection.exchange(
                port: httpsPort, tls: (try Self.trusting(renewed.cert), "secure.example.com"), [("secure.example.com", "/renewed")])
            return reply?.first?.status == 200
        }

        // A name no entry covers gets no certificate: the handshake fails.
        await #expect(throws: (any Error).self) {
            _ = try await KeepAliveConnection.exchange(
                port: httpsPort, tls: (try Self.trusting(secure.cert), "unknown.example.com"), [("unknown.example.com", "/")])
        }
        // A wildcard entry covers one label only: a deeper name gets no certificate either.
        await #expect(throws: (any Error).self) {
            _ = try await KeepAliveConnection.exchange(
                port: httpsPort, tls: (try Self.trusting(secure.cert), "deep.api.wild.example.com"), [("x", "/")])
        }
    }

    @Test("a malformed TLS secret is refused with a message naming what is wrong")
    func badSecret() {
        var s = Self.tlsSecret("broken", cert: Data("not a certificate".utf8), key: Data("nope".utf8))
        #expect(throws: IngressCertificateError.self) { try IngressCertificate(secret: s) }
        do {
            _ = try IngressCertificate(secret: s)
        } catch {
            #expect(error.message.contains("default/broken: tls.crt is not a PEM certificate chain"))
        }
        s.data?["tls.key"] = nil
        s.data?["tls.crt"] = Data("x".utf8)
        do {
            _ = try IngressCertificate(secret: s)
            Issue.record("a secret without tls.key was accepted")
        } catch {
            #expect(error.message == "secret default/broken has no tls.key")
        }
    }
}
