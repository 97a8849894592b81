import Foundation
import TugAPI
import TugRuntime

/// Runs a container's postStart and preStop handlers (exec, httpGet, sleep) the way kubelet's
/// handler runner does, and says which Event to record when one fails.
public struct LifecycleHookRunner: Sendable {
    /// Kubelet never gives a stopping container less than this after its preStop hook.
    public static let minimumGracePeriod: Duration = .seconds(2)
    /// Exec hooks have no timeout of their own in kubelet; the runtime still needs one.
    public static let unboundedExecTimeout: Duration = .seconds(365 * 24 * 3600)

    /// How one handler went.
    public struct Outcome: Sendable, Hashable {
        /// Nil on success; else kubelet's message (`Exec lifecycle hook ([…]) for Container "c" in Pod "p_ns(uid)" failed - error: …`).
        public var failureMessage: String?
        /// An Event to record besides a failure, such as `LifecycleHTTPFallback`.
        public var extraEvent: KubeletEvent?
        public var succeeded: Bool { failureMessage == nil }
    }

    /// How a preStop hook went within the grace period.
    public struct PreStopOutcome: Sendable, Hashable {
        /// Time the hook took (the whole grace period when it did not finish).
        public var elapsed: Duration
        /// The hook finished (successfully or not) within the grace period.
        public var completed: Bool
        /// `Warning FailedPreStopHook "PreStopHook failed"` when it failed.
        public var event: KubeletEvent?
        /// The grace period the container's stop gets after the hook: what is left, but at
        /// least two seconds.
        public var remainingGracePeriod: Duration
    }

    let runtime: any ContainerRuntime
    let http: HTTPGetClient
    let clock: any AgentClock

    public init(runtime: any ContainerRuntime, http: HTTPGetClient, clock: any AgentClock = SystemAgentClock()) {
        self.runtime = runtime
        self.http = http
        self.clock = clock
    }

    /// Runs the postStart hook of a container that has just started. On failure it returns
    /// the `Warning FailedPostStartHook` event with kubelet's message; the caller then kills
    /// the container (Killing event message `FailedPostStartHook`) and reports the start as
    /// failed with reason `PostStartHookError`.
    public func runPostStart(_ handler: CoreV1.LifecycleHandler, pod: PodIdentity, podIP: String, container: CoreV1.Container,
                             containerID: ContainerID) async -> (outcome: Outcome, event: KubeletEvent?) {
        let outcome = await run(handler, pod: pod, podIP: podIP, container: container, containerID: containerID,
                                execTimeout: Self.unboundedExecTimeout)
        guard let message = outcome.failureMessage else { return (outcome, nil) }
        return (outcome, KubeletEvent(type: KubeletEvent.warning, reason: "FailedPostStartHook", message: message))
    }

    /// Runs the preStop hook of a container about to be stopped, for at most `gracePeriod`.
    /// A hook still running then is abandoned (the container is stopped regardless). The
    /// event's message is kubelet's fixed `PreStopHook failed`, which keeps secrets in the
    /// hook's output out of the API.
    public func runPreStop(_ handler: CoreV1.LifecycleHandler, pod: PodIdentity, podIP: String, container: CoreV1.Container,
                           containerID: ContainerID, gracePeriod: Duration) async -> PreStopOutcome {
        let start = clock.now
        let clock = self.clock
        let finished: Outcome? = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                await self.run(handler, pod: pod, podIP: podIP, container: container, containerID: containerID,
                               execTimeout: max(gracePeriod, .seconds(1)))
            }
            group.addTask {
                try? await clock.sleep(for: gracePeriod)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let elapsed = min(gracePeriod, Duration(timeInterval: max(0, clock.now.timeIntervalSince(start))))
        let event = (finished?.succeeded == false)
            ? KubeletEvent(type: KubeletEvent.warning, reason: "FailedPreStopHook", message: "PreStopHook failed") : nil
        return PreStopOutcome(elapsed: elapsed, completed: finished != nil, event: event,
                              remainingGracePeriod: Self.remainingGracePeriod(total: gracePeriod, hookElapsed: elapsed))
    }

    /// What a container's stop gets after its preStop hook (kubelet rounds both to seconds).
    public static func remainingGracePeriod(total: Duration, hookElapsed: Duration) -> Duration {
        let left = Int64(total.timeInterval) - Int64(hookElapsed.timeInterval)
        return max(.seconds(left), minimumGracePeriod)
    }

