import Foundation
import TugAPI

/// Per-container rules of Kubernetes' `ValidatePodSpec` (names, images, ports, env, mounts,
/// resources, probes), reported at `spec.containers[i]…` paths.
struct ContainerValidation {
    /// Names of the pod's volumes (mounts must name one).
    var volumeNames: Set<String>
    var hostNetwork: Bool

    enum Kind { case regular, initContainer }

    func validate(_ c: CoreV1.Container, kind: Kind, path p: String) -> [FieldError] {
        var errs: [FieldError] = []
        let name = c.name ?? ""
        if name.isEmpty { errs.append(.required("\(p).name")) } else { errs += label(name, "\(p).name") }
        let image = c.image ?? ""
        if image.isEmpty {
            errs.append(.required("\(p).image"))
        } else if image.trimmingCharacters(in: .whitespaces) != image {
            errs.append(.invalid("\(p).image", image, "must not have leading or trailing whitespace"))
        }
        let sidecar = kind == .initContainer && c.restartPolicy == "Always"
        switch kind {
        case .regular:
            if let rp = c.restartPolicy, !rp.isEmpty { errs.append(.forbidden("\(p).restartPolicy", "may not be set for non-init containers")) }
            if let probe = c.livenessProbe, probe.successThreshold != 1 {
                errs.append(.invalid("\(p).livenessProbe.successThreshold", probe.successThreshold ?? 0, "must be 1"))
            }
            if let probe = c.startupProbe, probe.successThreshold != 1 {
                errs.append(.invalid("\(p).startupProbe.successThreshold", probe.successThreshold ?? 0, "must be 1"))
            }
        case .initContainer:
            if let rp = c.restartPolicy, !rp.isEmpty, rp != "Always" { errs.append(.notSupported("\(p).restartPolicy", rp, ["Always"])) }
            if !sidecar {
                let message = "may not be set for init containers without restartPolicy=Always"
                if c.lifecycle != nil { errs.append(.forbidden("\(p).lifecycle", message)) }
                if c.livenessProbe != nil { errs.append(.forbidden("\(p).livenessProbe", message)) }
                if c.readinessProbe != nil { errs.append(.forbidden("\(p).readinessProbe", message)) }
                if c.startupProbe != nil { errs.append(.forbidden("\(p).startupProbe", message)) }
            }
        }
        errs += ports(c.ports ?? [], path: "\(p).ports")
        errs += env(c.env ?? [], path: "\(p).env")
        errs += mounts(c.volumeMounts ?? [], path: "\(p).volumeMounts")
        errs += pullPolicy(c.imagePullPolicy, path: "\(p).imagePullPolicy")
        errs += Self.resources(c.resources, path: "\(p).resources")
        for (probe, field) in [(c.livenessProbe, "livenessProbe"), (c.readinessProbe, "readinessProbe"), (c.startupProbe, "startupProbe")] {
            if let probe, kind == .regular || sidecar { errs += Self.probe(probe, path: "\(p).\(field)") }
        }
        switch c.terminationMessagePolicy ?? "" {
        case "File", "FallbackToLogsOnError": break
        case "": errs.append(.required("\(p).terminationMessagePolicy", "must be 'File' or 'FallbackToLogsOnError'"))
        case let other: errs.append(.invalid("\(p).terminationMessagePolicy", other, "must be 'File' or 'FallbackToLogsOnError'"))
        }
        return errs
    }

    func label(_ value: String, _ path: String) -> [FieldError] {
        Validation.isDNS1123Label(value).map { FieldError.invalid(path, value, $0) }
    }

    func pullPolicy(_ policy: String?, path: String) -> [FieldError] {
        switch policy ?? "" {
        case "Always", "IfNotPresent", "Never": return []
        case "": return [.required(path)]
        case let other: return [.notSupported(path, other, ["Always", "IfNotPresent", "Never"])]
        }
    }

