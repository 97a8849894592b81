import Foundation
import TugAPI
import TugRuntime

/// What a probe worker needs to know about its container each period, read from the pod
/// worker's current view (kubelet's worker reads the status manager the same way).
public struct ProbedContainerState: Sendable, Hashable {
    /// The current container instance; nil while none has been created.
    public var containerID: ContainerID?
    public var podIP: String
    public var running: Bool
    /// When the current instance started running (initialDelaySeconds counts from here).
    public var startedAt: Date?
    /// The container has exited (rather than not started yet).
    public var terminated: Bool
    /// The container's `started` status: its startup probe succeeded, or it has none. Liveness
    /// and readiness probes wait for it; the startup probe stops once it is true.
    public var started: Bool
    /// The pod's `restartPolicy` (`Always`, `OnFailure`, `Never`).
    public var restartPolicy: String
    /// The pod reached Succeeded or Failed: the worker ends.
    public var podFinished: Bool
    /// The pod is being deleted: liveness and startup report success and end, for a quiet stop.
    public var podDeleting: Bool

    public init(containerID: ContainerID?, podIP: String, running: Bool, startedAt: Date?, terminated: Bool = false,
                started: Bool, restartPolicy: String = "Always", podFinished: Bool = false, podDeleting: Bool = false) {
        self.containerID = containerID
        self.podIP = podIP
        self.running = running
        self.startedAt = startedAt
        self.terminated = terminated
        self.started = started
        self.restartPolicy = restartPolicy
        self.podFinished = podFinished
        self.podDeleting = podDeleting
    }
}

/// What a probe worker tells the pod worker.
public enum ProbeNotification: Sendable, Hashable {
    /// The probe's verdict on a container instance changed (kubelet's results manager update):
    /// readiness, the startup gate, or a liveness failure that means kill.
    case result(ProbeResultUpdate)
    /// An Event to record for one attempt (`Unhealthy`, `ProbeWarning`).
    case event(container: String, containerID: ContainerID, KubeletEvent)
}

public struct ProbeResultUpdate: Sendable, Hashable {
    public var container: String
    public var containerID: ContainerID
    public var probeType: ProbeType
    public var result: ProbeResult
    /// The last attempt's output (empty for the initial value).
    public var message: String
    /// The probe's own `terminationGracePeriodSeconds`, which overrides the pod's when a
    /// failed liveness or startup probe kills the container.
    public var terminationGracePeriodSeconds: Int?
}

