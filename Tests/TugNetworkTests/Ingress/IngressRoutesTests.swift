import Foundation
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Ingress routing table")
struct IngressRoutesTests {
    typealias F = IngressFixtures

    /// The Ingress spec's examples table (kubernetes.io "Ingress" / "Examples"): path types and
    /// paths of one Ingress, a request path, whether it matches (the winning path).
    @Test("path matching follows the Ingress spec's examples table", arguments: [
        ([("/", "Prefix")], "/anything/at/all", "/"),
        ([("/foo", "Exact")], "/foo", "/foo"),
        ([("/foo", "Exact")], "/bar", nil),
        ([("/foo", "Exact")], "/foo/", nil),
        ([("/foo/", "Exact")], "/foo", nil),
        ([("/foo", "Prefix")], "/foo", "/foo"),
        ([("/foo", "Prefix")], "/foo/", "/foo"),
        ([("/foo/", "Prefix")], "/foo", "/foo/"),
        ([("/foo/", "Prefix")], "/foo/", "/foo/"),
        ([("/aaa/bb", "Prefix")], "/aaa/bbb", nil),
        ([("/aaa/bbb", "Prefix")], "/aaa/bbb", "/aaa/bbb"),
        ([("/aaa/bbb/", "Prefix")], "/aaa/bbb", "/aaa/bbb/"),
        ([("/aaa/bbb", "Prefix")], "/aaa/bbb/", "/aaa/bbb"),
        ([("/aaa/bbb", "Prefix")], "/aaa/bbb/ccc", "/aaa/bbb"),
        ([("/aaa/bbb", "Prefix")], "/aaa/bbbxyz", nil),
        ([("/", "Prefix"), ("/aaa", "Prefix")], "/aaa/ccc", "/aaa"),
        ([("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")], "/aaa/bbb", "/aaa/bbb"),
        ([("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")], "/ccc", "/"),
        ([("/aaa", "Prefix")], "/ccc", nil),
        ([("/foo", "Prefix"), ("/foo", "Exact")], "/foo", "/foo Exact"),
        ([("/foo", "ImplementationSpecific")], "/foo/bar", "/foo"),
        ([("/foo", "Prefix")], "/foo?x=/bar", "/foo"),
        ([("/FOO", "Prefix")], "/foo", nil),
    ] as [([(String, String)], String, String?)])
    func specExamples(paths: [(String, String)], request: String, expected: String?) {
        // Each path gets its own service, named after path and type, so the winner is visible.
        let ingressPaths = paths.map { F.path($0.0, $0.1, service: "\($0.0) \($0.1)", port: 80) }
        let routes = F.routes([F.ingress("web", paths: ingressPaths)])
        let winner = routes.service(host: "example.com", path: request)
        guard let expected else {
            #expect(winner == nil, "\(request) should match none of \(paths)")
            return
        }
        if expected.hasSuffix(" Exact") {
            #expect(winner == expected)
        } else {
            #expect(winner?.hasPrefix(expected + " ") == true, "\(request) should match \(expected), got \(winner ?? "none")")
        }
    }

    @Test("longest path wins across Ingresses; at equal length Exact beats Prefix; then the older Ingress")
    func precedence() {
        let old = Date(timeIntervalSince1970: 1_000), new = Date(timeIntervalSince1970: 2_000)
        let routes = F.routes([
            F.ingress("newer", paths: [F.path("/api", "Prefix", service: "newer-api", port: 80)], created: new),
            F.ingress("older", paths: [F.path("/api", "Prefix", service: "older-api", port: 80),
                                       F.path("/api/v1", "Prefix", service: "v1", port: 80)], created: old),
            F.ingress("exact", paths: [F.path("/api", "Exact", service: "exact-api", port: 80)], created: new),
        ])
        #expect(routes.service(host: nil, path: "/api/v1/pods") == "v1")
        #expect(routes.service(host: nil, path: "/api") == "exact-api")
        #expect(routes.service(host: nil, path: "/api/v2") == "older-api")
        #expect(routes.route(host: nil, path: "/api/v2")?.ingress == "default/older")
    }

