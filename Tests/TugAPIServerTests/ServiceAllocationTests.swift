import Foundation
import Logging
import Testing
import TugAPI
import TugStore
@testable import TugAPIServer

/// Cluster IPs and node ports as users see them through the Services resource: filled in,
/// checked, unique under concurrent creates, released on delete and type change, and rebuilt
/// from the store after a restart.
@Suite struct ServiceAllocationTests {
    let store = MemoryStore()

    func core(_ cidr: String = "10.43.0.0/16") async throws -> APIServerCore {
        let core = APIServerCore(store: store, serverAddress: "127.0.0.1:6443", logger: Logger(label: "test"),
                                 serviceCIDR: try #require(IPv4Network(cidr)))
        try await core.bootstrap()
        return core
    }

    func services(_ core: APIServerCore) throws -> ResourceHandler {
        try #require(core.registry.handler(group: "", version: "v1", resource: "services"))
    }

    static func service(_ name: String, type: String = "ClusterIP", clusterIP: String? = nil,
                        ports: [JSONValue] = [["name": "http", "port": 80, "targetPort": 8080]]) -> JSONValue {
        var spec: JSONValue = ["type": .string(type), "selector": ["app": .string(name)], "ports": .array(ports)]
        if let clusterIP { spec["clusterIP"] = .string(clusterIP) }
        return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
    }

    func create(_ core: APIServerCore, _ body: JSONValue, dryRun: Bool = false) async throws -> JSONValue {
        var options = WriteOptions()
        options.dryRun = dryRun
        return try JSONValue(parsing: Data(try await services(core).create(namespace: "default", body: body, options: options).bytes))
    }

    func createError(_ core: APIServerCore, _ body: JSONValue) async -> APIError? {
        do {
            _ = try await create(core, body)
            return nil
        } catch let e as APIError {
            return e
        } catch {
            return nil
        }
    }

    func delete(_ core: APIServerCore, _ name: String) async throws {
        _ = try await services(core).delete(namespace: "default", name: name, options: DeleteOptions())
    }

    @Test func theKubernetesServiceHasTheFirstAddress() async throws {
        let core = try await core()
        let bytes = try await services(core).get(namespace: "default", name: "kubernetes", subresource: nil)
        let svc = try JSONValue(parsing: Data(bytes))
        #expect(svc["spec"]?["clusterIP"] == "10.43.0.1")
        #expect(svc["spec"]?["ports"]?.arrayValue?.first?["port"] == 443)
        #expect(svc["spec"]?["ports"]?.arrayValue?.first?["targetPort"] == 6443)
        let dns = try JSONValue(parsing: Data(try await services(core).get(namespace: "kube-system", name: "kube-dns", subresource: nil)))
        #expect(dns["spec"]?["clusterIP"] == "10.43.0.10")
        #expect(dns["spec"]?["selector"] == nil)
    }

    @Test func anAdvertisedAddressBecomesTheKubernetesEndpointsAndSliceAcrossRestarts() async throws {
        for address in ["10.99.1.2", "10.99.1.7"] { // a second start with a new address replaces the first
            let core = APIServerCore(store: store, serverAddress: "0.0.0.0:6443", logger: Logger(label: "test"), advertiseAddress: address)
            try await core.bootstrap()
            let slices = try #require(core.registry.handler(group: "discovery.k8s.io", version: "v1", resource: "endpointslices"))
            let slice = try JSONValue(parsing: Data(try await slices.get(namespace: "default", name: "kubernetes", subresource: nil)))
            #expect(slice["endpoints"]?.arrayValue?.first?["addresses"] == [.string(address)])
            #expect(slice["ports"]?.arrayValue?.first?["port"] == 6443)
            let endpoints = try #require(core.registry.handler(group: "", version: "v1", resource: "endpoints"))
            let ep = try JSONValue(parsing: Data(try await endpoints.get(namespace: "default", name: "kubernetes", subresource: nil)))
            #expect(ep["subsets"]?.arrayValue?.first?["addresses"]?.arrayValue?.first?["ip"] == .string(address))
        }
    }

    @Test func loadBalancerSourceRangesMustBeCIDRs() async throws {
        let core = try await core()
        var bad = Self.service("lb", type: "LoadBalancer")
        bad["spec"]?["loadBalancerSourceRanges"] = ["10.0.0.0/8", "office", "10.0.0.0/33"]
        let e = try #require(await createError(core, bad))
        #expect(e.code == 422)
        #expect(e.message.contains("spec.loadBalancerSourceRanges[1]: Invalid value: \"office\": must be a valid CIDR value"), "\(e.message)")
        #expect(e.message.contains("spec.loadBalancerSourceRanges[2]"), "\(e.message)")
        #expect(!e.message.contains("spec.loadBalancerSourceRanges[0]"), "\(e.message)")

        var good = Self.service("lb", type: "LoadBalancer")
        good["spec"]?["loadBalancerSourceRanges"] = ["203.0.113.9/24", "2001:db8::/64"]
        _ = try await create(core, good)
    }

    @Test func aServiceGetsAnAddressFromTheServiceCIDR() async throws {
        let core = try await core()
        let svc = try await create(core, Self.service("web"))
        let ip = try #require(svc["spec"]?["clusterIP"]?.stringValue)
        let address = try #require(IPv4Network.parseAddress(ip))
        #expect(IPv4Network("10.43.0.0/16")!.contains(address))
        #expect(ip != "10.43.0.1")
        #expect(svc["spec"]?["clusterIPs"] == [.string(ip)])
        // Dynamic addresses come from above the static band kept for hand-picked ones.
        #expect(address - IPv4Network("10.43.0.0/16")!.address > 256)
    }

    @Test func aChosenAddressIsCheckedAndKept() async throws {
        let core = try await core()
        let svc = try await create(core, Self.service("dns", clusterIP: "10.43.0.20"))
        #expect(svc["spec"]?["clusterIP"] == "10.43.0.20")
        let taken = try #require(await createError(core, Self.service("other", clusterIP: "10.43.0.20")))
        #expect(taken.code == 422)
        #expect(taken.message.contains("spec.clusterIPs: Invalid value: []string{\"10.43.0.20\"}: failed to allocate IP 10.43.0.20: provided IP is already allocated"), "\(taken.message)")
        let outside = try #require(await createError(core, Self.service("outside", clusterIP: "10.44.0.5")))
        #expect(outside.code == 422)
        #expect(outside.message.contains("the provided IP (10.44.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16"), "\(outside.message)")
        let broadcast = try #require(await createError(core, Self.service("bcast", clusterIP: "10.43.255.255")))
        #expect(broadcast.message.contains("not in the valid range"), "\(broadcast.message)")
        // Deleting gives the address back at once.
        try await delete(core, "dns")
        let again = try await create(core, Self.service("other", clusterIP: "10.43.0.20"))
        #expect(again["spec"]?["clusterIP"] == "10.43.0.20")
    }

    @Test func headlessAndExternalNameServicesHoldNoAddress() async throws {
        let core = try await core("10.43.0.0/29")
        // /29: five usable addresses, one taken by `kubernetes`.
        let headless = try await create(core, Self.service("headless", clusterIP: "None"))
        #expect(headless["spec"]?["clusterIP"] == "None")
        let external: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "ext"],
                                   "spec": ["type": "ExternalName", "externalName": "example.com"]]
        let ext = try await create(core, external)
        #expect(ext["spec"]?["clusterIP"] == nil)
        for i in 0..<5 {
            _ = try await create(core, Self.service("s\(i)"))
        }
        let full = try #require(await createError(core, Self.service("one-too-many")))
        #expect(full.code == 500)
        #expect(full.message.contains("failed to allocate a serviceIP: range is full"), "\(full.message)")
    }

    @Test func dryRunKeepsNothing() async throws {
        let core = try await core()
        let dry = try await create(core, Self.service("web", clusterIP: "10.43.0.30"), dryRun: true)
        #expect(dry["spec"]?["clusterIP"] == "10.43.0.30")
        let real = try await create(core, Self.service("web2", clusterIP: "10.43.0.30"))
        #expect(real["spec"]?["clusterIP"] == "10.43.0.30")
    }

    @Test func concurrentCreatesNeverShareAnAddressAndStopWhenTheRangeIsFull() async throws {
        let core = try await core("10.43.0.0/26") // 62 usable, 60 after `kubernetes` and `kube-dns`
        let results = await withTaskGroup(of: Result<String, APIError>.self) { group in
            for i in 0..<70 {
                group.addTask {
                    do {
                        let svc = try await create(core, Self.service("s\(i)"))
                        return .success(svc["spec"]?["clusterIP"]?.stringValue ?? "")
                    } catch let e as APIError {
                        return .failure(e)
                    } catch {
                        return .failure(APIError.internalError("\(error)"))
                    }
                }
            }
            var all: [Result<String, APIError>] = []
            for await r in group { all.append(r) }
            return all
        }
        let ips = results.compactMap { try? $0.get() }
        #expect(ips.count == 60)
        #expect(Set(ips).count == 60)
        #expect(!ips.contains("10.43.0.1") && !ips.contains("10.43.0.10"))
        let failures = results.compactMap { r -> APIError? in if case .failure(let e) = r { return e } else { return nil } }
        #expect(failures.count == 10)
        #expect(failures.allSatisfy { $0.code == 500 && $0.message.contains("range is full") })
    }

    @Test func nodePortsAreAllocatedCheckedAndShared() async throws {
        let core = try await core()
        let dnsPorts: [JSONValue] = [["name": "dns", "port": 53, "protocol": "UDP"], ["name": "dns-tcp", "port": 53, "protocol": "TCP"],
                                     ["name": "metrics", "port": 9153, "protocol": "TCP"]]
        let svc = try await create(core, Self.service("dns", type: "NodePort", ports: dnsPorts))
        let ports = try #require(svc["spec"]?["ports"]?.arrayValue)
        let nodePorts = ports.compactMap { $0["nodePort"]?.intValue.map(Int.init) }
        #expect(nodePorts.count == 3)
        #expect(nodePorts.allSatisfy { (30000...32767).contains($0) })
        #expect(nodePorts[0] == nodePorts[1], "53/UDP and 53/TCP share a node port")
        #expect(nodePorts[0] != nodePorts[2])

        let explicit: [JSONValue] = [["name": "http", "port": 80, "nodePort": .int(Int64(nodePorts[2]))]]
        let taken = try #require(await createError(core, Self.service("clash", type: "NodePort", ports: explicit)))
        #expect(taken.message.contains("spec.ports[0].nodePort: Invalid value: \(nodePorts[2]): provided port is already allocated"), "\(taken.message)")
        let low: [JSONValue] = [["name": "http", "port": 80, "nodePort": 8080]]
        let outside = try #require(await createError(core, Self.service("low", type: "NodePort", ports: low)))
        #expect(outside.message.contains("provided port is not in the valid range. The range of valid ports is 30000-32767"), "\(outside.message)")
        let chosen: [JSONValue] = [["name": "http", "port": 80, "nodePort": 30080]]
        let web = try await create(core, Self.service("web", type: "NodePort", ports: chosen))
        #expect(web["spec"]?["ports"]?.arrayValue?.first?["nodePort"] == 30080)
    }

    @Test func changingTheTypeToClusterIPGivesTheNodePortsBack() async throws {
        let core = try await core()
        let chosen: [JSONValue] = [["name": "http", "port": 80, "nodePort": 30080]]
        var web = try await create(core, Self.service("web", type: "NodePort", ports: chosen))
        // kubectl patch of the type alone: the node port the server filled in is dropped.
        web["spec"]?["type"] = "ClusterIP"
        web["spec"]?["externalTrafficPolicy"] = nil
        let updated = try JSONValue(parsing: Data(try await services(core).update(namespace: "default", name: "web", body: web,
                                                                                      subresource: nil, options: WriteOptions()).bytes))
        #expect(updated["spec"]?["ports"]?.arrayValue?.first?["nodePort"] == nil)
        #expect(updated["spec"]?["clusterIP"] == web["spec"]?["clusterIP"])
        let other = try await create(core, Self.service("other", type: "NodePort", ports: chosen))
        #expect(other["spec"]?["ports"]?.arrayValue?.first?["nodePort"] == 30080)
    }

    @Test func loadBalancersWithLocalTrafficGetAHealthCheckPort() async throws {
        let core = try await core()
        var body = Self.service("lb", type: "LoadBalancer")
        body["spec"]?["externalTrafficPolicy"] = "Local"
        let lb = try await create(core, body)
        let hc = try #require(lb["spec"]?["healthCheckNodePort"]?.intValue)
        #expect((30000...32767).contains(Int(hc)))
        #expect(hc != lb["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)
    }

    @Test func aRestartedServerKnowsWhatIsTaken() async throws {
        let first = try await core()
        let svc = try await create(first, Self.service("web", type: "NodePort"))
        let ip = try #require(svc["spec"]?["clusterIP"]?.stringValue)
        let nodePort = try #require(svc["spec"]?["ports"]?.arrayValue?.first?["nodePort"]?.intValue)
        let second = try await core()
        let ipClash = try #require(await createError(second, Self.service("a", clusterIP: ip)))
        #expect(ipClash.message.contains("provided IP is already allocated"), "\(ipClash.message)")
        let portClash = try #require(await createError(second, Self.service("b", type: "NodePort",
                                                                           ports: [["name": "http", "port": 80, "nodePort": .int(nodePort)]])))
        #expect(portClash.message.contains("provided port is already allocated"), "\(portClash.message)")
        // And deleting through the new server releases what the old one handed out.
        try await delete(second, "web")
        let reused = try await create(second, Self.service("c", clusterIP: ip))
        #expect(reused["spec"]?["clusterIP"] == .string(ip))
    }

    @Test func serviceCIDRFlagsAreChecked() {
        #expect(APIServerCore.problemWithServiceCIDR("10.43.0.0/16") == nil)
        #expect(APIServerCore.problemWithServiceCIDR("10.43.0.1/16")?.contains("host bits") == true)
        #expect(APIServerCore.problemWithServiceCIDR("10.0.0.0/8")?.contains("/12 to /30") == true)
        #expect(APIServerCore.problemWithServiceCIDR("fd00::/108") != nil)
    }
}
