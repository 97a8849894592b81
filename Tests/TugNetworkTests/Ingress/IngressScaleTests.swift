import Foundation
import Testing
import TugAPI
@testable import TugNetwork

@Suite("Ingress routing table at scale")
struct IngressScaleTests {
    typealias F = IngressFixtures

    /// 1000 Ingresses over 1000 Services: the first table, then one EndpointSlice change,
    /// which reuses the merged rules. Times are printed for the record; the asserts check the
    /// table is right.
    @Test("1000 Ingresses: build once, then an EndpointSlice change republishes only backends")
    func thousandIngresses() async {
        let store = IngressRoutesStore()
        let builder = IngressRouteBuilder(store: store)
        let clock = ContinuousClock()
        let build = await clock.measure {
            await builder.setClass(F.ingressClass("tugboat", controller: IngressClassPolicy.controllerName, isDefault: true))
            for i in 0..<1000 {
                await builder.setService(F.service("svc-\(i)", ports: [(name: "http", port: 80, target: 8080)]))
                await builder.setSlice(F.slice("svc-\(i)-1", service: "svc-\(i)", ports: [(name: "http", port: 8080)], ready: ["10.42.\(i / 250).\(i % 250 + 1)"]))
                await builder.setIngress(F.ingress("ing-\(i)", host: "h\(i % 50).example.com",
                                                   paths: [F.path("/p\(i)", "Prefix", service: "svc-\(i)", port: 80)]))
            }
            await builder.flush()
        }
        #expect(store.routes.route(host: "h7.example.com", path: "/p507/x")?.state == .ready([IngressEndpoint(host: "10.42.2.8", port: 8080)]))

        let before = store.generation
        let change = await clock.measure {
            await builder.setSlice(F.slice("svc-507-1", service: "svc-507", ports: [(name: "http", port: 8080)], ready: ["10.42.9.9"]))
            await builder.flush()
        }
        #expect(store.generation == before + 1)
        #expect(store.routes.route(host: "h7.example.com", path: "/p507")?.state == .ready([IngressEndpoint(host: "10.42.9.9", port: 8080)]))

        var routed = 0
        let lookups = clock.measure {
            let routes = store.routes
            for i in 0..<100_000 where routes.route(host: "h\(i % 50).example.com", path: "/p\(i % 1000)/a/b") != nil { routed += 1 }
        }
        // Ingress j serves /pj on host h(j % 50), and 50 divides 1000: every lookup has a route.
        #expect(routed == 100_000)
        #expect(store.routes.route(host: "h8.example.com", path: "/p507") == nil)
        print("ingress routes: 1000 Ingresses built in \(build); one EndpointSlice change published in \(change); 100k lookups in \(lookups)")
    }
}
