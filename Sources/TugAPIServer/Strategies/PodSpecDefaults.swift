import Foundation
import TugAPI

/// Kubernetes' SetDefaults for a PodSpec (`pkg/apis/core/v1/defaults.go`), shared by pods and
/// every pod template: pod-level fields, containers, probes, volumes and env field references.
enum PodSpecDefaults {
    static func apply(_ spec: inout CoreV1.PodSpec) {
        if (spec.dnsPolicy ?? "").isEmpty { spec.dnsPolicy = "ClusterFirst" }
        if (spec.restartPolicy ?? "").isEmpty { spec.restartPolicy = "Always" }
        if spec.securityContext == nil { spec.securityContext = CoreV1.PodSecurityContext() }
        if spec.terminationGracePeriodSeconds == nil { spec.terminationGracePeriodSeconds = 30 }
        if (spec.schedulerName ?? "").isEmpty { spec.schedulerName = "default-scheduler" }
        if let c = spec.containers { spec.containers = c.map(container) }
        if let c = spec.initContainers { spec.initContainers = c.map(container) }
        if let c = spec.ephemeralContainers { spec.ephemeralContainers = c.map(ephemeralContainer) }
        if let v = spec.volumes { spec.volumes = v.map(volume) }
    }

    /// The template spec of a workload, created when absent so its defaults show.
    static func applyTemplate(_ template: inout CoreV1.PodTemplateSpec?) {
        guard var t = template else { return }
        var spec = t.spec ?? CoreV1.PodSpec()
        apply(&spec)
        t.spec = spec
        template = t
    }

    static func container(_ c: CoreV1.Container) -> CoreV1.Container {
        var c = c
        if (c.imagePullPolicy ?? "").isEmpty { c.imagePullPolicy = pullPolicy(image: c.image ?? "") }
        if (c.terminationMessagePath ?? "").isEmpty { c.terminationMessagePath = "/dev/termination-log" }
        if (c.terminationMessagePolicy ?? "").isEmpty { c.terminationMessagePolicy = "File" }
        c.ports = c.ports.map(ports)
        c.env = c.env.map(env)
        c.livenessProbe = c.livenessProbe.map(probe)
        c.readinessProbe = c.readinessProbe.map(probe)
        c.startupProbe = c.startupProbe.map(probe)
        c.lifecycle = c.lifecycle.map(lifecycle)
        return c
    }

    static func ephemeralContainer(_ c: CoreV1.EphemeralContainer) -> CoreV1.EphemeralContainer {
        var c = c
        if (c.imagePullPolicy ?? "").isEmpty { c.imagePullPolicy = pullPolicy(image: c.image ?? "") }
        if (c.terminationMessagePath ?? "").isEmpty { c.terminationMessagePath = "/dev/termination-log" }
        if (c.terminationMessagePolicy ?? "").isEmpty { c.terminationMessagePolicy = "File" }
        c.ports = c.ports.map(ports)
        c.env = c.env.map(env)
        return c
    }

    static func ports(_ ports: [CoreV1.ContainerPort]) -> [CoreV1.ContainerPort] {
        ports.map { p in
            var p = p
            if (p.protocol ?? "").isEmpty { p.protocol = "TCP" }
            return p
        }
    }

    static func env(_ env: [CoreV1.EnvVar]) -> [CoreV1.EnvVar] {
        env.map { e in
            var e = e
            if var ref = e.valueFrom?.fieldRef, (ref.apiVersion ?? "").isEmpty {
                ref.apiVersion = "v1"
                e.valueFrom?.fieldRef = ref
            }
            return e
        }
    }

    static func probe(_ p: CoreV1.Probe) -> CoreV1.Probe {
        var p = p
        if p.timeoutSeconds == nil || p.timeoutSeconds == 0 { p.timeoutSeconds = 1 }
        if p.periodSeconds == nil || p.periodSeconds == 0 { p.periodSeconds = 10 }
        if p.successThreshold == nil || p.successThreshold == 0 { p.successThreshold = 1 }
        if p.failureThreshold == nil || p.failureThreshold == 0 { p.failureThreshold = 3 }
        p.httpGet = p.httpGet.map(httpGet)
        if var g = p.grpc, g.service == nil {
            g.service = ""
            p.grpc = g
        }
        return p
    }

