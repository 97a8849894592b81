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
        s.allocatable = capacity
        s.phase = nil
        s.addresses = [CoreV1.NodeAddress(type: "InternalIP", address: internalIP), CoreV1.NodeAddress(type: "Hostname", address: name)]
        s.nodeInfo = CoreV1.NodeSystemInfo(machineID: name, systemUUID: name, bootID: name, kernelVersion: "", osImage: "Tugboat",
                                           containerRuntimeVersion: runtimeVersion, kubeletVersion: "v1.37.0-tug",
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
