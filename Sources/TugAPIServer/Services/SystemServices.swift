import TugAPI

/// The Services every cluster has: `kubernetes` in `default`, as kube-apiserver keeps it (the
/// first address of the service CIDR, port 443 `https` to the API server's port, and, when the
/// server has an address pods can reach, Endpoints and an EndpointSlice naming it), and
/// `kube-dns` in `kube-system` at the tenth address. Every node serves cluster DNS on that
/// address itself, so `kube-dns` has no selector and no endpoints; the service proxy leaves it
/// alone.
enum SystemServices {
    static func ensure(core: APIServerCore) async throws {
        try await kubernetes(core: core)
        try await clusterDNS(core: core)
    }

    static func clusterDNS(core: APIServerCore) async throws {
        guard let services = core.registry.handler(group: "", version: "v1", resource: "services") else { return }
        let body: JSONValue = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kube-dns", "namespace": "kube-system",
                         "labels": ["k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "ClusterDNS"]],
            "spec": ["clusterIP": .string(await core.serviceAddress(9)), "type": "ClusterIP", "sessionAffinity": "None",
                     "ports": [["name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53],
                               ["name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53]]],
        ]
        do {
            _ = try await services.create(namespace: "kube-system", body: body, options: WriteOptions())
        } catch let e as APIError where e.reason == "AlreadyExists" {
        } catch let e as APIError where e.code == 422 {
            core.logger.warning("could not create the kube-dns Service: \(e.message)")
        }
    }

    static func kubernetes(core: APIServerCore) async throws {
        let port = apiPort(core.serverAddress)
        if let services = core.registry.handler(group: "", version: "v1", resource: "services") {
            let body: JSONValue = [
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "kubernetes", "namespace": "default",
                             "labels": ["component": "apiserver", "provider": "kubernetes"]],
                "spec": ["clusterIP": .string(await core.serviceAddress(0)), "type": "ClusterIP", "sessionAffinity": "None",
                         "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(Int64(port))]]],
            ]
            do {
                _ = try await services.create(namespace: "default", body: body, options: WriteOptions())
            } catch let e as APIError where e.reason == "AlreadyExists" {
            } catch let e as APIError where e.code == 422 {
                // The address is taken (the service CIDR changed under an existing cluster): say so, carry on.
                core.logger.warning("could not create the kubernetes Service: \(e.message)")
            }
        }
        guard let address = core.advertiseAddress, !address.isEmpty else { return }
        if let endpoints = core.registry.handler(group: "", version: "v1", resource: "endpoints") {
            let body: JSONValue = [
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": ["name": "kubernetes", "namespace": "default",
                             "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
                "subsets": [["addresses": [["ip": .string(address)]],
                             "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]]]],
            ]
            try await upsert(endpoints, body)
        }
        if let slices = core.registry.handler(group: "discovery.k8s.io", version: "v1", resource: "endpointslices") {
            let body: JSONValue = [
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": ["name": "kubernetes", "namespace": "default",
                             "labels": ["kubernetes.io/service-name": "kubernetes",
                                        "endpointslice.kubernetes.io/managed-by": "tug-apiserver"]],
                "addressType": "IPv4",
                "endpoints": [["addresses": [.string(address)], "conditions": ["ready": true]]],
                "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]],
            ]
            try await upsert(slices, body)
        }
    }

    /// Replaces `default/kubernetes` of the handler's kind, creating it when missing (an
    /// EndpointSlice, unlike Endpoints, is not created by an update).
    private static func upsert(_ handler: any ResourceHandler, _ body: JSONValue) async throws {
        do {
            _ = try await handler.update(namespace: "default", name: "kubernetes", body: body, subresource: nil, options: WriteOptions())
        } catch let e as APIError where e.code == 404 {
            _ = try await handler.create(namespace: "default", body: body, options: WriteOptions())
        }
    }

    /// The port of `host:port`, 6443 when it is missing or 0 (picked at bind time).
    static func apiPort(_ serverAddress: String) -> Int {
        guard let colon = serverAddress.lastIndex(of: ":"), let port = Int(serverAddress[serverAddress.index(after: colon)...]), port > 0 else {
            return 6443
        }
        return port
    }
}
