import Foundation
import TugAPI
import TugRuntime

/// Makes sure a container's image is on the node before it is created, as kubelet's image
/// manager does: `imagePullPolicy` (Always, IfNotPresent, Never), credentials from the pod's
/// `imagePullSecrets`, the `Pulling`/`Pulled`/`Failed`/`BackOff` Events, and a back-off per
/// pod and image after a failed pull (10 s doubling to 5 min) during which the container waits
/// in `ImagePullBackOff`.
actor ImagePuller {
    /// What became of one attempt.
    enum Outcome: Sendable, Equatable {
        case present
        /// The container waits with this reason (`ErrImagePull`, `ImagePullBackOff`,
        /// `ErrImageNeverPull`, `InvalidImageName`) and message.
        case waiting(reason: String, message: String, retryAfter: Duration?)
    }

    struct Event: Sendable, Equatable {
        var type: String
        var reason: String
        var message: String
    }

    static let initialBackoff: Duration = .seconds(10)
    static let maximumBackoff: Duration = .seconds(300)

    private let runtime: any ContainerRuntime
    private let now: @Sendable () -> ContinuousClock.Instant
    /// `podUID/image` -> when the next pull may happen, the delay after that, and the last error.
    private var backoff: [String: (until: ContinuousClock.Instant, delay: Duration, error: String)] = [:]

    init(runtime: any ContainerRuntime, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.runtime = runtime
        self.now = now
    }

    /// Ensures `image` for a container of pod `podUID`; `events` receives what kubelet would record.
    func ensure(_ image: String, policy: String, podUID: String, credentials: @Sendable () async throws -> RegistryCredentials,
                events: @Sendable (Event) -> Void) async -> Outcome {
        guard ImageReference.isValid(image) else {
            let message = "Failed to apply default image tag \"\(image)\": couldn't parse image name \"\(image)\": invalid reference format"
            events(Event(type: "Warning", reason: "InspectFailed", message: message))
            return .waiting(reason: "InvalidImageName", message: message, retryAfter: nil)
        }
        let present: Bool
        do {
            present = try await runtime.imageStatus(image) != nil
        } catch {
            return .waiting(reason: "ErrImagePull", message: "\(error)", retryAfter: Self.initialBackoff)
        }
        if policy == "Never" {
            if present {
                events(Event(type: "Normal", reason: "Pulled", message: "Container image \"\(image)\" already present on machine"))
                return .present
            }
            let message = "Container image \"\(image)\" is not present with pull policy of Never"
            events(Event(type: "Warning", reason: "ErrImageNeverPull", message: message))
            return .waiting(reason: "ErrImageNeverPull", message: message, retryAfter: nil)
        }
        if present && policy != "Always" {
            events(Event(type: "Normal", reason: "Pulled", message: "Container image \"\(image)\" already present on machine"))
            return .present
        }
        let key = podUID + "/" + image
        if let entry = backoff[key], now() < entry.until {
            let message = "Back-off pulling image \"\(image)\": ErrImagePull: \(entry.error)"
            events(Event(type: "Normal", reason: "BackOff", message: "Back-off pulling image \"\(image)\""))
            return .waiting(reason: "ImagePullBackOff", message: message, retryAfter: entry.until - now())
        }
        events(Event(type: "Normal", reason: "Pulling", message: "Pulling image \"\(image)\""))
        let started = now()
        do {
            let auths = try await credentials().credentials(for: ImageReference(image))
            try await pull(image, auths: auths)
        } catch {
            let message = "\(error)"
            let delay = backoff[key].map { min($0.delay * 2, Self.maximumBackoff) } ?? Self.initialBackoff
            backoff[key] = (now() + delay, delay, message)
            events(Event(type: "Warning", reason: "Failed", message: "Failed to pull image \"\(image)\": \(message)"))
            events(Event(type: "Warning", reason: "Failed", message: "Error: ErrImagePull"))
            return .waiting(reason: "ErrImagePull", message: message, retryAfter: delay)
        }
        backoff[key] = nil
        let took = Self.seconds(now() - started)
        events(Event(type: "Normal", reason: "Pulled", message: "Successfully pulled image \"\(image)\" in \(took) (\(took) including waiting)"))
        return .present
    }

    /// Pulls with each matching credential in turn (kubelet's order), then anonymously when none matched.
    private func pull(_ image: String, auths: [ImageAuth]) async throws {
        if auths.isEmpty {
            _ = try await runtime.pullImage(image, auth: nil)
            return
        }
        var lastError: (any Error)?
        for auth in auths {
            do {
                _ = try await runtime.pullImage(image, auth: auth)
                return
            } catch {
                lastError = error
            }
        }
        if let lastError { throw lastError }
    }

    /// Forgets a pod's back-offs once it is gone.
    func forget(podUID: String) {
        backoff = backoff.filter { !$0.key.hasPrefix(podUID + "/") }
    }

    static func seconds(_ d: Duration) -> String {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return ms < 1000 ? "\(Int(ms))ms" : String(format: "%.3fs", ms / 1000)
    }
}
