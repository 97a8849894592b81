import Foundation

/// The agent's resource usage report, in the shape of kubelet's `/stats/summary` (the fields
/// metrics consumers read): node and per-pod, per-container CPU rate and memory working set.
public struct StatsSummary: Codable, Sendable, Hashable {
    public struct CPU: Codable, Sendable, Hashable {
        public var time: String
        public var usageNanoCores: UInt64?
        public var usageCoreNanoSeconds: UInt64?
    }

    public struct Memory: Codable, Sendable, Hashable {
        public var time: String
        public var workingSetBytes: UInt64?
        public var rssBytes: UInt64?
        public var availableBytes: UInt64?
    }

    public struct Node: Codable, Sendable, Hashable {
        public var nodeName: String
        public var cpu: CPU?
        public var memory: Memory?
    }

    public struct PodReference: Codable, Sendable, Hashable {
        public var name: String
        public var namespace: String
        public var uid: String
    }

    public struct Container: Codable, Sendable, Hashable {
        public var name: String
        public var cpu: CPU?
        public var memory: Memory?
    }

    public struct Pod: Codable, Sendable, Hashable {
        public var podRef: PodReference
        public var containers: [Container]
        public var cpu: CPU?
        public var memory: Memory?
    }

    public var node: Node
    public var pods: [Pod]
}
