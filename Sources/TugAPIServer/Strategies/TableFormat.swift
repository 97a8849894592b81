import Foundation
import TugAPI

/// The small formatters kubectl's printers share (`pkg/printers/internalversion/printers.go`).
enum TableFormat {
    static func name<O: APIObject>(_ obj: O) -> JSONValue { .string(obj.metadata.name ?? "") }

    static func age<O: APIObject>(_ obj: O, _ now: Date) -> JSONValue {
        .string(Age.since(obj.metadata.creationTimestamp, now: now))
    }

    static func since(_ t: Time?, _ now: Date) -> String { Age.since(t, now: now) }

    static func since(_ t: MicroTime?, _ now: Date) -> String { Age.since(t.map { Time($0.date) }, now: now) }

    static func int(_ i: Int?) -> JSONValue { .int(Int64(i ?? 0)) }

    /// `labels.FormatLabels`: `a=b,c=d` in key order, `<none>` when empty.
    static func labels(_ m: [String: String]?) -> String {
        guard let m, !m.isEmpty else { return "<none>" }
        return GoFormat.sortedKeys(m).map { "\($0)=\(m[$0]!)" }.joined(separator: ",")
    }

    /// `metav1.FormatLabelSelector`: the string form, `<none>` for empty or nil, `<error>` when invalid.
    static func labelSelector(_ s: MetaV1.LabelSelector?) -> String { Labels.Selector.format(s) }

    /// `LabelSelectorAsSelector(s).String()`: empty for nil or empty, `<invalid>` when unparsable.
    static func selectorString(_ s: MetaV1.LabelSelector?) -> String {
        guard let parsed = try? Labels.Selector(s) else { return "<invalid>" }
        return parsed.description
    }

    /// `layoutContainerCells`: names and images, comma-separated.
    static func containers(_ spec: CoreV1.PodSpec?) -> [JSONValue] {
        let cs = spec?.containers ?? []
        return [.string(cs.map { $0.name ?? "" }.joined(separator: ",")), .string(cs.map { $0.image ?? "" }.joined(separator: ","))]
    }

    /// Load-balancer addresses: each ingress' IP, else its hostname; unique, sorted, comma-separated.
    static func loadBalancer(_ entries: [(ip: String?, hostname: String?)]) -> String {
        var set = Set<String>()
        for e in entries {
            if let ip = e.ip, !ip.isEmpty { set.insert(ip) } else if let h = e.hostname, !h.isEmpty { set.insert(h) }
        }
        return set.sorted(by: GoFormat.less).joined(separator: ",")
    }

    /// `a,b,c + 2 more...` for lists kubectl cuts at `max` entries.
    static func listWithMore(_ list: [String], count: Int, max: Int, empty: String) -> String {
        let ret = list.prefix(max).joined(separator: ",")
        if count > max { return "\(ret) + \(count - max) more..." }
        return ret.isEmpty ? empty : ret
    }

    /// `2006-01-02T15:04:05Z`, as the "Created At" columns print creation time.
    static func createdAt(_ t: Time?) -> String {
        RFC3339.format(t?.date ?? Date(timeIntervalSince1970: -62135596800), fractionDigits: 0)
    }

    /// `True`, `False` or `<unset>` (`printBoolPtr`).
    static func boolPtr(_ b: Bool?) -> String {
        guard let b else { return "<unset>" }
        return b ? "True" : "False"
    }

    /// `ReadWriteOnce` → `RWO` …, deduplicated in a fixed order (`GetAccessModesAsString`).
    static func accessModes(_ modes: [String]?) -> String {
        let m = Set(modes ?? [])
        let order = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        return order.filter { m.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    /// `net.JoinHostPort`: brackets around IPv6 addresses.
    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension TableColumn {
    static func string(_ name: String, _ description: String = "", priority: Int = 0) -> TableColumn {
        TableColumn(name, description: description, priority: priority)
    }

    static func integer(_ name: String, _ description: String = "", priority: Int = 0) -> TableColumn {
        TableColumn(name, type: "integer", description: description, priority: priority)
    }

    static let containers = TableColumn("Containers", description: "Names of each container in the template.", priority: 1)
    static let images = TableColumn("Images", description: "Images referenced by each container in the template.", priority: 1)
    static let selector = TableColumn("Selector", description: "Label selector used to select the objects.", priority: 1)
    static let createdAt = TableColumn("Created At", type: "date",
                                       description: "CreationTimestamp is a timestamp representing the server time when this object was created.")
}
