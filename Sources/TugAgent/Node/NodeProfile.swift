import Foundation
import TugAPI

/// What a node reports about itself: name, address, capacity, labels and system info. The
/// real agent fills it from the machine; hollow nodes from their flags.
public struct NodeProfile: Sendable {
    public var name: String
    public var internalIP: String
    public var capacity: [String: Quantity]
    public var labels: [String: String]
    public var runtimeVersion: String
    public var taints: [CoreV1.Taint] = []
    /// Capacity minus what kubelet holds back (eviction thresholds); capacity when nil.
    public var allocatable: [String: Quantity]?
    /// The agent's port for logs, exec and port-forward (`status.daemonEndpoints`); nil for
    /// hollow nodes, which serve none.
    public var kubeletPort: Int?
    /// The machine's identity (`status.nodeInfo`); made-up values when nil (hollow nodes).
    public var machine: MachineInfo?

    public init(name: String, internalIP: String, cpu: String, memory: String, pods: Int = 110, ephemeralStorage: String = "100Gi",
                labels: [String: String] = [:], runtimeVersion: String) {
        self.name = name
        self.internalIP = internalIP
        capacity = ["cpu": Quantity(stringLiteral: cpu), "memory": Quantity(stringLiteral: memory), "pods": Quantity(integerLiteral: Int64(pods)),
                    "ephemeral-storage": Quantity(stringLiteral: ephemeralStorage)]
        var l = ["kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": Self.arch]
        for (k, v) in labels { l[k] = v }
        self.labels = l
        self.runtimeVersion = runtimeVersion
    }

    /// A real machine's node: capacity from the machine, allocatable as kubelet's defaults
    /// leave it (100Mi memory and 10% of the disk held back for eviction), the standard labels,
    /// and the control-plane role label on the server's own node.
    public static func machine(name: String, internalIP: String, machine: MachineInfo, runtimeVersion: String, kubeletPort: Int,
                               controlPlane: Bool, maxPods: Int = 110) -> NodeProfile {
        var labels: [String: String] = [:]
        if controlPlane { labels["node-role.kubernetes.io/control-plane"] = "true" }
        var p = NodeProfile(name: name, internalIP: internalIP, cpu: String(machine.cpus), memory: String(machine.memoryBytes), pods: maxPods,
                            ephemeralStorage: String(machine.ephemeralStorageBytes), labels: labels, runtimeVersion: runtimeVersion)
        var alloc = p.capacity
        alloc["memory"] = Quantity(integerLiteral: max(0, machine.memoryBytes - 100 * 1024 * 1024))
        alloc["ephemeral-storage"] = Quantity(integerLiteral: machine.ephemeralStorageBytes / 10 * 9)
        p.allocatable = alloc
        p.kubeletPort = kubeletPort
        p.machine = machine
        return p
    }

    /// What `kubectl get nodes` shows in VERSION: the Kubernetes API level Tugboat serves.
    public static let kubeletVersion = "v1.37.0-tug"

    static var arch: String {
        #if arch(arm64)
        return "arm64"
        #else
        return "amd64"
        #endif
    }

    /// The Node object as first registered: Ready, with the standard pressure conditions false.
    public func node(now: Time = .now()) -> CoreV1.Node {
        var n = CoreV1.Node(metadata: MetaV1.ObjectMeta())
        n.metadata.name = name
        n.metadata.labels = labels
        n.spec = CoreV1.NodeSpec()
        if !taints.isEmpty { n.spec?.taints = taints }
        n.status = status(now: now)
        return n
    }

    public func status(now: Time = .now()) -> CoreV1.NodeStatus {
        var s = CoreV1.NodeStatus()
        s.capacity = capacity
        s.allocatable = allocatable ?? capacity
        s.phase = nil
        s.addresses = [CoreV1.NodeAddress(type: "InternalIP", address: internalIP),
                       CoreV1.NodeAddress(type: "Hostname", address: machine?.hostname ?? name)]
        if let port = kubeletPort { s.daemonEndpoints = CoreV1.NodeDaemonEndpoints(kubeletEndpoint: CoreV1.DaemonEndpoint(Port: port)) }
        let m = machine
        s.nodeInfo = CoreV1.NodeSystemInfo(machineID: m?.machineID ?? name, systemUUID: m?.systemUUID ?? name, bootID: m?.bootID ?? name,
                                           kernelVersion: m?.kernelVersion ?? "", osImage: m?.osImage ?? "Tugboat",
                                           containerRuntimeVersion: runtimeVersion, kubeletVersion: Self.kubeletVersion,
                                           kubeProxyVersion: "", operatingSystem: "linux", architecture: Self.arch)
        s.conditions = [
            Self.condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
            Self.condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
            Self.condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
            Self.condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
        ]
        return s
    }

    static func condition(_ type: String, _ status: String, _ reason: String, _ message: String, _ now: Time) -> CoreV1.NodeCondition {
        CoreV1.NodeCondition(type: type, status: status, lastHeartbeatTime: now, lastTransitionTime: now, reason: reason, message: message)
    }
}
