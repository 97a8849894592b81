import Foundation
import TugAPI

/// Where a `pods/log`, `exec`, `attach` or `portforward` request goes: the pod's node agent and
/// the container, after kube-apiserver's checks (the container name is required when the pod
/// has several and must name one of them; exec and attach need it running; the pod must be
/// scheduled) and kubelet's log checks (waiting containers have no logs, `previous` needs a
/// terminated earlier instance).
struct PodStreamingTarget: Sendable, Equatable {
    enum Kind: String, Sendable { case log, exec, attach, portforward }

    var namespace: String
    var pod: String
    /// Resolved; nil for portforward.
    var container: String?
    /// The agent's address and kubelet port.
    var host: String
    var port: Int

    /// The agent's base URL (`ws://` for WebSocket sessions).
    func url(scheme: String, path: String) -> String {
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(h):\(port)\(path)"
    }

    /// The target of a request, or nil for the log of a pod not yet scheduled (kube-apiserver
    /// answers that with an empty log).
    static func resolve(_ core: APIServerCore, namespace: String, name: String, container: String?, kind: Kind,
                        previous: Bool = false) async throws -> PodStreamingTarget? {
        let pod = try await core.registry.pods.load(namespace, name).object
        let containerName = kind == .portforward ? nil : try validateContainer(container, pod: pod, kind: kind)
        guard let nodeName = pod.spec?.nodeName, !nodeName.isEmpty else {
            if kind == .log { return nil }
            throw APIError.badRequest("pod \(name) does not have a host assigned")
        }
        if let c = containerName {
            try checkState(c, pod: pod, kind: kind, previous: previous)
        } else if kind == .portforward, pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed" {
            throw APIError.badRequest("cannot port-forward to a completed pod; current phase is \(pod.status?.phase ?? "")")
        }
        let (host, port) = try await agentEndpoint(core, nodeName: nodeName)
        return PodStreamingTarget(namespace: namespace, pod: name, container: containerName, host: host, port: port)
    }

    /// kube-apiserver's container checks, messages included.
    static func validateContainer(_ container: String?, pod: CoreV1.Pod, kind: Kind) throws -> String {
        let name = pod.metadata.name ?? ""
        let regular = (pod.spec?.containers ?? []).compactMap(\.name)
        let initial = (pod.spec?.initContainers ?? []).compactMap(\.name)
        let ephemeral = (pod.spec?.ephemeralContainers ?? []).compactMap(\.name)
        guard let c = container, !c.isEmpty else {
            switch regular.count {
            case 1: return regular[0]
            case 0: throw APIError.badRequest("a container name must be specified for pod \(name)")
            default:
                if kind == .log {
                    // Log lists every container, init and ephemeral ones too.
                    let all = initial + regular + ephemeral
                    throw APIError.badRequest("a container name must be specified for pod \(name), choose one of: [\(all.joined(separator: " "))]")
                }
                var message = "a container name must be specified for pod \(name), choose one of: [\(regular.joined(separator: " "))]"
                if !initial.isEmpty { message += " or one of the init containers: [\(initial.joined(separator: " "))]" }
                throw APIError.badRequest(message)
            }
        }
        guard regular.contains(c) || initial.contains(c) || ephemeral.contains(c) else {
            throw APIError.badRequest("container \(c) is not valid for pod \(name)")
        }
        return c
    }

    /// The container's status says whether it can be streamed (kubelet's checks and wording).
    static func checkState(_ container: String, pod: CoreV1.Pod, kind: Kind, previous: Bool) throws {
        let name = pod.metadata.name ?? ""
        let statuses = (pod.status?.containerStatuses ?? []) + (pod.status?.initContainerStatuses ?? [])
            + (pod.status?.ephemeralContainerStatuses ?? [])
        let status = statuses.first { $0.name == container }
        let state = status?.state
        switch kind {
        case .portforward:
            return
        case .exec, .attach:
            if pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed" {
                throw APIError.badRequest("cannot \(kind.rawValue) into a container in a completed pod; current phase is \(pod.status?.phase ?? "")")
            }
            guard state?.running != nil else {
                if let reason = state?.waiting?.reason ?? (status == nil ? "ContainerCreating" : nil) {
                    throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
                }
                throw APIError.badRequest("container not found (\"\(container)\")")
            }
        case .log:
            let lastTerminated = status?.lastState?.terminated
            if previous {
                guard let t = lastTerminated, !(t.containerID ?? "").isEmpty else {
                    throw APIError.badRequest("previous terminated container \"\(container)\" in pod \"\(name)\" not found")
                }
                return
            }
            if state?.running != nil || state?.terminated != nil || lastTerminated != nil { return }
            let reason = state?.waiting?.reason ?? "ContainerCreating"
            switch reason {
            case "ErrImagePull":
                throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: image can't be pulled")
            case "ImagePullBackOff":
                throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: trying and failing to pull image")
            default:
                throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: \(reason)")
            }
        }
    }

    /// The node's InternalIP (else ExternalIP, else Hostname) and its kubelet port (10250 when
    /// the node does not say).
    static func agentEndpoint(_ core: APIServerCore, nodeName: String) async throws -> (String, Int) {
        guard let nodes = core.registry.handler(group: "", version: "v1", resource: "nodes") else {
            throw APIError.internalError("nodes are not served")
        }
        let node: CoreV1.Node
        do {
            node = try APICoding.decode(CoreV1.Node.self, from: try await nodes.get(namespace: nil, name: nodeName, subresource: nil))
        } catch let e as APIError where e.code == 404 {
            throw APIError(code: 404, reason: "NotFound", message: "nodes \"\(nodeName)\" not found")
        }
        let addresses = node.status?.addresses ?? []
        let host = ["InternalIP", "ExternalIP", "Hostname"].lazy.compactMap { type in
            addresses.first { $0.type == type && !($0.address ?? "").isEmpty }?.address
        }.first
        guard let host else {
            throw APIError.internalError("node \(nodeName) has no address to reach its agent (status.addresses is empty)")
        }
        let port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0
        return (host, port > 0 ? port : 10250)
    }
}