/// Periodically probes one container with one of its probes, kubelet's prober worker: the
/// initial value (readiness failure, liveness success, startup unknown), initialDelaySeconds,
/// periodSeconds, success and failure thresholds, the startup gate, and holding off after a
/// liveness failure or a startup verdict until a new container instance appears. Run it with
/// `run()` in a task (cancel to stop) or `start()`/`stop()`.
public actor ProbeWorker {
    public nonisolated let probeType: ProbeType
    public nonisolated let containerName: String
    let container: CoreV1.Container
    let spec: CoreV1.Probe
    let prober: any ContainerProber
    let clock: any AgentClock
    let state: @Sendable () async -> ProbedContainerState?
    let notify: @Sendable (ProbeNotification) async -> Void
    let randomizeFirstProbe: Bool

    private var containerID: ContainerID?
    private var lastResult: ProbeResult?
    private var resultRun = 0
    private var onHold = false
    /// The published verdict per container instance, so that only changes are reported.
    private var published: (ContainerID, ProbeResult)?
    private var sleeper: Task<Void, any Error>?
    private var triggered = false
    private var task: Task<Void, Never>?

    /// - Parameters:
    ///   - container: the container spec; its probe of `probeType` must be set.
    ///   - state: the container's current state, asked before every attempt.
    ///   - notify: receives result changes and events, in order.
    ///   - randomizeFirstProbe: wait a random part of the period first (kubelet does this
    ///     when it has just started, so that restarts do not probe everything at once).
    public init?(probeType: ProbeType, container: CoreV1.Container, prober: any ContainerProber,
                 clock: any AgentClock = SystemAgentClock(), randomizeFirstProbe: Bool = false,
                 state: @escaping @Sendable () async -> ProbedContainerState?,
                 notify: @escaping @Sendable (ProbeNotification) async -> Void) {
        guard let spec = probeType.spec(in: container) else { return nil }
        self.probeType = probeType
        self.containerName = container.name ?? ""
        self.container = container
        self.spec = spec
        self.prober = prober
        self.clock = clock
        self.randomizeFirstProbe = randomizeFirstProbe
        self.state = state
        self.notify = notify
    }

    /// The value a new container instance starts with, before any probe has run.
    public nonisolated var initialValue: ProbeResult {
        switch probeType {
        case .readiness: return .failure
        case .liveness: return .success
        case .startup: return .unknown
        }
    }

    var period: Duration { .seconds(max(1, spec.periodSeconds ?? ProbeDefaults.periodSeconds)) }

    /// Starts probing in a task of its own.
    public func start() {
        guard task == nil else { return }
        task = Task { await self.run() }
    }

    /// Stops the task `start()` began; safe to call more than once.
    public func stop() {
        task?.cancel()
        task = nil
    }

    /// Probes right away instead of at the next period (kubelet does it for readiness as soon
    /// as a container has started, so that it becomes ready without waiting a whole period).
    public func trigger() {
        if let sleeper {
            sleeper.cancel()
        } else {
            triggered = true
        }
    }

    /// Probes every period until cancelled, the pod finishes, or the container exits for good.
    public func run() async {
        if randomizeFirstProbe {
            let jitter = Duration(timeInterval: Double.random(in: 0..<1) * period.timeInterval)
            guard await wait(jitter) else { return }
        }
        var lastTick = clock.now
        while !Task.isCancelled {
            guard await probeOnce() else { return }
            // Ticks fall on lastTick + k·period like a ticker's; a late probe is followed at once.
            let now = clock.now
            var next = lastTick.addingTimeInterval(period.timeInterval)
            if next <= now {
                let missed = (now.timeIntervalSince(lastTick) / period.timeInterval).rounded(.down)
                lastTick = lastTick.addingTimeInterval(missed * period.timeInterval)
                continue
            }
            let completed = await wait(Duration(timeInterval: next.timeIntervalSince(now)))
            if Task.isCancelled { return }
            if completed {
                lastTick = next
            } else {
                // Triggered by hand: the period restarts from now.
                next = clock.now
                lastTick = next
            }
        }
    }

    /// Sleeps for `duration`; false when `trigger()` cut it short (or the task was cancelled).
    private func wait(_ duration: Duration) async -> Bool {
        if triggered {
            triggered = false
            return false
        }
        let clock = self.clock
        let sleep = Task { try await clock.sleep(for: duration) }
        sleeper = sleep
        defer { sleeper = nil }
        let result = await withTaskCancellationHandler {
            await sleep.result
        } onCancel: {
            sleep.cancel()
        }
        if case .failure = result { return false }
        return true
    }

    /// One round of kubelet's `doProbe`; false when the worker should end.
    func probeOnce() async -> Bool {
        guard let status = await state() else { return true }
        if status.podFinished { return false }
        guard let id = status.containerID, !id.isEmpty else { return true }

        if containerID != id {
            containerID = id
            await publish(initialValue, message: "")
            onHold = false
            lastResult = nil
            resultRun = 0
        }
        if onHold { return true }

        if !status.running {
            await publish(.failure, message: "")
            // Keep going only if the container may still be restarted.
            return !status.terminated || status.restartPolicy != "Never"
        }

        if status.podDeleting && (probeType == .liveness || probeType == .startup) {
            await publish(.success, message: "")
            return false
        }

        if let startedAt = status.startedAt,
           Int(clock.now.timeIntervalSince(startedAt).rounded(.towardZero)) < (spec.initialDelaySeconds ?? 0) {
            return true
        }

        if status.started {
            if probeType == .startup { return true }
        } else if probeType != .startup {
            return true
        }

        let attempt = await prober.probe(spec, container: container, containerID: id, podIP: status.podIP)
        if Task.isCancelled { return false }
        if let event = attempt.event(for: probeType) {
            await notify(.event(container: containerName, containerID: id, event))
        }
        guard let result = attempt.counted else { return true }

        if lastResult == result {
            resultRun += 1
        } else {
            lastResult = result
            resultRun = 1
        }
        let failureThreshold = spec.failureThreshold ?? ProbeDefaults.failureThreshold
        let successThreshold = spec.successThreshold ?? ProbeDefaults.successThreshold
        if (result == .failure && resultRun < failureThreshold) || (result == .success && resultRun < successThreshold) {
            return true
        }

        await publish(result, message: attempt.error ?? attempt.output)

        if (probeType == .liveness && result == .failure) || probeType == .startup {
            // The container will be restarted (or, for startup, has its verdict): stop probing
            // until a new instance appears.
            onHold = true
            resultRun = 0
        }
        return true
    }

    private func publish(_ result: ProbeResult, message: String) async {
        guard let id = containerID else { return }
        if let published, published.0 == id, published.1 == result { return }
        published = (id, result)
        await notify(.result(ProbeResultUpdate(container: containerName, containerID: id, probeType: probeType, result: result,
                                               message: message, terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds)))
    }

    /// The current verdict for the current container instance, if any.
    public var currentResult: ProbeResult? {
        guard let id = containerID, let published, published.0 == id else { return nil }
        return published.1
    }
}
