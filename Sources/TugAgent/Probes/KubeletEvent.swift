/// An Event the agent should record about a container, with kubelet's exact type, reason and
/// message. The prober and hook runner build them; the pod worker writes them to the API.
public struct KubeletEvent: Sendable, Hashable, CustomStringConvertible {
    public static let normal = "Normal"
    public static let warning = "Warning"

    /// `Normal` or `Warning`.
    public var type: String
    /// `Unhealthy`, `ProbeWarning`, `Killing`, `FailedPostStartHook`, `FailedPreStopHook`, `BackOff`.
    public var reason: String
    public var message: String

    public init(type: String, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(type) \(reason): \(message)" }
}

/// The pod a container belongs to, as kubelet names it in messages (`format.Pod`:
/// `name_namespace(uid)`).
public struct PodIdentity: Sendable, Hashable {
    public var name: String
    public var namespace: String
    public var uid: String

    public init(name: String, namespace: String, uid: String) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }

    /// `name_namespace(uid)`, kubelet's way of naming a pod in events and waiting messages.
    public var formatted: String { "\(name)_\(namespace)(\(uid))" }
}
