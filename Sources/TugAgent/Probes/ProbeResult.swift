import TugAPI

/// Which of a container's three probes.
public enum ProbeType: String, Sendable, Hashable, CaseIterable {
    case liveness, readiness, startup

    /// Capitalised, as kubelet starts its event messages (`Liveness probe failed: …`).
    public var displayName: String {
        switch self {
        case .liveness: return "Liveness"
        case .readiness: return "Readiness"
        case .startup: return "Startup"
        }
    }

    /// The container's probe of this type, if it has one.
    public func spec(in container: CoreV1.Container) -> CoreV1.Probe? {
        switch self {
        case .liveness: return container.livenessProbe
        case .readiness: return container.readinessProbe
        case .startup: return container.startupProbe
        }
    }
}

/// The outcome of one probe attempt (kubelet's `probe.Result`). A warning counts as a success
/// but is reported as a `ProbeWarning` event (an HTTP probe that stopped at a redirect).
public enum ProbeAttemptResult: String, Sendable, Hashable {
    case success, warning, failure, unknown
}

/// One probe attempt: its result, kubelet's output text (the HTTP body, the exec output, or the
/// failure message such as `HTTP probe failed with statuscode: 500`), and an error when the
/// probe could not be run at all (a port name that does not exist, a runtime error).
public struct ProbeAttempt: Sendable, Hashable {
    public var result: ProbeAttemptResult
    public var output: String
    /// Set when the probe errored; kubelet then discards the attempt instead of counting it.
    public var error: String?

    public init(result: ProbeAttemptResult, output: String, error: String? = nil) {
        self.result = result
        self.output = output
        self.error = error
    }

    public static func errored(_ message: String) -> ProbeAttempt {
        ProbeAttempt(result: .unknown, output: "", error: message)
    }

    /// What the worker counts towards its thresholds (kubelet's `prober.probe`): success or
    /// warning is success, failure or unknown is failure, and an errored attempt counts as
    /// nothing (nil).
    public var counted: ProbeResult? {
        if error != nil { return nil }
        switch result {
        case .success, .warning: return .success
        case .failure, .unknown: return .failure
        }
    }

    /// The Event kubelet records for this attempt of a `type` probe, if any: `Unhealthy` for a
    /// failure or error, `ProbeWarning` for a warning, nothing for a success.
    public func event(for type: ProbeType) -> KubeletEvent? {
        if let error {
            return ProbeMessages.errored(type, result: result, error: error)
        }
        switch result {
        case .success: return nil
        case .warning: return ProbeMessages.warning(type, output: output)
        case .failure: return ProbeMessages.failed(type, output: output)
        case .unknown: return nil
        }
    }
}

/// A probe's standing verdict on a container (kubelet's `results.Result`): what readiness,
/// liveness and the startup gate are computed from.
public enum ProbeResult: String, Sendable, Hashable {
    case success, failure, unknown
}
