import Foundation
import TugAPI
import TugRuntime

/// What the agent server needs from the agent core to serve one pod's streams: which runtime
/// container and sandbox a pod's name resolves to on this node, and the runtime to drive.
public protocol PodStreamingBackend: Sendable {
    /// The runtime container of namespace/pod/container (nil container name = the pod's only
    /// container), its current log file and, when it restarted, the previous instance's log
    /// file; or a thrown error with the Kubernetes message (an `APIError` keeps its code; any
    /// other error is answered as 500 with its description), e.g. pod not found on this node.
    func container(namespace: String, pod: String, container: String?) async throws
        -> (id: ContainerID, logPath: String, previousLogPath: String?)
    /// The pod's running sandbox, for port-forward.
    func sandbox(namespace: String, pod: String) async throws -> SandboxID
    var runtime: any ContainerRuntime { get }
}

/// How the agent answers errors: as the `Status` the API server relays to the client.
enum AgentError {
    static func status(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case RuntimeError.notFound(let what): return APIError(code: 404, reason: "NotFound", message: what)
        default: return APIError.internalError(String(describing: error))
        }
    }
}
