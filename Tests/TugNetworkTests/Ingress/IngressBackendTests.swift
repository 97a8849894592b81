import Foundation
import Hummingbird
import NIOHTTP1
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Ingress backends and classes")
struct IngressBackendTests {
    typealias F = IngressFixtures

    @Test("a port number or a port name selects the Service port; the slice port of that name gives the target port")
    func namedAndNumberedPorts() {
        let svc = F.service("web", ports: [(name: "http", port: 80, target: 8080), (name: "admin", port: 9000, target: 9090)])
        let slice = F.slice("web-abc", service: "web", ports: [(name: "http", port: 8080), (name: "admin", port: 9090)],
                            ready: ["10.42.0.5", "10.42.0.6"], notReady: ["10.42.0.7"])
        let byNumber = IngressBackendResolver.resolve(IngressBackendRef(namespace: "default", service: "web", port: .number(80)),
                                                      service: svc, slices: [slice])
        #expect(byNumber == .ready([IngressEndpoint(host: "10.42.0.5", port: 8080), IngressEndpoint(host: "10.42.0.6", port: 8080)]))
        let byName = IngressBackendResolver.resolve(IngressBackendRef(namespace: "default", service: "web", port: .name("admin")),
                                                    service: svc, slices: [slice])
        #expect(byName == .ready([IngressEndpoint(host: "10.42.0.5", port: 9090), IngressEndpoint(host: "10.42.0.6", port: 9090)]))
    }

    @Test("an unnamed single port, endpoints spread over several slices, deduplicated")
    func unnamedPortAcrossSlices() {
        let svc = F.service("api", ports: [(name: nil, port: 80, target: 3000)])
        let a = F.slice("api-a", service: "api", ports: [(name: nil, port: 3000)], ready: ["10.42.1.2"])
        let b = F.slice("api-b", service: "api", ports: [(name: "", port: 3000)], ready: ["10.42.1.3", "10.42.1.2"])
        let state = IngressBackendResolver.resolve(IngressBackendRef(namespace: "default", service: "api", port: .number(80)),
                                                   service: svc, slices: [a, b])
        #expect(state == .ready([IngressEndpoint(host: "10.42.1.2", port: 3000), IngressEndpoint(host: "10.42.1.3", port: 3000)]))
    }