    static func lifecycle(_ l: CoreV1.Lifecycle) -> CoreV1.Lifecycle {
        var l = l
        if var h = l.postStart { h.httpGet = h.httpGet.map(httpGet); l.postStart = h }
        if var h = l.preStop { h.httpGet = h.httpGet.map(httpGet); l.preStop = h }
        return l
    }

    static func httpGet(_ h: CoreV1.HTTPGetAction) -> CoreV1.HTTPGetAction {
        var h = h
        if (h.path ?? "").isEmpty { h.path = "/" }
        if (h.scheme ?? "").isEmpty { h.scheme = "HTTP" }
        return h
    }

    /// A volume with no source is an emptyDir; file modes default to 0644.
    static func volume(_ v: CoreV1.Volume) -> CoreV1.Volume {
        var v = v
        if case .object(let fields) = (try? JSONValue(encoding: v)) ?? .null, fields.keys.allSatisfy({ $0 == "name" }) {
            v.emptyDir = CoreV1.EmptyDirVolumeSource()
        }
        if var s = v.secret, s.defaultMode == nil { s.defaultMode = 0o644; v.secret = s }
        if var s = v.configMap, s.defaultMode == nil { s.defaultMode = 0o644; v.configMap = s }
        if var s = v.downwardAPI, s.defaultMode == nil { s.defaultMode = 0o644; v.downwardAPI = s }
        if var s = v.projected {
            if s.defaultMode == nil { s.defaultMode = 0o644 }
            s.sources = s.sources?.map { src in
                var src = src
                if var t = src.serviceAccountToken, t.expirationSeconds == nil {
                    t.expirationSeconds = 3600
                    src.serviceAccountToken = t
                }
                return src
            }
            v.projected = s
        }
        if var s = v.hostPath, s.type == nil { s.type = ""; v.hostPath = s }
        if var s = v.image, (s.pullPolicy ?? "").isEmpty { s.pullPolicy = pullPolicy(image: s.reference ?? ""); v.image = s }
        return v
    }

    /// `Always` for `:latest` or an untagged image, `IfNotPresent` for other tags and for
    /// digests (Kubernetes' `parsers.ParseImageName`).
    static func pullPolicy(image: String) -> String {
        var ref = Substring(image)
        var hasDigest = false
        if let at = ref.firstIndex(of: "@") {
            ref = ref[..<at]
            hasDigest = true
        }
        let lastSegment = ref.split(separator: "/", omittingEmptySubsequences: false).last ?? ref
        if let colon = lastSegment.lastIndex(of: ":") {
            return lastSegment[lastSegment.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
        }
        return hasDigest ? "IfNotPresent" : "Always"
    }

    /// Pods only (not templates): requests default to limits where unset; host-network pods
    /// publish each container port on the host.
    static func applyPodOnly(_ spec: inout CoreV1.PodSpec) {
        spec.containers = spec.containers?.map(requestsFromLimits)
        spec.initContainers = spec.initContainers?.map(requestsFromLimits)
        if var r = spec.resources, let limits = r.limits {
            var requests = r.requests ?? [:]
            for (k, v) in limits where requests[k] == nil { requests[k] = v }
            r.requests = requests
            spec.resources = r
        }
        if spec.enableServiceLinks == nil { spec.enableServiceLinks = true }
        if spec.hostNetwork == true {
            spec.containers = spec.containers?.map(hostNetworkPorts)
            spec.initContainers = spec.initContainers?.map(hostNetworkPorts)
        }
    }

    static func requestsFromLimits(_ c: CoreV1.Container) -> CoreV1.Container {
        guard var r = c.resources, let limits = r.limits, !limits.isEmpty else { return c }
        var c = c
        var requests = r.requests ?? [:]
        for (k, v) in limits where requests[k] == nil { requests[k] = v }
        r.requests = requests
        c.resources = r
        return c
    }

    static func hostNetworkPorts(_ c: CoreV1.Container) -> CoreV1.Container {
        var c = c
        c.ports = c.ports?.map { p in
            var p = p
            if (p.hostPort ?? 0) == 0 { p.hostPort = p.containerPort }
            return p
        }
        return c
    }
}
