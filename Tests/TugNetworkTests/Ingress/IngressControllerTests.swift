import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing
import TugAPI
import TugClient
@testable import TugNetwork

@Suite("Ingress controller end to end", .serialized)
struct IngressControllerTests {
    typealias F = IngressFixtures

    /// A Service `name` with port 80 (named `http`) whose EndpointSlice points at 127.0.0.1:`port`.
    static func backendService(_ client: APIClient, _ name: String, port: Int?) async throws {
        _ = try await client.create(F.service(name, ports: [(name: "http", port: 80, target: port ?? 80)]))
        let ready = port == nil ? [] : ["127.0.0.1"]
        _ = try await client.create(F.slice("\(name)-1", service: name, ports: [(name: "http", port: port ?? 80)], ready: ready))
    }

    static func json(_ body: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]) ?? [:]
    }

    @Test("an Ingress routes /a and /b to two services over keep-alive; 404, 503 and 502 say why; status gets the node address")
    func routesThroughProxy() async throws {
        let cluster = try await IngressTestCluster.start()
        defer { cluster.stop() }
        let client = cluster.client
        let a = try await EchoBackend.start("a"), b = try await EchoBackend.start("b")
        defer { a.task.cancel(); b.task.cancel() }
        let closedPort = try Self.closedPort()

        try await Self.backendService(client, "svc-a", port: a.port)
        try await Self.backendService(client, "svc-b", port: b.port)
        try await Self.backendService(client, "svc-empty", port: nil)
        try await Self.backendService(client, "svc-dead", port: closedPort)
        // One dead and one live endpoint: GETs move on to the live one.
        try await Self.backendService(client, "svc-half", port: closedPort)
        _ = try await client.create(F.slice("svc-half-2", service: "svc-half", ports: [(name: "http", port: a.port)], ready: ["127.0.0.1"]))
        _ = try await client.create(F.ingress("web", className: nil, host: "app.example.com", paths: [
            F.path("/a", "Prefix", service: "svc-a", port: 80),
            F.path("/b", "Prefix", service: "svc-b", portName: "http"),
            F.path("/empty", "Exact", service: "svc-empty", port: 80),
            F.path("/dead", "Prefix", service: "svc-dead", port: 80),
            F.path("/half", "Prefix", service: "svc-half", port: 80),
        ]))
        _ = try await client.create(F.ingress("nginx-only", className: "nginx", host: "other.example.com",
                                              paths: [F.path("/", "Prefix", service: "svc-a", port: 80)]))

        let controller = IngressController(client: client, nodeIPs: ["127.0.0.1"],
                                           httpAddress: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "ingress-test"))
        let running = Task { try await controller.run() }
        defer { running.cancel() }
        let port = try #require(await controller.listening.wait().http, "the proxy did not start listening")

        // The tugboat class is created as the default, so the class-less Ingress is ours.
        try await eventually("the tugboat IngressClass") {
            let cls = try? await client.get(NetworkingV1.IngressClass.self, name: "tugboat")
            return cls?.spec?.controller == "tugboat.dev/ingress"
                && cls?.metadata.annotations?["ingressclass.kubernetes.io/is-default-class"] == "true"
        }
        try await eventually("routes for /a and /b with ready endpoints") {
            let routes = controller.routes.routes
            guard case .ready? = routes.route(host: "app.example.com", path: "/a")?.state,
                  case .ready? = routes.route(host: "app.example.com", path: "/b")?.state else { return false }
            return true
        }

        // Several requests on one client connection, alternating backends.
        let replies = try await KeepAliveConnection.exchange(port: port, [
            ("app.example.com", "/a/one"), ("app.example.com", "/b/two?x=1"), ("app.example.com", "/a"),
            ("app.example.com", "/a/three"), ("app.example.com", "/a/four"),
        ])
        #expect(replies.map(\.status) == [200, 200, 200, 200, 200])
        let echoed = replies.map { Self.json($0.body) }
        #expect(echoed.map { $0["backend"] } == ["a", "b", "a", "a", "a"])
        #expect(echoed.map { $0["path"] } == ["/a/one", "/b/two?x=1", "/a", "/a/three", "/a/four"])
        #expect(echoed[0]["host"] == "app.example.com")
        #expect(echoed[0]["xff"] == "127.0.0.1")
        #expect(echoed[0]["xfh"] == "app.example.com")
        #expect(echoed[0]["xfp"] == "http")
        #expect(replies.allSatisfy { !$0.headers["connection"].contains { $0.lowercased() == "close" } })
        // The proxy pools its backend connections: four sequential requests to `a` do not need four connections.
        let upstreamPorts = Set(echoed.filter { $0["backend"] == "a" }.compactMap { $0["peerPort"] })
        #expect(upstreamPorts.count < 4, "backend connections were not reused: \(upstreamPorts)")

        // What no rule matches, a backend without endpoints, and one that does not answer.
        let errors = try await KeepAliveConnection.exchange(port: port, [
            ("app.example.com", "/nothing-here"), ("other.example.com", "/"), ("app.example.com", "/empty"),
            ("app.example.com", "/dead/x"),
        ])
        #expect(errors.map(\.status) == [404, 404, 503, 502])
        #expect(errors[0].body.contains("no Ingress rule matches host \"app.example.com\" and path \"/nothing-here\""))
        #expect(errors[2].body.contains("service default/svc-empty has no ready endpoints for port 80"))
        #expect(errors[3].body.contains("endpoint 127.0.0.1:\(closedPort) did not answer"))

        try await eventually("svc-half has both endpoints") {
            controller.routes.routes.route(host: "app.example.com", path: "/half")?.state
                == .ready([IngressEndpoint(host: "127.0.0.1", port: closedPort), IngressEndpoint(host: "127.0.0.1", port: a.port)].sorted { $0.port < $1.port })
        }
        let half = try await KeepAliveConnection.exchange(port: port, Array(repeating: ("app.example.com", "/half"), count: 8))
        #expect(half.map(\.status) == Array(repeating: 200, count: 8), "GETs fail over from the dead endpoint to the live one")

        // Keep-alive round trips through the proxy, for the record (not asserted: machines differ).
        let rounds = 200
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            let r = try await KeepAliveConnection.exchange(port: port, Array(repeating: ("app.example.com", "/a/bench"), count: rounds))
            #expect(r.allSatisfy { $0.status == 200 })
        }
        print("ingress proxy: \(rounds) sequential keep-alive requests in \(elapsed), \(elapsed / rounds) each")

        // Our Ingress gets the node address; the other controller's does not.
        try await eventually("status.loadBalancer.ingress of default/web") {
            let ing = try await client.get(NetworkingV1.Ingress.self, namespace: "default", name: "web")
            return ing.status?.loadBalancer?.ingress == [NetworkingV1.IngressLoadBalancerIngress(ip: "127.0.0.1")]
        }
        let other = try await client.get(NetworkingV1.Ingress.self, namespace: "default", name: "nginx-only")
        #expect(other.status?.loadBalancer?.ingress == nil)

        // Scaling the backend to nothing makes it refuse at once; endpoints coming back restore it.
        var slice = try await client.get(DiscoveryV1.EndpointSlice.self, namespace: "default", name: "svc-b-1")
        slice.endpoints = []
        slice = try await client.update(slice)
        try await eventually("svc-b without endpoints answers 503") {
            try await KeepAliveConnection.exchange(port: port, [("app.example.com", "/b")]).first?.status == 503
        }
        slice.endpoints = [DiscoveryV1.Endpoint(addresses: ["127.0.0.1"], conditions: DiscoveryV1.EndpointConditions(ready: true))]
        _ = try await client.update(slice)
        try await eventually("svc-b answers again") {
            try await KeepAliveConnection.exchange(port: port, [("app.example.com", "/b")]).first?.status == 200
        }
    }

    @Test("request bodies stream to the backend and the class is not overwritten once the user changed it")
    func streamsBodiesAndRespectsUserClass() async throws {
        let cluster = try await IngressTestCluster.start()
        defer { cluster.stop() }
        let client = cluster.client
        let a = try await EchoBackend.start("a")
        defer { a.task.cancel() }
        try await Self.backendService(client, "svc-a", port: a.port)
        // The user made the class non-default before the controller ran: it stays so, and an
        // Ingress without a class is then not ours.
        var userClass = IngressClassPolicy.defaultIngressClass()
        userClass.metadata.annotations = ["ingressclass.kubernetes.io/is-default-class": "false"]
        _ = try await client.create(userClass)
        _ = try await client.create(F.ingress("named", className: "tugboat", paths: [F.path("/upload", "Prefix", service: "svc-a", port: 80)]))
        _ = try await client.create(F.ingress("unclassed", className: nil, host: "x.example.com",
                                              paths: [F.path("/", "Prefix", service: "svc-a", port: 80)]))

        let controller = IngressController(client: client, nodeIPs: ["127.0.0.1"],
                                           httpAddress: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "ingress-test"))
        let running = Task { try await controller.run() }
        defer { running.cancel() }
        let port = try #require(await controller.listening.wait().http)
        try await eventually("the /upload route") {
            if case .ready? = controller.routes.routes.route(host: "any", path: "/upload")?.state { return true }
            return false
        }

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        // 4 MiB in 64 KiB chunks with no length known up front (chunked).
        let chunk = ByteBuffer(repeating: 0x61, count: 64 << 10)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/upload/file")
        request.method = .POST
        request.headers.add(name: "Host", value: "files.example.com")
        request.body = .stream(AsyncStream<ByteBuffer> { c in
            for _ in 0..<64 { c.yield(chunk) }
            c.finish()
        }, length: .unknown)
        let response = try await http.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(Self.json(String(buffer: body))["bodyBytes"] == String(4 << 20))
        try await http.shutdown()

        let unclassed = try await KeepAliveConnection.exchange(port: port, [("x.example.com", "/upload/no")])
        #expect(unclassed.first?.status == 200, "x.example.com falls to the host-less /upload rule of the named Ingress")
        let cls = try await client.get(NetworkingV1.IngressClass.self, name: "tugboat")
        #expect(cls.metadata.annotations?["ingressclass.kubernetes.io/is-default-class"] == "false")
        #expect(controller.routes.routes.route(host: "x.example.com", path: "/")?.ingress == nil)
        try await eventually("status of the named Ingress") {
            try await client.get(NetworkingV1.Ingress.self, namespace: "default", name: "named").status?.loadBalancer?.ingress?.first?.ip == "127.0.0.1"
        }
        let unclassedIngress = try await client.get(NetworkingV1.Ingress.self, namespace: "default", name: "unclassed")
        #expect(unclassedIngress.status?.loadBalancer?.ingress == nil)

        // Handing the Ingress to another class takes it off the proxy and clears the status we wrote.
        var named = try await client.get(NetworkingV1.Ingress.self, namespace: "default", name: "named")
        named.spec?.ingressClassName = "nginx"
        _ = try await client.update(named)
        try await eventually("the status of the handed-over Ingress is cleared") {
            try await client.get(NetworkingV1.Ingress.self, namespace: "default", name: "named").status?.loadBalancer?.ingress == nil
        }
        try await eventually("the handed-over Ingress no longer routes") {
            try await KeepAliveConnection.exchange(port: port, [("files.example.com", "/upload")]).first?.status == 404
        }
    }

    /// A port on 127.0.0.1 with nothing listening (bound once, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw IngressCertificateError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw IngressCertificateError("bind() failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