    @Test("no service, no such port, and no ready endpoints are unavailable with a reason")
    func unavailable() {
        let ref = IngressBackendRef(namespace: "default", service: "web", port: .number(80))
        let svc = F.service("web", ports: [(name: "http", port: 80, target: 8080)])
        #expect(IngressBackendResolver.resolve(ref, service: nil, slices: [])
            == .unavailable("service default/web does not exist"))
        #expect(IngressBackendResolver.resolve(IngressBackendRef(namespace: "default", service: "web", port: .name("grpc")), service: svc, slices: [])
            == .unavailable("service default/web has no TCP port grpc"))
        let notReady = F.slice("web-x", service: "web", ports: [(name: "http", port: 8080)], ready: [], notReady: ["10.42.0.9"])
        #expect(IngressBackendResolver.resolve(ref, service: svc, slices: [notReady])
            == .unavailable("service default/web has no ready endpoints for port 80"))
    }

    @Test("class selection: tugboat by name, any class with our controller, the legacy annotation, unclassed while ours is the default")
    func classSelection() {
        let ours = F.ingressClass("tugboat", controller: IngressClassPolicy.controllerName, isDefault: true)
        let alsoOurs = F.ingressClass("internal", controller: IngressClassPolicy.controllerName)
        let nginx = F.ingressClass("nginx", controller: "k8s.io/ingress-nginx")
        let policy = IngressClassPolicy(classes: [ours, alsoOurs, nginx])
        #expect(policy.owns(F.ingress("a", className: "tugboat")))
        #expect(policy.owns(F.ingress("b", className: "internal")))
        #expect(!policy.owns(F.ingress("c", className: "nginx")))
        #expect(!policy.owns(F.ingress("d", className: "missing")))
        #expect(policy.owns(F.ingress("e", className: nil)))
        #expect(policy.owns(F.ingress("f", className: nil, annotations: [IngressClassPolicy.legacyClassAnnotation: "tugboat"])))
        #expect(!policy.owns(F.ingress("g", className: nil, annotations: [IngressClassPolicy.legacyClassAnnotation: "nginx"])))

        // Unclassed Ingresses are ours only while our class is the (only) default.
        let notDefault = IngressClassPolicy(classes: [F.ingressClass("tugboat", controller: IngressClassPolicy.controllerName), nginx])
        #expect(!notDefault.owns(F.ingress("e", className: nil)))
        #expect(notDefault.owns(F.ingress("a", className: "tugboat")))
        let otherDefault = IngressClassPolicy(classes: [ours, F.ingressClass("nginx", controller: "k8s.io/ingress-nginx", isDefault: true)])
        #expect(!otherDefault.owns(F.ingress("e", className: nil)))
    }

    @Test("the builder serves only our Ingresses and follows EndpointSlice changes without recompiling rules")
    func builderFollowsChanges() async throws {
        let store = IngressRoutesStore()
        let builder = IngressRouteBuilder(store: store)
        await builder.setClass(F.ingressClass("tugboat", controller: IngressClassPolicy.controllerName, isDefault: true))
        await builder.setService(F.service("web", ports: [(name: "http", port: 80, target: 8080)]))
        await builder.setIngress(F.ingress("ours", paths: [F.path("/", "Prefix", service: "web", portName: "http")]))
        await builder.setIngress(F.ingress("theirs", className: "nginx", host: "other.example.com",
                                           paths: [F.path("/", "Prefix", service: "web", port: 80)]))
        await builder.flush()
        #expect(await builder.ownedIngresses == ["default/ours"])
        #expect(store.routes.route(host: "x", path: "/")?.state == .unavailable("service default/web has no ready endpoints for port http"))

        await builder.setSlice(F.slice("web-1", service: "web", ports: [(name: "http", port: 8080)], ready: ["10.42.0.5"]))
        await builder.flush()
        #expect(store.routes.route(host: "x", path: "/")?.state == .ready([IngressEndpoint(host: "10.42.0.5", port: 8080)]))
        // The other controller's Ingress is not served: its host falls to our host-less rule.
        #expect(store.routes.route(host: "other.example.com", path: "/")?.ingress == "default/ours")

        await builder.removeSlice(F.slice("web-1", service: "web", ports: [], ready: []))
        await builder.flush()
        #expect(store.routes.route(host: "x", path: "/")?.state == .unavailable("service default/web has no ready endpoints for port http"))

        // Making the class non-default does not matter for an Ingress that names it.
        await builder.removeIngress(key: "default/ours")
        await builder.flush()
        #expect(store.routes.route(host: "x", path: "/") == nil)
    }
}

@Suite("Ingress forwarded headers")
struct IngressForwardedHeadersTests {
    @Test("hop-by-hop headers and those Connection names stop at the proxy; X-Forwarded-* are set, the client chain extended")
    func upstreamHeaders() {
        var fields = HTTPFields()
        fields[.connection] = "keep-alive, X-Secret-Hop"
        fields[.init("X-Secret-Hop")!] = "1"
        fields[.init("Keep-Alive")!] = "timeout=5"
        fields[.transferEncoding] = "chunked"
        fields[.init("X-Forwarded-For")!] = "203.0.113.7"
        fields[.init("X-Forwarded-Host")!] = "spoofed.example.com"
        fields[.accept] = "text/html"
        let headers = IngressForwardedHeaders.upstreamRequest(fields, host: "app.example.com", clientAddress: "127.0.0.1",
                                                              scheme: "https", port: 443)
        #expect(headers["X-Secret-Hop"].isEmpty)
        #expect(headers["Keep-Alive"].isEmpty)
        #expect(headers["Connection"].isEmpty)
        #expect(headers["Transfer-Encoding"].isEmpty)
        #expect(headers["Accept"] == ["text/html"])
        #expect(headers["Host"] == ["app.example.com"])
        #expect(headers["X-Forwarded-For"] == ["203.0.113.7, 127.0.0.1"])
        #expect(headers["X-Forwarded-Host"] == ["app.example.com"])
        #expect(headers["X-Forwarded-Proto"] == ["https"])
        #expect(headers["X-Forwarded-Port"] == ["443"])
    }

    @Test("response hop-by-hop headers are dropped, the rest kept")
    func downstreamHeaders() {
        let headers = HTTPHeaders([("Content-Type", "text/plain"), ("Connection", "close, X-Hop"), ("X-Hop", "1"),
                                   ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        let fields = IngressForwardedHeaders.downstreamResponse(headers)
        #expect(fields[.contentType] == "text/plain")
        #expect(fields[values: .setCookie] == ["a=1", "b=2"])
        #expect(fields[.connection] == nil)
        #expect(fields[.init("X-Hop")!] == nil)
        #expect(fields[.transferEncoding] == nil)
    }
}
