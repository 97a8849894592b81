import TugAPI

/// Amounts of resources in the units the scheduler compares: millicores, bytes, counts.
public struct ResourceList: Sendable, Hashable {
    public var milliCPU: Int64 = 0
    public var memory: Int64 = 0
    public var ephemeralStorage: Int64 = 0
    public var pods: Int64 = 0
    /// Extended and other named resources (`nvidia.com/gpu`, `hugepages-2Mi`), in their own units.
    public var scalar: [String: Int64] = [:]

    public init() {}

    public init(_ quantities: [String: Quantity]?) {
        for (name, q) in quantities ?? [:] { add(name, q) }
    }

    public mutating func add(_ name: String, _ q: Quantity) {
        switch name {
        case "cpu": milliCPU += q.milliValue
        case "memory": memory += q.value
        case "ephemeral-storage": ephemeralStorage += q.value
        case "pods": pods += q.value
        default: scalar[name, default: 0] += q.value
        }
    }

    public mutating func add(_ other: ResourceList) {
        milliCPU += other.milliCPU
        memory += other.memory
        ephemeralStorage += other.ephemeralStorage
        pods += other.pods
        for (k, v) in other.scalar { scalar[k, default: 0] += v }
    }

    public mutating func subtract(_ other: ResourceList) {
        milliCPU -= other.milliCPU
        memory -= other.memory
        ephemeralStorage -= other.ephemeralStorage
        pods -= other.pods
        for (k, v) in other.scalar { scalar[k, default: 0] -= v }
    }

    /// Each resource the larger of the two (init containers run one at a time).
    public mutating func setMax(_ other: ResourceList) {
        milliCPU = max(milliCPU, other.milliCPU)
        memory = max(memory, other.memory)
        ephemeralStorage = max(ephemeralStorage, other.ephemeralStorage)
        for (k, v) in other.scalar { scalar[k] = max(scalar[k] ?? 0, v) }
    }
}

/// What a pod asks for, computed as Kubernetes does.
public enum PodRequests {
    /// CPU and memory assumed for scoring when a container requests none (kube-scheduler's
    /// non-zero defaults), so empty pods still spread.
    public static let defaultMilliCPU: Int64 = 100
    public static let defaultMemory: Int64 = 200 * 1024 * 1024

    /// Sum over app containers (and restartable init containers), at least the largest init
    /// container, plus pod overhead.
    public static func of(_ pod: CoreV1.Pod, nonZero: Bool = false) -> ResourceList {
        var total = ResourceList()
        let spec = pod.spec
        for c in spec?.containers ?? [] { total.add(requests(c, nonZero: nonZero)) }
        var sidecars = ResourceList()
        var initMax = ResourceList()
        for c in spec?.initContainers ?? [] {
            let r = requests(c, nonZero: nonZero)
            if c.restartPolicy == "Always" {
                sidecars.add(r)
                total.add(r)
            } else {
                var withSidecars = r
                withSidecars.add(sidecars)
                initMax.setMax(withSidecars)
            }
        }
        total.setMax(initMax)
        total.add(ResourceList(spec?.overhead))
        return total
    }

    /// A container's requests; limits stand in for missing requests (as API defaulting does).
    static func requests(_ c: CoreV1.Container, nonZero: Bool) -> ResourceList {
        var merged = c.resources?.limits ?? [:]
        for (k, v) in c.resources?.requests ?? [:] { merged[k] = v }
        var r = ResourceList(merged)
        if nonZero {
            if merged["cpu"] == nil { r.milliCPU = defaultMilliCPU }
            if merged["memory"] == nil { r.memory = defaultMemory }
        }
        return r
    }
}