    func ports(_ ports: [CoreV1.ContainerPort], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = "\(path)[\(i)]"
            if let name = port.name, !name.isEmpty {
                let problems = Validation.isValidPortName(name)
                if !problems.isEmpty { errs += problems.map { FieldError.invalid("\(p).name", name, $0) } }
                else if !names.insert(name).inserted { errs.append(.duplicate("\(p).name", name)) }
            }
            let containerPort = port.containerPort ?? 0
            if containerPort == 0 { errs.append(.required("\(p).containerPort")) }
            else { errs += Validation.validatePortNumber(containerPort, path: "\(p).containerPort") }
            if let hp = port.hostPort, hp != 0 {
                errs += Validation.validatePortNumber(hp, path: "\(p).hostPort")
                if hostNetwork && hp != containerPort {
                    errs.append(.invalid("\(p).hostPort", hp, "must match `containerPort` when `hostNetwork` is true"))
                }
            }
            errs += Self.protocolErrors(port.protocol, path: "\(p).protocol")
        }
        return errs
    }

    static func protocolErrors(_ proto: String?, path: String) -> [FieldError] {
        switch proto ?? "" {
        case "TCP", "UDP", "SCTP": return []
        case "": return [.required(path)]
        case let other: return [.notSupported(path, other, ["SCTP", "TCP", "UDP"])]
        }
    }

    func env(_ vars: [CoreV1.EnvVar], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in vars.enumerated() {
            let p = "\(path)[\(i)]"
            errs += Validation.validateEnvVarName(ev.name ?? "", path: "\(p).name")
            guard let from = ev.valueFrom else { continue }
            let vp = "\(p).valueFrom"
            var sources = 0
            if let ref = from.fieldRef {
                sources += 1
                if (ref.fieldPath ?? "").isEmpty { errs.append(.required("\(vp).fieldRef.fieldPath")) }
                if (ref.apiVersion ?? "").isEmpty { errs.append(.required("\(vp).fieldRef.apiVersion")) }
            }
            if let ref = from.resourceFieldRef {
                sources += 1
                if (ref.resource ?? "").isEmpty { errs.append(.required("\(vp).resourceFieldRef.resource")) }
            }
            if let ref = from.configMapKeyRef {
                sources += 1
                errs += keySelector(name: ref.name, key: ref.key, path: "\(vp).configMapKeyRef")
            }
            if let ref = from.secretKeyRef {
                sources += 1
                errs += keySelector(name: ref.name, key: ref.key, path: "\(vp).secretKeyRef")
            }
            if from.fileKeyRef != nil { sources += 1 }
            if sources == 0 {
                errs.append(.invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
            } else if !(ev.value ?? "").isEmpty {
                errs.append(.invalid(vp, "", "may not be specified when `value` is not empty"))
            } else if sources > 1 {
                errs.append(.invalid(vp, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    func keySelector(name: String?, key: String?, path: String) -> [FieldError] {
        var errs = Validation.isDNS1123Subdomain(name ?? "").map { FieldError.invalid("\(path).name", name ?? "", $0) }
        let key = key ?? ""
        if key.isEmpty { errs.append(.required("\(path).key")) }
        else { errs += Validation.isConfigMapKey(key).map { FieldError.invalid("\(path).key", key, $0) } }
        return errs
    }

    func mounts(_ mounts: [CoreV1.VolumeMount], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var mountPoints = Set<String>()
        for (i, m) in mounts.enumerated() {
            let p = "\(path)[\(i)]"
            let name = m.name ?? ""
            if name.isEmpty { errs.append(.required("\(p).name")) }
            if !volumeNames.contains(name) { errs.append(FieldError(.notFound, "\(p).name", value: goQuoted(name))) }
            let mountPath = m.mountPath ?? ""
            if mountPath.isEmpty { errs.append(.required("\(p).mountPath")) }
            if !mountPoints.insert(mountPath).inserted { errs.append(.invalid("\(p).mountPath", mountPath, "must be unique")) }
            if let sub = m.subPath, !sub.isEmpty { errs += Self.localDescendingPath(sub, path: "\(p).subPath") }
        }
        return errs
    }

    /// A relative path that stays below its root: not absolute, no `..` element.
    static func localDescendingPath(_ value: String, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if value.hasPrefix("/") { errs.append(.invalid(path, value, "must be a relative path")) }
        if value.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            errs.append(.invalid(path, value, "must not contain '..'"))
        }
        return errs
    }

    /// Resource names and amounts, and requests within limits (equal for extended resources).
    static func resources(_ r: CoreV1.ResourceRequirements?, path: String) -> [FieldError] {
        guard let r else { return [] }
        var errs: [FieldError] = []
        let limits = r.limits ?? [:]
        let requests = r.requests ?? [:]
        for name in GoFormat.sortedKeys(limits) {
            errs += resourceName(name, path: "\(path).limits[\(name)]") + quantity(limits[name]!, name: name, path: "\(path).limits[\(name)]")
        }
        for name in GoFormat.sortedKeys(requests) {
            let q = requests[name]!
            errs += resourceName(name, path: "\(path).requests[\(name)]") + quantity(q, name: name, path: "\(path).requests[\(name)]")
            if let lim = limits[name] {
                if q.compare(lim) != 0 && !overcommitAllowed(name) {
                    errs.append(.invalid("\(path).requests", q.string, "must be equal to \(name) limit of \(lim.string)"))
                } else if q.compare(lim) > 0 {
                    errs.append(.invalid("\(path).requests", q.string, "must be less than or equal to \(name) limit of \(lim.string)"))
                }
            } else if !overcommitAllowed(name) {
                errs.append(.required("\(path).limits", "Limit must be set for non overcommitable resources"))
            }
        }
        let all = Set(limits.keys).union(requests.keys)
        if all.contains(where: { $0.hasPrefix("hugepages-") }) && !all.contains("cpu") && !all.contains("memory") {
            errs.append(.forbidden(path, "HugePages require cpu or memory"))
        }
        return errs
    }

    static func resourceName(_ name: String, path: String) -> [FieldError] {
        let problems = Validation.isQualifiedName(name)
        if !problems.isEmpty { return problems.map { FieldError.invalid(path, name, $0) } }
        if !name.contains("/") {
            let standard = ["cpu", "memory", "ephemeral-storage"].contains(name) || name.hasPrefix("hugepages-")
            return standard ? [] : [.invalid(path, name, "must be a standard resource for containers")]
        }
        if name.hasPrefix("requests.") { return [.invalid(path, name, "doesn't follow extended resource name standard")] }
        return []
    }

    static func quantity(_ q: Quantity, name: String, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if q.sign < 0 { errs.append(.invalid(path, q.string, Validation.isNegativeErrorMessage)) }
        // Extended resources (a domain other than kubernetes.io) are counted in whole units.
        let extended = name.contains("/") && !name.contains("kubernetes.io/")
        if extended && q.milliValue % 1000 != 0 { errs.append(.invalid(path, q.string, "must be an integer")) }
        return errs
    }

    /// Native resources (no domain, or a `kubernetes.io/` one) other than huge pages may be overcommitted.
    static func overcommitAllowed(_ name: String) -> Bool {
        let native = !name.contains("/") || name.contains("kubernetes.io/")
        return native && !name.hasPrefix("hugepages-")
    }

    static func probe(_ probe: CoreV1.Probe, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var handlers = 0
        func one(_ set: Bool, _ field: String) -> Bool {
            guard set else { return false }
            if handlers > 0 { errs.append(.forbidden("\(path).\(field)", "may not specify more than 1 handler type")); return false }
            handlers += 1
            return true
        }
        if one(probe.exec != nil, "exec"), (probe.exec?.command ?? []).isEmpty { errs.append(.required("\(path).exec.command")) }
        if one(probe.httpGet != nil, "httpGet"), let h = probe.httpGet { errs += httpGet(h, path: "\(path).httpGet") }
        if one(probe.tcpSocket != nil, "tcpSocket"), let t = probe.tcpSocket { errs += portNumOrName(t.port, path: "\(path).tcpSocket.port") }
        if one(probe.grpc != nil, "grpc"), let g = probe.grpc { errs += Validation.validatePortNumber(g.port ?? 0, path: "\(path).grpc.port") }
        if handlers == 0 { errs.append(.required(path, "must specify a handler type")) }
        for (v, f) in [(probe.initialDelaySeconds, "initialDelaySeconds"), (probe.timeoutSeconds, "timeoutSeconds"),
                       (probe.periodSeconds, "periodSeconds"), (probe.successThreshold, "successThreshold"),
                       (probe.failureThreshold, "failureThreshold")] {
            errs += Validation.validateNonnegative(Int64(v ?? 0), path: "\(path).\(f)")
        }
        if let t = probe.terminationGracePeriodSeconds, t <= 0 {
            errs.append(.invalid("\(path).terminationGracePeriodSeconds", t, "must be greater than 0"))
        }
        return errs
    }

    static func httpGet(_ h: CoreV1.HTTPGetAction, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if (h.path ?? "").isEmpty { errs.append(.required("\(path).path")) }
        errs += portNumOrName(h.port, path: "\(path).port")
        if let scheme = h.scheme, scheme != "HTTP" && scheme != "HTTPS" { errs.append(.notSupported("\(path).scheme", scheme, ["HTTP", "HTTPS"])) }
        return errs
    }

    /// `ValidatePortNumOrName`: a port number or an IANA service name.
    static func portNumOrName(_ port: IntOrString?, path: String) -> [FieldError] {
        switch port {
        case .int(let n): return Validation.validatePortNumber(n, path: path)
        case .string(let s): return Validation.validatePortName(s, path: path)
        case nil: return Validation.validatePortNumber(0, path: path)
        }
    }
}
