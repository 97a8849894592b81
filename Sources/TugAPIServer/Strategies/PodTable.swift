import Foundation
import TugAPI

/// `kubectl get pods` as Kubernetes' `printPod` computes it: READY counts ready containers
/// (sidecars included), STATUS is the most telling reason (init progress, a waiting or
/// terminated container, `Terminating`), RESTARTS carries the last restart's age.
enum PodTable {
    static let columns: [TableColumn] = [
        .name,
        .string("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        .string("Status", "The aggregate status of the containers in this pod."),
        .string("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        .age,
        .string("IP", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1),
        .string("Node", "NodeName is a request to schedule this pod onto a specific node.", priority: 1),
        .string("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.", priority: 1),
        .string("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", priority: 1),
    ]

    static func cells(_ pod: CoreV1.Pod, now: Date) -> [JSONValue] {
        let spec = pod.spec ?? CoreV1.PodSpec()
        let status = pod.status ?? CoreV1.PodStatus()
        var restarts = 0
        var sidecarRestarts = 0
        var totalContainers = spec.containers?.count ?? 0
        var readyContainers = 0
        var lastRestart: Date?
        var lastSidecarRestart: Date?
        let phase = status.phase ?? ""
        var reason = phase
        if let r = status.reason, !r.isEmpty { reason = r }
        for c in status.conditions ?? [] where c.type == "PodScheduled" && c.reason == "SchedulingGated" { reason = "SchedulingGated" }

        let initSpecs = spec.initContainers ?? []
        var sidecars = Set<String>()
        for c in initSpecs where c.restartPolicy == "Always" {
            sidecars.insert(c.name ?? "")
            totalContainers += 1
        }
        func later(_ a: Date?, _ b: Time?) -> Date? {
            guard let b = b?.date else { return a }
            guard let a else { return b }
            return max(a, b)
        }

        var initializing = false
        for (i, c) in (status.initContainerStatuses ?? []).enumerated() {
            restarts += c.restartCount ?? 0
            lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt)
            let isSidecar = sidecars.contains(c.name ?? "")
            if isSidecar {
                sidecarRestarts += c.restartCount ?? 0
                lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt)
            }
            if let t = c.state?.terminated, (t.exitCode ?? 0) == 0 { continue }
            if isSidecar && c.started == true {
                if c.ready == true { readyContainers += 1 }
                continue
            }
            if let t = c.state?.terminated {
                if let r = t.reason, !r.isEmpty { reason = "Init:" + r }
                else if let sig = t.signal, sig != 0 { reason = "Init:Signal:\(sig)" }
                else { reason = "Init:ExitCode:\(t.exitCode ?? 0)" }
            } else if let r = c.state?.waiting?.reason, !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(i)/\(initSpecs.count)"
            }
            initializing = true
            break
        }

        let initialized = (status.conditions ?? []).contains { $0.type == "Initialized" && $0.status == "True" }
        if !initializing || initialized {
            restarts = sidecarRestarts
            lastRestart = lastSidecarRestart
            var hasRunning = false
            for c in (status.containerStatuses ?? []).reversed() {
                restarts += c.restartCount ?? 0
                lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt)
                if let r = c.state?.waiting?.reason, !r.isEmpty {
                    reason = r
                } else if let t = c.state?.terminated {
                    if let r = t.reason, !r.isEmpty { reason = r }
                    else if let sig = t.signal, sig != 0 { reason = "Signal:\(sig)" }
                    else { reason = "ExitCode:\(t.exitCode ?? 0)" }
                } else if c.ready == true && c.state?.running != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            // A completed pod with a container still running is Running (or NotReady).
            if reason == "Completed" && hasRunning {
                let podReady = (status.conditions ?? []).contains { $0.type == "Ready" && $0.status == "True" }
                reason = podReady ? "Running" : "NotReady"
            }
        }

        if pod.metadata.deletionTimestamp != nil && status.reason == "NodeLost" {
            reason = "Unknown"
        } else if pod.metadata.deletionTimestamp != nil && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating"
        }

        var restartsText = String(restarts)
        if restarts != 0, let last = lastRestart {
            restartsText = "\(restarts) (\(Age.format(now.timeIntervalSince(last))) ago)"
        }

        let podIP = status.podIPs?.first?.ip ?? status.podIP ?? ""
        let node = spec.nodeName ?? ""
        let nominated = status.nominatedNodeName ?? ""
        var readinessGates = "<none>"
        if let gates = spec.readinessGates, !gates.isEmpty {
            var trueConditions = 0
            for gate in gates {
                if let c = (status.conditions ?? []).first(where: { $0.type == gate.conditionType }), c.status == "True" { trueConditions += 1 }
            }
            readinessGates = "\(trueConditions)/\(gates.count)"
        }
        return [TableFormat.name(pod), .string("\(readyContainers)/\(totalContainers)"), .string(reason), .string(restartsText),
                TableFormat.age(pod, now), .string(podIP.isEmpty ? "<none>" : podIP), .string(node.isEmpty ? "<none>" : node),
                .string(nominated.isEmpty ? "<none>" : nominated), .string(readinessGates)]
    }
}