    @Test("hosts: exact names ignore case, port and a trailing dot; a wildcard covers exactly one label")
    func hosts() {
        let routes = F.routes([
            F.ingress("foo", host: "foo.example.com", paths: [F.path("/", "Prefix", service: "foo", port: 80)]),
            F.ingress("wild", host: "*.example.com", paths: [F.path("/", "Prefix", service: "wild", port: 80)]),
            F.ingress("any", paths: [F.path("/shared", "Prefix", service: "any", port: 80)]),
        ])
        #expect(routes.service(host: "foo.example.com", path: "/") == "foo")
        #expect(routes.service(host: "FOO.Example.COM:8080", path: "/x") == "foo")
        #expect(routes.service(host: "foo.example.com.", path: "/x") == "foo")
        #expect(routes.service(host: "bar.example.com", path: "/") == "wild")
        // *.example.com matches neither deeper names nor the bare domain.
        #expect(routes.service(host: "baz.bar.example.com", path: "/") == nil)
        #expect(routes.service(host: "example.com", path: "/") == nil)
        // Rules without a host apply to every host, after the host's own rules.
        #expect(routes.service(host: "baz.bar.example.com", path: "/shared/x") == "any")
        #expect(routes.service(host: nil, path: "/shared") == "any")
        #expect(routes.service(host: "[::1]:80", path: "/shared") == "any")
    }

    @Test("an exact host's rules come before wildcard and host-less rules, even with a shorter path")
    func hostTiers() {
        let routes = F.routes([
            F.ingress("exact", host: "a.example.com", paths: [F.path("/", "Prefix", service: "exact", port: 80)]),
            F.ingress("wild", host: "*.example.com", paths: [F.path("/deep/path", "Prefix", service: "wild", port: 80)]),
            F.ingress("any", paths: [F.path("/deep/path/more", "Prefix", service: "any", port: 80)]),
        ])
        #expect(routes.service(host: "a.example.com", path: "/deep/path/more") == "exact")
        #expect(routes.service(host: "b.example.com", path: "/deep/path/more") == "wild")
        #expect(routes.service(host: "b.example.com", path: "/other") == nil)
    }

    @Test("the default backend serves what no rule matches; the oldest Ingress's default wins")
    func defaultBackend() {
        let routes = F.routes([
            F.ingress("rules", host: "app.example.com", paths: [F.path("/app", "Prefix", service: "app", port: 80)]),
            F.ingress("fallback-new", defaultBackend: F.backend("new-default", port: 80), created: Date(timeIntervalSince1970: 2_000)),
            F.ingress("fallback-old", defaultBackend: F.backend("old-default", port: 80), created: Date(timeIntervalSince1970: 1_000)),
        ])
        #expect(routes.service(host: "app.example.com", path: "/app/x") == "app")
        #expect(routes.service(host: "app.example.com", path: "/other") == "old-default")
        #expect(routes.service(host: "unknown.example.com", path: "/") == "old-default")
        #expect(F.routes([F.ingress("rules", paths: [F.path("/a", "Prefix", service: "a", port: 80)])]).route(host: nil, path: "/b") == nil)
    }

    @Test("a resource backend routes but is unavailable, with the reason")
    func resourceBackend() {
        var ingress = F.ingress("res", paths: [F.path("/static", "Prefix", service: "x", port: 80)])
        ingress.spec?.rules?[0].http?.paths?[0].backend = NetworkingV1.IngressBackend(
            resource: CoreV1.TypedLocalObjectReference(apiGroup: "k8s.example.com", kind: "StorageBucket", name: "assets"))
        let route = IngressRoutes(ingresses: [CompiledIngress(ingress)], backends: [:]).route(host: nil, path: "/static/a.css")
        guard case .unavailable(let why)? = route?.state else {
            Issue.record("expected an unavailable route, got \(String(describing: route))")
            return
        }
        #expect(why.contains("StorageBucket assets"))
    }
}
