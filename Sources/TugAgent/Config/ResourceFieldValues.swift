import Foundation
import TugAPI

/// Values of a container's resources for the downward API (`resourceFieldRef`): requests and
/// limits of cpu, memory, ephemeral-storage and hugepages, divided by the divisor and rounded
/// up, with unset limits taken from the node's allocatable resources as the kubelet does.
public enum ResourceFieldValues {
    /// The value for `selector` from `container` as it is (limits already defaulted).
    public static func value(_ selector: CoreV1.ResourceFieldSelector, container: CoreV1.Container) throws(DownwardAPIError) -> String {
        var divisor = selector.divisor ?? .zero
        if divisor.isZero { divisor = Quantity(value: 1) }
        let resource = selector.resource ?? ""
        let limits = container.resources?.limits ?? [:]
        let requests = container.resources?.requests ?? [:]
        switch resource {
        case "limits.cpu": return cpu(limits["cpu"], divisor)
        case "limits.memory": return bytes(limits["memory"], divisor)
        case "limits.ephemeral-storage": return bytes(limits["ephemeral-storage"], divisor)
        case "requests.cpu": return cpu(requests["cpu"], divisor)
        case "requests.memory": return bytes(requests["memory"], divisor)
        case "requests.ephemeral-storage": return bytes(requests["ephemeral-storage"], divisor)
        default: break
        }
        if resource.hasPrefix("requests.hugepages-") { return bytes(requests[String(resource.dropFirst("requests.".count))], divisor) }
        if resource.hasPrefix("limits.hugepages-") { return bytes(limits[String(resource.dropFirst("limits.".count))], divisor) }
        throw DownwardAPIError("unsupported container resource : \(resource)")
    }

    /// The value for `selector` from the pod's container `containerName`, with unset limits
    /// defaulted to `nodeAllocatable` (`ExtractResourceValueByContainerNameAndNodeAllocatable`).
    public static func value(_ selector: CoreV1.ResourceFieldSelector, pod: CoreV1.Pod, containerName: String,
                             nodeAllocatable: [String: Quantity]) throws(DownwardAPIError) -> String {
        let container = try findContainer(pod, containerName)
        return try value(selector, container: withDefaultLimits(container, nodeAllocatable: nodeAllocatable))
    }

    static func findContainer(_ pod: CoreV1.Pod, _ name: String) throws(DownwardAPIError) -> CoreV1.Container {
        if let c = pod.spec?.containers?.first(where: { $0.name == name }) { return c }
        if let c = pod.spec?.initContainers?.first(where: { $0.name == name }) { return c }
        throw DownwardAPIError("container \(name) not found")
    }

    /// The container with each unset or zero cpu, memory and ephemeral-storage limit replaced by
    /// the node's allocatable amount (`MergeContainerResourceLimits`).
    public static func withDefaultLimits(_ container: CoreV1.Container, nodeAllocatable: [String: Quantity]) -> CoreV1.Container {
        var c = container
        var resources = c.resources ?? CoreV1.ResourceRequirements()
        var limits = resources.limits ?? [:]
        for name in ["cpu", "memory", "ephemeral-storage"] {
            if let q = limits[name], !q.isZero { continue }
            if let cap = nodeAllocatable[name] { limits[name] = cap }
        }
        resources.limits = limits
        c.resources = resources
        return c
    }

    /// The pod with every container's limits defaulted (`defaultPodLimitsForDownwardAPI`).
    static func withDefaultLimits(_ pod: CoreV1.Pod, nodeAllocatable: [String: Quantity]) -> CoreV1.Pod {
        var p = pod
        if var spec = p.spec {
            spec.containers = spec.containers?.map { withDefaultLimits($0, nodeAllocatable: nodeAllocatable) }
            spec.initContainers = spec.initContainers?.map { withDefaultLimits($0, nodeAllocatable: nodeAllocatable) }
            p.spec = spec
        }
        return p
    }

    /// `ceil(milli / divisorMilli)`, as `convertResourceCPUToString`.
    static func cpu(_ q: Quantity?, _ divisor: Quantity) -> String {
        String(Int64((Double((q ?? .zero).milliValue) / Double(divisor.milliValue)).rounded(.up)))
    }

    /// `ceil(value / divisorValue)`, as `convertResourceMemoryToString` (memory, storage, hugepages).
    static func bytes(_ q: Quantity?, _ divisor: Quantity) -> String {
        String(Int64((Double((q ?? .zero).value) / Double(divisor.value)).rounded(.up)))
    }
}
