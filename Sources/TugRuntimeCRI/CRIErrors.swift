import GRPCCore
import TugRuntime

extension CRIRuntime {
    /// Runs one CRI call and turns its gRPC failure into the protocol's error: NOT_FOUND becomes
    /// `RuntimeError.notFound` (so the agent can tell a missing object from a failure), an
    /// unreachable socket says which socket, and the rest keep the runtime's message.
    func call<T: Sendable>(_ method: String, subject: String = "", _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            throw translate(error, method: method, subject: subject)
        }
    }

    /// Like `call`, for stop and remove: something already gone counts as done, as kubelet
    /// expects from CRI.
    func callIgnoringNotFound(_ method: String, subject: String, _ body: () async throws -> Void) async throws {
        do {
            try await call(method, subject: subject, body)
        } catch RuntimeError.notFound {
            logger.debug("CRI \(method): \(subject) is already gone")
        }
    }

    func translate(_ error: RPCError, method: String, subject: String) -> RuntimeError {
        let what = subject.isEmpty ? "" : " \(subject)"
        switch error.code {
        case .notFound:
            return .notFound(subject.isEmpty ? error.message : "\(subject): \(error.message)")
        case .unavailable:
            return .failed("the container runtime at \(socketPath) is unavailable (\(method)\(what)): \(error.message)")
        case .deadlineExceeded:
            return .failed("the container runtime at \(socketPath) did not answer \(method)\(what) in time: \(error.message)")
        default:
            return .failed("\(method)\(what) failed: \(error.message)")
        }
    }
}

/// GRPCCore has a `RuntimeError` too; in this module the name is the protocol's.
typealias RuntimeError = TugRuntime.RuntimeError
