import Foundation
import TugAPI
import TugRuntime

/// Resolves the agent server's streaming requests (logs, exec, attach, port-forward) to the
/// runtime objects of the pods this agent runs.
struct AgentStreamingBackend: PodStreamingBackend {
    let manager: PodManager
    let runtime: any ContainerRuntime

    func container(namespace: String, pod: String, container: String?) async throws
        -> (id: ContainerID, logPath: String, previousLogPath: String?) {
        guard let worker = await manager.worker(namespace: namespace, name: pod) else {
            throw APIError(code: 404, reason: "NotFound", message: "pod \"\(pod)\" in namespace \"\(namespace)\" is not running on this node")
        }
        return try await worker.streamTarget(container: container)
    }

    func sandbox(namespace: String, pod: String) async throws -> SandboxID {
        guard let worker = await manager.worker(namespace: namespace, name: pod), let sb = await worker.sandbox else {
            throw APIError(code: 404, reason: "NotFound", message: "pod \"\(pod)\" in namespace \"\(namespace)\" has no sandbox on this node")
        }
        return sb
    }
}

extension PodWorker {
    /// The newest instance of a container, its log file and its predecessor's. The API server
    /// has already checked the request (container name given or implied, valid, not waiting),
    /// so this only finds the container, falling back to the pod's only one.
    func streamTarget(container: String?) throws -> (id: ContainerID, logPath: String, previousLogPath: String?) {
        let specs = (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])
        guard let name = container ?? (pod.spec?.containers?.count == 1 ? pod.spec?.containers?.first?.name : nil) else {
            throw APIError.badRequest("a container name must be specified for pod \(pod.metadata.name ?? "")")
        }
        guard specs.contains(where: { $0.name == name }) else {
            throw APIError.badRequest("container \(name) is not valid for pod \(pod.metadata.name ?? "")")
        }
        guard let latest = latestByName[name] else {
            throw APIError.badRequest("container \"\(name)\" in pod \"\(pod.metadata.name ?? "")\" is waiting to start: ContainerCreating")
        }
        return (latest.id, latest.logPath, previousByName[name]?.logPath)
    }
}
