import Foundation

/// A sandbox as the runtime reports it (CRI's PodSandboxStatus).
public struct SandboxStatus: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable { case ready, notReady }
    public var id: SandboxID
    public var name: String
    public var namespace: String
    public var uid: String
    public var attempt: UInt32
    public var state: State
    public var createdAt: Date
    /// The pod's IPs; for host-network sandboxes the agent uses the node's address instead.
    public var ips: [String]
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(id: SandboxID, name: String, namespace: String, uid: String, attempt: UInt32, state: State, createdAt: Date,
                ips: [String] = [], labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.attempt = attempt
        self.state = state
        self.createdAt = createdAt
        self.ips = ips
        self.labels = labels
        self.annotations = annotations
    }
}

/// A container as the runtime reports it (CRI's ContainerStatus).
public struct ContainerStatus: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable { case created, running, exited, unknown }
    public var id: ContainerID
    public var sandboxID: SandboxID
    public var name: String
    public var attempt: UInt32
    public var image: String
    /// The image's ID or digest (`status.containerStatuses[].imageID`).
    public var imageRef: String
    public var state: State
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int32
    /// Why it exited, when the runtime knows better than the exit code: `OOMKilled`,
    /// `Completed`, `Error`, `ContainerCannotRun`.
    public var reason: String
    public var message: String
    /// Absolute path of the container's current log file (CRI log format).
    public var logPath: String
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(id: ContainerID, sandboxID: SandboxID, name: String, attempt: UInt32, image: String, imageRef: String, state: State,
                createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, exitCode: Int32 = 0, reason: String = "",
                message: String = "", logPath: String, labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.id = id
        self.sandboxID = sandboxID
        self.name = name
        self.attempt = attempt
        self.image = image
        self.imageRef = imageRef
        self.state = state
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.reason = reason
        self.message = message
        self.logPath = logPath
        self.labels = labels
        self.annotations = annotations
    }
}

/// Resource use of one container at `timestamp` (CRI's ContainerStats).
public struct ContainerStats: Sendable, Hashable, Codable {
    public var timestamp: Date
    /// Cumulative CPU time in nanoseconds; rates come from two samples.
    public var cpuUsageCoreNanoSeconds: UInt64
    /// What `kubectl top` shows: usage minus inactive file pages.
    public var memoryWorkingSetBytes: UInt64
    public var memoryRSSBytes: UInt64
    public init(timestamp: Date, cpuUsageCoreNanoSeconds: UInt64, memoryWorkingSetBytes: UInt64, memoryRSSBytes: UInt64) {
        self.timestamp = timestamp
        self.cpuUsageCoreNanoSeconds = cpuUsageCoreNanoSeconds
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.memoryRSSBytes = memoryRSSBytes
    }
}

public struct ImageInfo: Sendable, Hashable, Codable {
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String]
    public var size: UInt64
    /// The runtime keeps it whatever happens (the sandbox image); garbage collection skips it.
    public var pinned: Bool
    public init(id: String, repoTags: [String], repoDigests: [String] = [], size: UInt64 = 0, pinned: Bool = false) {
        self.id = id
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.size = size
        self.pinned = pinned
    }
}

/// Registry credentials for one pull (from the pod's imagePullSecrets).
public struct ImageAuth: Sendable, Hashable, Codable {
    public var username: String
    public var password: String
    public var serverAddress: String
    public var identityToken: String
    public var registryToken: String
    public init(username: String = "", password: String = "", serverAddress: String = "", identityToken: String = "", registryToken: String = "") {
        self.username = username
        self.password = password
        self.serverAddress = serverAddress
        self.identityToken = identityToken
        self.registryToken = registryToken
    }
}