    /// Runs one handler. `execTimeout` bounds an exec handler.
    public func run(_ handler: CoreV1.LifecycleHandler, pod: PodIdentity, podIP: String, container: CoreV1.Container,
                    containerID: ContainerID, execTimeout: Duration) async -> Outcome {
        let name = GoQuoting.quote(container.name ?? "")
        let podName = GoQuoting.quote(pod.formatted)
        if let exec = handler.exec {
            let command = exec.command ?? []
            let prefix = "Exec lifecycle hook (\(goList(command))) for Container \(name) in Pod \(podName) failed - error: "
            do {
                let result = try await runtime.execSync(containerID, command: command, timeout: execTimeout)
                let output = String(decoding: result.stdout + result.stderr, as: UTF8.self)
                if result.timedOut {
                    return Outcome(failureMessage: prefix + "command \(GoQuoting.quote(command.joined(separator: " "))) timed out, message: \(GoQuoting.quote(output))")
                }
                if result.exitCode != 0 {
                    let stderr = String(decoding: result.stderr, as: UTF8.self)
                    let error = "command '\(command.joined(separator: " "))' exited with \(result.exitCode): \(stderr)"
                    return Outcome(failureMessage: prefix + "\(error), message: \(GoQuoting.quote(output))")
                }
                return Outcome()
            } catch {
                return Outcome(failureMessage: prefix + "\(error), message: \"\"")
            }
        }
        if let httpGet = handler.httpGet {
            let prefix = "HTTP lifecycle hook (\(httpGet.path ?? "")) for Container \(name) in Pod \(podName) failed - error: "
            if (httpGet.host ?? "").isEmpty && podIP.isEmpty {
                return Outcome(failureMessage: prefix + "failed to find networking container: the pod has no IP")
            }
            return await runHTTP(httpGet, podIP: podIP, container: container, failurePrefix: prefix)
        }
        if let sleep = handler.sleep {
            let seconds = sleep.seconds ?? 0
            do {
                try await clock.sleep(for: .seconds(seconds))
                return Outcome()
            } catch {
                return Outcome(failureMessage: "Sleep lifecycle hook (\(seconds)) for Container \(name) in Pod \(podName) failed - error: container terminated before sleep hook finished")
            }
        }
        let kind = handler.tcpSocket != nil ? "tcpSocket handlers are deprecated and not run" : "no exec, httpGet or sleep action"
        return Outcome(failureMessage: "Cannot run handler: invalid handler: \(kind)")
    }

    private func runHTTP(_ action: CoreV1.HTTPGetAction, podIP: String, container: CoreV1.Container, failurePrefix: String) async -> Outcome {
        let target: HTTPGetClient.Target
        do {
            target = try HTTPGetActionTarget.make(action, container: container, podIP: podIP, hookPortRules: true)
        } catch {
            return Outcome(failureMessage: failurePrefix + error.description)
        }
        let headers = (action.httpHeaders ?? []).map { (name: $0.name ?? "", value: $0.value ?? "") }
        // Kubelet's hook only fails when no response arrives; any status code counts as done.
        switch await http.get(target, headers: headers, userAgentPurpose: "lifecycle", timeout: nil) {
        case .success:
            return Outcome()
        case .failure(let failure) where failure.httpResponseToHTTPSClient:
            // An HTTPS hook answered in plain HTTP: retry over HTTP without Authorization.
            var plain = target
            plain.scheme = "http"
            let plainHeaders = headers.filter { $0.name.lowercased() != "authorization" }
            if case .success = await http.get(plain, headers: plainHeaders, userAgentPurpose: "lifecycle", timeout: nil) {
                let note = KubeletEvent(type: KubeletEvent.warning, reason: "LifecycleHTTPFallback",
                                        message: "request to HTTPS lifecycle hook \(joinHostPort(target.host, target.port)) got HTTP response, retry with HTTP succeeded")
                return Outcome(extraEvent: note)
            }
            return Outcome(failureMessage: failurePrefix + failure.description)
        case .failure(let failure):
            return Outcome(failureMessage: failurePrefix + failure.description)
        }
    }
}

/// Go's `%v` of a string slice: `[sh -c exit 1]`.
func goList(_ items: [String]) -> String {
    "[" + items.joined(separator: " ") + "]"
}
