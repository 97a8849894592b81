import Foundation
import TugAPI

/// Nodes: registered with their status (the kubelet creates them), allocatable defaulting to
/// capacity, valid taints and pod CIDRs that are set once, and kubectl's columns.
public struct NodeStrategy: ResourceStrategy {
    public typealias Object = CoreV1.Node
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ obj: inout CoreV1.Node) {
        if var status = obj.status, status.allocatable == nil, let capacity = status.capacity {
            status.allocatable = capacity
            obj.status = status
        }
        // v1 keeps podCIDR and podCIDRs[0] in step.
        if var spec = obj.spec {
            if let cidr = spec.podCIDR, !cidr.isEmpty, (spec.podCIDRs ?? []).isEmpty { spec.podCIDRs = [cidr] }
            if (spec.podCIDR ?? "").isEmpty, let first = spec.podCIDRs?.first { spec.podCIDR = first }
            obj.spec = spec
        }
    }

    public func prepareForUpdate(_ new: inout CoreV1.Node, old: CoreV1.Node) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: CoreV1.Node, old: CoreV1.Node) -> CoreV1.Node {
        var o = old
        var status = new.status
        if var s = status, s.allocatable == nil, let capacity = s.capacity {
            s.allocatable = capacity
            status = s
        }
        o.status = status
        return o
    }

    public func validate(_ obj: CoreV1.Node) -> [FieldError] {
        let spec = obj.spec ?? CoreV1.NodeSpec()
        var errs = Self.taints(spec.taints ?? [], path: "spec.taints")
        let cidrs = spec.podCIDRs ?? []
        for (i, cidr) in cidrs.enumerated() where !Self.isCIDR(cidr) {
            errs.append(.invalid("spec.podCIDRs[\(i)]", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
        }
        if cidrs.count > 2 {
            errs.append(FieldError(.invalid, "spec.podCIDRs", value: GoFormat.stringSlice(cidrs), "may specify no more than one CIDR for each IP family"))
        }
        for (name, q) in (obj.status?.capacity ?? [:]) where q.sign < 0 {
            errs.append(.invalid("status.capacity[\(name)]", q.string, Validation.isNegativeErrorMessage))
        }
        for (name, q) in (obj.status?.allocatable ?? [:]) where q.sign < 0 {
            errs.append(.invalid("status.allocatable[\(name)]", q.string, Validation.isNegativeErrorMessage))
        }
        return errs
    }

    static func taints(_ taints: [CoreV1.Taint], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, t) in taints.enumerated() {
            let p = "\(path)[\(i)]"
            errs += Validation.validateLabelName(t.key ?? "", path: "\(p).key")
            let problems = Validation.isLabelValue(t.value ?? "")
            if !problems.isEmpty { errs.append(.invalid("\(p).value", t.value ?? "", problems.joined(separator: ";"))) }
            errs += PodSpecValidation.taintEffect(t.effect ?? "", path: "\(p).effect")
            if !seen.insert("\(t.effect ?? "")/\(t.key ?? "")").inserted {
                errs.append(FieldError(.duplicate, p, value: GoFormat.json(t), "taints must be unique by key and effect pair"))
            }
        }
        return errs
    }

    static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return false }
        let ip = String(parts[0])
        if IPSyntax.isIPv4(ip) { return (0...32).contains(bits) }
        return IPSyntax.isIPv6(ip) && (0...128).contains(bits)
    }

    public func validateUpdate(_ new: CoreV1.Node, old: CoreV1.Node) -> [FieldError] {
        var errs: [FieldError] = []
        let oldCIDRs = old.spec?.podCIDRs ?? []
        if !oldCIDRs.isEmpty && oldCIDRs != (new.spec?.podCIDRs ?? []) {
            errs.append(.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"))
        }
        if let oldID = old.spec?.providerID, !oldID.isEmpty, oldID != (new.spec?.providerID ?? "") {
            errs.append(.forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"))
        }
        return errs
    }

    public var selectableFieldNames: [String] { ["spec.unschedulable"] }
    public func selectableFields(_ obj: CoreV1.Node) -> [String: String] { ["spec.unschedulable": String(obj.spec?.unschedulable ?? false)] }

    public var tableColumns: [TableColumn] {
        [.name, .string("Status", "The status of the node"), .string("Roles", "The roles of the node"), .age,
         .string("Version", "Kubelet Version reported by the node."),
         .string("Internal-IP", "List of addresses reachable to the node. Queried from cloud provider, if available.", priority: 1),
         .string("External-IP", "List of addresses reachable to the node. Queried from cloud provider, if available.", priority: 1),
         .string("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", priority: 1),
         .string("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", priority: 1),
         .string("Container-Runtime", "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).", priority: 1)]
    }

    public func tableCells(_ obj: CoreV1.Node, now: Date) -> [JSONValue] {
        var status: [String] = []
        if let ready = obj.status?.conditions?.last(where: { $0.type == "Ready" }) {
            status.append(ready.status == "True" ? "Ready" : "NotReady")
        }
        if status.isEmpty { status.append("Unknown") }
        if obj.spec?.unschedulable == true { status.append("SchedulingDisabled") }
        var roles = Set<String>()
        for (k, v) in obj.metadata.labels ?? [:] {
            if k.hasPrefix("node-role.kubernetes.io/") {
                let role = String(k.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if k == "kubernetes.io/role" && !v.isEmpty {
                roles.insert(v)
            }
        }
        let roleText = roles.sorted(by: GoFormat.less).joined(separator: ",")
        let info = obj.status?.nodeInfo
        func address(_ type: String) -> String {
            obj.status?.addresses?.first(where: { $0.type == type })?.address ?? "<none>"
        }
        func orUnknown(_ s: String?) -> String { (s ?? "").isEmpty ? "<unknown>" : s! }
        return [TableFormat.name(obj), .string(status.joined(separator: ",")), .string(roleText.isEmpty ? "<none>" : roleText),
                TableFormat.age(obj, now), .string(info?.kubeletVersion ?? ""), .string(address("InternalIP")),
                .string(address("ExternalIP")), .string(orUnknown(info?.osImage)), .string(orUnknown(info?.kernelVersion)),
                .string(orUnknown(info?.containerRuntimeVersion))]
    }
}
