import Foundation
import TugAPI

/// `PodRouteHost` with iproute2's `ip` and `bridge`, as root, optionally inside a named network
/// namespace. Routes carry their own protocol number, so the ones Tugboat installed can be
/// listed and stale ones removed after a restart.
public struct IPRouteHost: PodRouteHost {
    /// The routing protocol number on Tugboat's routes (`ip route show proto 152`).
    public static let routeProtocol = 152

    public let namespace: String?
    let ipPath: String
    let bridgePath: String

    static let ipCandidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
    static let bridgeCandidates = ["/usr/sbin/bridge", "/sbin/bridge", "/usr/bin/bridge", "/bin/bridge"]

    public init(namespace: String? = nil) throws {
        guard let ip = ProxyCommand.find(Self.ipCandidates), let bridge = ProxyCommand.find(Self.bridgeCandidates) else {
            throw PodRouteError("pod routes need iproute2's ip and bridge (Debian: apt-get install iproute2)")
        }
        if let namespace, namespace.isEmpty || namespace.contains("/") {
            throw PodRouteError("network namespace name '\(namespace)' is not a plain name")
        }
        self.namespace = namespace
        self.ipPath = ip
        self.bridgePath = bridge
    }

    public func isOnLink(_ address: ProxyIPv4) async throws -> Bool {
        let route = try await routeTo(address)
        return route["gateway"] == nil
    }

    public func mtu(ofInterfaceHolding address: ProxyIPv4) async throws -> Int {
        let interfaces = try await json(ipPath, ["-j", "-4", "addr", "show"])
        let holder = interfaces.first { interface in
            ((interface["addr_info"] as? [[String: Any]]) ?? []).contains { $0["local"] as? String == "\(address)" }
        }
        guard let holder, let mtu = holder["mtu"] as? Int else {
            throw PodRouteError("no interface holds the node address \(address)")
        }
        return mtu
    }

    public func ensure(_ device: VXLANDevice) async throws {
        if let existing = try await vxlanSettings(device.name), existing != settings(of: device) {
            try await removeVXLAN(named: device.name)
        }
        if try await vxlanSettings(device.name) == nil {
            try await run(ipPath, ["link", "add", device.name, "type", "vxlan", "id", "\(device.vni)", "local", "\(device.localIP)",
                                   "dstport", "\(device.port)", "nolearning"])
        }
        try await run(ipPath, ["link", "set", device.name, "address", device.mac, "mtu", "\(device.mtu)", "up"])
        try await run(ipPath, ["addr", "replace", "\(device.podCIDRAddress)/32", "dev", device.name])
    }

    public func removeVXLAN(named name: String) async throws {
        guard try await vxlanSettings(name) != nil else { return }
        try await run(ipPath, ["link", "del", name])
    }

    public func install(_ route: PodRoute, device: VXLANDevice?) async throws {
        let proto = ["proto", "\(Self.routeProtocol)"]
        switch route.path {
        case .direct:
            try await run(ipPath, ["route", "replace", "\(route.podCIDR)", "via", "\(route.nodeIP)"] + proto)
        case .vxlan:
            guard let device else { throw PodRouteError("no VXLAN device for \(route)") }
            let mac = VXLANDevice.mac(for: route.nodeIP)
            try await run(ipPath, ["neigh", "replace", "\(route.vxlanGateway)", "lladdr", mac, "dev", device.name, "nud", "permanent"])
            try await run(bridgePath, ["fdb", "replace", mac, "dev", device.name, "dst", "\(route.nodeIP)", "self", "permanent"])
            try await run(ipPath, ["route", "replace", "\(route.podCIDR)", "via", "\(route.vxlanGateway)", "dev", device.name,
                                   "onlink"] + proto)
        }
    }

    public func remove(_ route: PodRoute, device: VXLANDevice?) async throws {
        try await removeRoute(to: route.podCIDR)
        guard route.path == .vxlan, let device, try await vxlanSettings(device.name) != nil else { return }
        try await run(ipPath, ["neigh", "del", "\(route.vxlanGateway)", "dev", device.name], allowFailure: true)
        try await run(bridgePath, ["fdb", "del", VXLANDevice.mac(for: route.nodeIP), "dev", device.name, "self"], allowFailure: true)
    }

    public func installedDestinations() async throws -> [IPv4Network] {
        try await json(ipPath, ["-j", "route", "show", "proto", "\(Self.routeProtocol)"]).compactMap { entry in
            (entry["dst"] as? String).flatMap(IPv4Network.init)
        }
    }

    public func removeRoute(to destination: IPv4Network) async throws {
        try await run(ipPath, ["route", "del", "\(destination)", "proto", "\(Self.routeProtocol)"], allowFailure: true)
    }

    // MARK: - iproute2

    /// `ip route get`'s answer: `dev`, and `gateway` when a router is on the way.
    private func routeTo(_ address: ProxyIPv4) async throws -> [String: Any] {
        guard let route = try await json(ipPath, ["-j", "route", "get", "\(address)"]).first else {
            throw PodRouteError("no route to \(address)")
        }
        return route
    }

    private struct VXLANSettings: Equatable { var vni: Int?; var local: String?; var port: Int? }

    private func settings(of device: VXLANDevice) -> VXLANSettings {
        VXLANSettings(vni: device.vni, local: "\(device.localIP)", port: device.port)
    }

    /// The device's VXLAN settings, or nil when there is no such device. A device of that name
    /// that is not VXLAN reads as settings that match nothing, so `ensure` replaces it.
    private func vxlanSettings(_ name: String) async throws -> VXLANSettings? {
        let result = try await command(ipPath, ["-d", "-j", "link", "show", "dev", name])
        guard result.succeeded else { return nil }
        guard let link = try parse(result.output, from: "ip link show \(name)").first else { return nil }
        let info = (link["linkinfo"] as? [String: Any])
        guard info?["info_kind"] as? String == "vxlan", let data = info?["info_data"] as? [String: Any] else {
            return VXLANSettings(vni: nil, local: nil, port: nil)
        }
        return VXLANSettings(vni: data["id"] as? Int, local: data["local"] as? String, port: data["port"] as? Int)
    }

    private func json(_ executable: String, _ arguments: [String]) async throws -> [[String: Any]] {
        let result = try await run(executable, arguments)
        return try parse(result.output, from: arguments.joined(separator: " "))
    }

    private func parse(_ output: String, from what: String) throws -> [[String: Any]] {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return [] }
        guard let list = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [[String: Any]] else {
            throw PodRouteError("cannot read the JSON of \(what)")
        }
        return list
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], allowFailure: Bool = false) async throws -> ProxyCommandResult {
        let result = try await command(executable, arguments)
        if !result.succeeded && !allowFailure {
            let name = (executable as NSString).lastPathComponent
            throw PodRouteError("\(name) \(arguments.joined(separator: " ")) failed (exit \(result.status)): "
                + result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result
    }

    private func command(_ executable: String, _ arguments: [String]) async throws -> ProxyCommandResult {
        try await ProxyCommand.run(executable, (namespace.map { ["-n", $0] } ?? []) + arguments)
    }
}

public struct PodRouteError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
