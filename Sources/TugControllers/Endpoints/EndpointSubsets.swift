import Foundation
import TugAPI

/// The shape Kubernetes gives an Endpoints object's subsets: one subset per distinct set of
/// addresses, holding every port those addresses share, sorted; cut to a capacity.
enum EndpointSubsets {
    /// Most addresses one Endpoints object carries (Kubernetes' maxCapacity); the rest are in
    /// the EndpointSlices only.
    static let maxCapacity = 1000

    struct Entry: Hashable {
        let address: CoreV1.EndpointAddress
        let ready: Bool
    }

    /// One (address, port) pair at a time in; repacked subsets out. A nil port stands for a
    /// headless service without ports.
    static func repack(_ pairs: [(address: CoreV1.EndpointAddress, port: CoreV1.EndpointPort?, ready: Bool)]) -> [CoreV1.EndpointSubset] {
        struct AddressKey: Hashable { let ip: String?; let uid: String? }
        // For each port, which addresses offer it (ready wins over not ready for the same address).
        var byPort: [CoreV1.EndpointPort?: [AddressKey: Entry]] = [:]
        var portOrder: [CoreV1.EndpointPort?] = []
        for pair in pairs {
            let key = AddressKey(ip: pair.address.ip, uid: pair.address.targetRef?.uid)
            if byPort[pair.port] == nil { portOrder.append(pair.port) }
            var set = byPort[pair.port] ?? [:]
            if let existing = set[key], existing.ready || !pair.ready { byPort[pair.port] = set; continue }
            set[key] = Entry(address: pair.address, ready: pair.ready)
            byPort[pair.port] = set
        }
        // Ports offered by exactly the same addresses share a subset.
        var portsByAddresses: [Set<Entry>: [CoreV1.EndpointPort]] = [:]
        var groups: [Set<Entry>] = []
        for port in portOrder {
            let entries = Set(byPort[port]!.values)
            if portsByAddresses[entries] == nil {
                portsByAddresses[entries] = []
                groups.append(entries)
            }
            if let port { portsByAddresses[entries]!.append(port) }
        }
        let subsets = groups.map { entries -> CoreV1.EndpointSubset in
            let ready = entries.filter(\.ready).map(\.address).sorted { lessAddress($0, $1) }
            let notReady = entries.filter { !$0.ready }.map(\.address).sorted { lessAddress($0, $1) }
            let ports = portsByAddresses[entries]!.sorted(by: lessPort)
            return CoreV1.EndpointSubset(addresses: ready.isEmpty ? nil : ready, notReadyAddresses: notReady.isEmpty ? nil : notReady,
                                         ports: ports.isEmpty ? nil : ports)
        }
        return subsets.sorted { a, b in
            let pa = a.ports?.first, pb = b.ports?.first
            if pa != pb, let pa, let pb { return lessPort(pa, pb) }
            return lessAddress((a.addresses ?? a.notReadyAddresses ?? []).first, (b.addresses ?? b.notReadyAddresses ?? []).first)
        }
    }

    static func lessAddress(_ a: CoreV1.EndpointAddress?, _ b: CoreV1.EndpointAddress?) -> Bool {
        let ka = (ipSortKey(a?.ip ?? ""), a?.targetRef?.uid ?? ""), kb = (ipSortKey(b?.ip ?? ""), b?.targetRef?.uid ?? "")
        return ka < kb
    }

    /// IPv4 addresses sort numerically (10.0.0.9 before 10.0.0.10); others as text.
    static func ipSortKey(_ ip: String) -> String {
        let parts = ip.split(separator: ".")
        guard parts.count == 4, parts.allSatisfy({ Int($0) != nil }) else { return ip }
        return parts.map { p in String(repeating: "0", count: max(0, 3 - p.count)) + p }.joined(separator: ".")
    }

    static func lessPort(_ a: CoreV1.EndpointPort, _ b: CoreV1.EndpointPort) -> Bool {
        ((a.name ?? ""), a.port ?? 0, a.protocol ?? "") < ((b.name ?? ""), b.port ?? 0, b.protocol ?? "")
    }

    /// Cuts the subsets to `maxCapacity` addresses, ready ones first, each subset keeping its
    /// share (rounded up) as Kubernetes' truncateEndpoints does. Returns whether it cut.
    static func truncate(_ subsets: inout [CoreV1.EndpointSubset], capacity: Int = maxCapacity) -> Bool {
        let totalReady = subsets.reduce(0) { $0 + ($1.addresses?.count ?? 0) }
        let totalNotReady = subsets.reduce(0) { $0 + ($1.notReadyAddresses?.count ?? 0) }
        guard totalReady + totalNotReady > capacity else { return false }
        let truncateReady = totalReady > capacity
        let budget = truncateReady ? capacity : capacity - totalReady
        let total = truncateReady ? totalReady : totalNotReady
        var left = budget
        for i in subsets.indices {
            let n = (truncateReady ? subsets[i].addresses : subsets[i].notReadyAddresses)?.count ?? 0
            let share = min(Int((Double(n) / Double(total) * Double(budget)).rounded(.up)), left)
            if truncateReady {
                subsets[i].addresses = subsets[i].addresses.map { Array($0.prefix(share)) }
                subsets[i].notReadyAddresses = nil
                left -= subsets[i].addresses?.count ?? 0
            } else {
                subsets[i].notReadyAddresses = subsets[i].notReadyAddresses.map { Array($0.prefix(share)) }
                left -= subsets[i].notReadyAddresses?.count ?? 0
            }
            if subsets[i].addresses?.isEmpty == true { subsets[i].addresses = nil }
            if subsets[i].notReadyAddresses?.isEmpty == true { subsets[i].notReadyAddresses = nil }
        }
        // A subset left without addresses would be invalid.
        subsets.removeAll { $0.addresses == nil && $0.notReadyAddresses == nil }
        return true
    }
}
