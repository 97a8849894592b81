/// Kubelet's event texts for probes, kept in one place so that `kubectl describe pod` reads as
/// it does on a real cluster.
public enum ProbeMessages {
    /// `Warning Unhealthy "Liveness probe failed: HTTP probe failed with statuscode: 500"`.
    public static func failed(_ type: ProbeType, output: String) -> KubeletEvent {
        KubeletEvent(type: KubeletEvent.warning, reason: "Unhealthy", message: "\(type.displayName) probe failed: \(output)")
    }

    /// `Warning Unhealthy "Readiness probe errored and resulted in unknown state: …"`.
    public static func errored(_ type: ProbeType, result: ProbeAttemptResult, error: String) -> KubeletEvent {
        KubeletEvent(type: KubeletEvent.warning, reason: "Unhealthy",
                     message: "\(type.displayName) probe errored and resulted in \(result.rawValue) state: \(error)")
    }

    /// `Warning ProbeWarning "Readiness probe warning: Probe terminated redirects, Response body: …"`.
    public static func warning(_ type: ProbeType, output: String) -> KubeletEvent {
        KubeletEvent(type: KubeletEvent.warning, reason: "ProbeWarning", message: "\(type.displayName) probe warning: \(output)")
    }

    /// The `Normal Killing` event when a failed liveness or startup probe makes the agent kill
    /// the container: `Container app failed liveness probe, will be restarted` (without the
    /// suffix when the restart policy will not restart it). Nil for readiness, which never kills.
    public static func killing(container: String, type: ProbeType, willRestart: Bool) -> KubeletEvent? {
        guard type != .readiness else { return nil }
        var message = "Container \(container) failed \(type.rawValue) probe"
        if willRestart { message += ", will be restarted" }
        return KubeletEvent(type: KubeletEvent.normal, reason: "Killing", message: message)
    }
}
