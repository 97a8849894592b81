import Foundation
import TugAPI

/// Kubernetes' SetDefaults for a PodSpec, shared by pods and every pod template.
enum PodSpecDefaults {
    static func apply(_ spec: inout CoreV1.PodSpec) {
        if spec.restartPolicy == nil { spec.restartPolicy = "Always" }
        if spec.dnsPolicy == nil { spec.dnsPolicy = "ClusterFirst" }
        if spec.schedulerName == nil { spec.schedulerName = "default-scheduler" }
        if spec.terminationGracePeriodSeconds == nil { spec.terminationGracePeriodSeconds = 30 }
        if spec.securityContext == nil { spec.securityContext = CoreV1.PodSecurityContext() }
        if let c = spec.containers { spec.containers = c.map(container) }
        if let c = spec.initContainers { spec.initContainers = c.map(container) }
    }

    static func container(_ c: CoreV1.Container) -> CoreV1.Container {
        var c = c
        if c.terminationMessagePath == nil { c.terminationMessagePath = "/dev/termination-log" }
        if c.terminationMessagePolicy == nil { c.terminationMessagePolicy = "File" }
        if c.imagePullPolicy == nil { c.imagePullPolicy = pullPolicy(image: c.image ?? "") }
        if let ports = c.ports {
            c.ports = ports.map { p in
                var p = p
                if p.`protocol` == nil { p.`protocol` = "TCP" }
                return p
            }
        }
        return c
    }

    /// `Always` for `:latest` or an untagged image (unless pinned by digest), else `IfNotPresent`.
    static func pullPolicy(image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastSegment = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastSegment.lastIndex(of: ":") else { return "Always" }
        return lastSegment[lastSegment.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    /// QoS class as Kubernetes computes it from requests and limits.
    static func qosClass(_ spec: CoreV1.PodSpec?) -> String {
        let containers = (spec?.containers ?? []) + (spec?.initContainers ?? [])
        var anySet = false
        var guaranteed = true
        for c in containers {
            let req = c.resources?.requests ?? [:]
            let lim = c.resources?.limits ?? [:]
            if !req.isEmpty || !lim.isEmpty { anySet = true }
            for r in ["cpu", "memory"] {
                guard let l = lim[r] else { guaranteed = false; continue }
                if let q = req[r], q != l { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
