import Foundation
import TugAPI
import TugStore

/// Hands out Service cluster IPs from the service CIDR and node ports from their range, as
/// kube-apiserver's allocators do: values a Service names are checked against the range and
/// against every other Service, missing ones are filled in, and values go back when a Service
/// is deleted or stops needing them. Holdings are rebuilt from the store on first use, so a
/// restart neither leaks nor hands out a value twice.
///
/// A write reserves first (`reserve`), then settles once the store has answered: `commit` with
/// what was stored, or `abort`. Between the two the values are taken, so concurrent creates
/// never get the same one.
actor ServiceAllocator {
    let serviceCIDR: IPv4Network
    let nodePortRange: ClosedRange<Int>
    private var ips: RangeBitmap
    private var ports: RangeBitmap
    private var holdings: [String: ServiceAllocation] = [:]
    private var loading: Task<[String: ServiceAllocation], any Error>?
    private var loaded = false
    private var random = SystemRandomNumberGenerator()

    /// Values taken by one write that are not yet in the store.
    struct Reservation: Sendable {
        let key: String
        let taken: ServiceAllocation
    }

    static let defaultServiceCIDR = IPv4Network("10.43.0.0/16")!
    static let defaultNodePortRange = 30000...32767

    /// `serviceCIDR` must span /12 to /30 (as kube-apiserver requires); the network and
    /// broadcast addresses are never handed out.
    init(serviceCIDR: IPv4Network = defaultServiceCIDR, nodePortRange: ClosedRange<Int> = defaultNodePortRange) {
        precondition((12...30).contains(serviceCIDR.prefix), "service CIDR \(serviceCIDR) must be /12 to /30")
        self.serviceCIDR = serviceCIDR
        self.nodePortRange = nodePortRange
        self.ips = RangeBitmap(size: Int(serviceCIDR.size) - 2)
        self.ports = RangeBitmap(size: nodePortRange.count)
    }

    /// Why a service CIDR flag cannot be used, or nil when it can.
    static func problem(serviceCIDR text: String) -> String? {
        guard let network = IPv4Network(text) else { return "\"\(text)\" is not an IPv4 CIDR such as 10.43.0.0/16" }
        guard (12...30).contains(network.prefix) else { return "\(text) must be a /12 to /30 network" }
        guard network.description == text else { return "\(text) has host bits set; the network is \(network)" }
        return nil
    }

    /// The n-th usable address of the range (0 is the address after the network address):
    /// `.1` for the `kubernetes` Service, `.10` for cluster DNS.
    func address(_ n: Int) -> String { IPv4Network.format(serviceCIDR.address + 1 + UInt32(n)) }

    // MARK: the store

    private func ensureLoaded(_ store: any Store) async throws {
        if loaded { return }
        let task = loading ?? Task { try await Self.read(store) }
        loading = task
        let read: [String: ServiceAllocation]
        do { read = try await task.value } catch {
            loading = nil
            throw error
        }
        if loaded { return }
        for (key, allocation) in read { hold(allocation, key: key) }
        loaded = true
    }

    private static func read(_ store: any Store) async throws -> [String: ServiceAllocation] {
        var out: [String: ServiceAllocation] = [:]
        var after: String?
        repeat {
            let page = try await store.list(prefix: servicePrefix, atRevision: nil, limit: 500, continueAfter: after)
            for item in page.items {
                guard let svc = try? APICoding.decode(CoreV1.Service.self, from: Data(item.value)) else { continue }
                let allocation = ServiceAllocation(svc)
                if !allocation.isEmpty { out[item.key] = allocation }
            }
            after = page.more ? page.items.last?.key : nil
        } while after != nil
        return out
    }

    static let servicePrefix = "/registry/services/"

    /// Marks a stored Service's values taken (values outside the ranges are kept as they are).
    private func hold(_ allocation: ServiceAllocation, key: String) {
        for ip in allocation.ips { if let o = ipOffset(ip) { _ = ips.take(o) } }
        for port in allocation.nodePorts where nodePortRange.contains(port) { _ = ports.take(port - nodePortRange.lowerBound) }
        holdings[key] = allocation
    }

    private func ipOffset(_ ip: UInt32) -> Int? {
        guard serviceCIDR.contains(ip), ip > serviceCIDR.address else { return nil }
        let offset = Int(ip - serviceCIDR.address) - 1
        return offset < ips.size ? offset : nil
    }

    // MARK: writes

    /// Checks and fills in `svc`'s cluster IP and node ports before it is written under `key`
    /// (`old` is the stored object on update). Throws `Invalid` naming each bad value, or an
    /// internal error when a range is full. A dry run checks without keeping anything.
    func reserve(_ svc: inout CoreV1.Service, key: String, store: any Store, dryRun: Bool) async throws -> Reservation {
        try await ensureLoaded(store)
        let mine = holdings[key] ?? ServiceAllocation()
        var taken = ServiceAllocation()
        var errs: [FieldError] = []
        guard var spec = svc.spec else { return Reservation(key: key, taken: taken) }
        let type = spec.type ?? "ClusterIP"
        do {
            if type != "ExternalName" {
                errs += try clusterIP(&spec, mine: mine, taken: &taken)
            }
            if type == "NodePort" || type == "LoadBalancer" {
                errs += try nodePorts(&spec, dynamic: type == "NodePort" || spec.allocateLoadBalancerNodePorts != false,
                                      mine: mine, taken: &taken)
            }
        } catch {
            release(taken)
            throw error
        }
        if !errs.isEmpty || dryRun { release(taken) }
        if !errs.isEmpty {
            throw APIError.invalid(kind: "Service", group: "", name: svc.metadata.name ?? "", errs)
        }
        svc.spec = spec
        return Reservation(key: key, taken: dryRun ? ServiceAllocation() : taken)
    }

    /// The write landed: `key` now holds what `stored` names; anything it held before and no
    /// longer names goes back.
    func commit(_ reservation: Reservation, stored: CoreV1.Service) {
        let now = ServiceAllocation(stored)
        let before = holdings[reservation.key] ?? ServiceAllocation()
        release(ServiceAllocation(ips: before.ips.subtracting(now.ips).union(reservation.taken.ips.subtracting(now.ips)),
                                  nodePorts: before.nodePorts.subtracting(now.nodePorts).union(reservation.taken.nodePorts.subtracting(now.nodePorts))))
        holdings[reservation.key] = now.isEmpty ? nil : now
    }

    /// The write failed: the values it took go back.
    func abort(_ reservation: Reservation) { release(reservation.taken) }

    /// The Service under `key` was deleted.
    func forget(key: String, store: any Store) async {
        try? await ensureLoaded(store)
        if let held = holdings.removeValue(forKey: key) { release(held) }
    }

    private func release(_ allocation: ServiceAllocation) {
        for ip in allocation.ips { if let o = ipOffset(ip) { ips.release(o) } }
        for port in allocation.nodePorts where nodePortRange.contains(port) { ports.release(port - nodePortRange.lowerBound) }
    }

    // MARK: cluster IPs

    private func clusterIP(_ spec: inout CoreV1.ServiceSpec, mine: ServiceAllocation, taken: inout ServiceAllocation) throws -> [FieldError] {
        var errs: [FieldError] = []
        if spec.ipFamilyPolicy == "RequireDualStack" {
            errs.append(.invalid("spec.ipFamilyPolicy", "RequireDualStack", "this cluster is not configured for dual-stack services"))
        }
        for (i, family) in (spec.ipFamilies ?? []).enumerated() where family == "IPv6" {
            errs.append(.invalid("spec.ipFamilies[\(i)]", family, "not configured on this cluster"))
        }
        if spec.ipFamilyPolicy == "PreferDualStack" { spec.ipFamilies = ["IPv4"] }
        let requested = (spec.clusterIPs ?? []).isEmpty ? (spec.clusterIP.map { $0.isEmpty ? [] : [$0] } ?? []) : spec.clusterIPs!
        if requested.first == "None" { return errs }
        guard errs.isEmpty else { return errs }
        if requested.isEmpty {
            guard let offset = ips.takeAny(using: &random) else {
                throw APIError.internalError("failed to allocate a serviceIP: range is full")
            }
            let ip = serviceCIDR.address + 1 + UInt32(offset)
            taken.ips.insert(ip)
            spec.clusterIP = IPv4Network.format(ip)
            spec.clusterIPs = [spec.clusterIP!]
            return errs
        }
        for text in requested {
            let value = GoFormat.stringSlice(requested)
            guard let ip = IPv4Network.parseAddress(text) else {
                errs.append(FieldError(.invalid, "spec.clusterIPs", value: value,
                                       "failed to allocate IP \(text): IPv6 is not configured on this cluster; the service CIDR is \(serviceCIDR)"))
                continue
            }
            if mine.ips.contains(ip) || taken.ips.contains(ip) { continue }
            guard let offset = ipOffset(ip) else {
                errs.append(FieldError(.invalid, "spec.clusterIPs", value: value,
                                       "failed to allocate IP \(text): the provided IP (\(text)) is not in the valid range. The range of valid IPs is \(serviceCIDR)"))
                continue
            }
            if ips.take(offset) {
                taken.ips.insert(ip)
            } else {
                errs.append(FieldError(.invalid, "spec.clusterIPs", value: value, "failed to allocate IP \(text): provided IP is already allocated"))
            }
        }
        return errs
    }

    // MARK: node ports

    private func nodePorts(_ spec: inout CoreV1.ServiceSpec, dynamic: Bool, mine: ServiceAllocation,
                           taken: inout ServiceAllocation) throws -> [FieldError] {
        var errs: [FieldError] = []
        var ports = spec.ports ?? []
        // Ports that share a number (53/TCP and 53/UDP) share a node port, as in Kubernetes.
        var byServicePort: [Int: Int] = [:]
        for (i, p) in ports.enumerated() {
            if let np = p.nodePort, np != 0 {
                if let e = claim(np, path: "spec.ports[\(i)].nodePort", mine: mine, taken: &taken) { errs.append(e) }
                byServicePort[p.port ?? 0] = np
            }
        }
        for (i, p) in ports.enumerated() where (p.nodePort ?? 0) == 0 && dynamic {
            if let shared = byServicePort[p.port ?? 0] {
                ports[i].nodePort = shared
                continue
            }
            ports[i].nodePort = try takeAnyPort(&taken)
            byServicePort[p.port ?? 0] = ports[i].nodePort
        }
        spec.ports = ports
        if spec.type == "LoadBalancer" && spec.externalTrafficPolicy == "Local" {
            if let hc = spec.healthCheckNodePort, hc != 0 {
                if let e = claim(hc, path: "spec.healthCheckNodePort", mine: mine, taken: &taken) { errs.append(e) }
            } else {
                spec.healthCheckNodePort = try takeAnyPort(&taken)
            }
        }
        return errs
    }

    private func claim(_ port: Int, path: String, mine: ServiceAllocation, taken: inout ServiceAllocation) -> FieldError? {
        if mine.nodePorts.contains(port) || taken.nodePorts.contains(port) { return nil }
        guard nodePortRange.contains(port) else {
            return .invalid(path, port, "provided port is not in the valid range. The range of valid ports is \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)")
        }
        guard ports.take(port - nodePortRange.lowerBound) else { return .invalid(path, port, "provided port is already allocated") }
        taken.nodePorts.insert(port)
        return nil
    }

    private func takeAnyPort(_ taken: inout ServiceAllocation) throws -> Int {
        guard let offset = ports.takeAny(using: &random) else {
            throw APIError.internalError("failed to allocate a nodePort: range is full")
        }
        let port = nodePortRange.lowerBound + offset
        taken.nodePorts.insert(port)
        return port
    }
}
