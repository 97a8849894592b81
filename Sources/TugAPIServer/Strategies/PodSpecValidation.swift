import Foundation
import TugAPI

/// Kubernetes' `ValidatePodSpec` and `ValidatePodTemplateSpec`: the rules every pod and every
/// workload template shares. Errors come at `path` (`spec`, `spec.template.spec`, …).
enum PodSpecValidation {
    /// A workload's pod template: its labels and annotations, then its spec.
    /// `extraVolumes` are names mounts may use besides the spec's own volumes (StatefulSet claims).
    static func validateTemplate(_ t: CoreV1.PodTemplateSpec?, path: String, extraVolumes: Set<String> = []) -> [FieldError] {
        guard let t else { return [.required(path)] }
        var errs = Validation.validateLabels(t.metadata.labels, path: "\(path).metadata.labels")
        errs += Validation.validateAnnotations(t.metadata.annotations, path: "\(path).metadata.annotations")
        errs += validate(t.spec ?? CoreV1.PodSpec(), path: "\(path).spec", extraVolumes: extraVolumes)
        return errs
    }

    static func validate(_ spec: CoreV1.PodSpec, path p: String, extraVolumes: Set<String> = []) -> [FieldError] {
        var errs: [FieldError] = []
        let (volumeErrors, volumeNames) = volumes(spec.volumes ?? [], path: "\(p).volumes")
        errs += volumeErrors
        let cv = ContainerValidation(volumeNames: volumeNames.union(extraVolumes), hostNetwork: spec.hostNetwork == true)
        let containers = spec.containers ?? []
        var names = Set<String>()
        if containers.isEmpty { errs.append(.required("\(p).containers")) }
        for (i, c) in containers.enumerated() {
            let cp = "\(p).containers[\(i)]"
            errs += cv.validate(c, kind: .regular, path: cp)
            if let n = c.name, !n.isEmpty, !names.insert(n).inserted { errs.append(.duplicate("\(cp).name", n)) }
        }
        for (i, c) in (spec.initContainers ?? []).enumerated() {
            let cp = "\(p).initContainers[\(i)]"
            errs += cv.validate(c, kind: .initContainer, path: cp)
            if let n = c.name, !n.isEmpty, !names.insert(n).inserted { errs.append(.duplicate("\(cp).name", n)) }
        }
        for (i, c) in (spec.ephemeralContainers ?? []).enumerated() {
            let cp = "\(p).ephemeralContainers[\(i)]"
            let n = c.name ?? ""
            if n.isEmpty { errs.append(.required("\(cp).name")) } else if !names.insert(n).inserted { errs.append(.duplicate("\(cp).name", n)) }
            if (c.image ?? "").isEmpty { errs.append(.required("\(cp).image")) }
        }
        errs += hostPortConflicts(spec, path: p)
        errs += restartPolicy(spec.restartPolicy, path: "\(p).restartPolicy")
        errs += dnsPolicy(spec, path: p)
        errs += Validation.validateLabels(spec.nodeSelector, path: "\(p).nodeSelector")
        for (field, value) in [("serviceAccountName", spec.serviceAccountName), ("nodeName", spec.nodeName),
                               ("priorityClassName", spec.priorityClassName)] {
            if let v = value, !v.isEmpty { errs += Validation.isDNS1123Subdomain(v).map { FieldError.invalid("\(p).\(field)", v, $0) } }
        }
        for (field, value) in [("hostname", spec.hostname), ("subdomain", spec.subdomain)] {
            if let v = value, !v.isEmpty { errs += Validation.isDNS1123Label(v).map { FieldError.invalid("\(p).\(field)", v, $0) } }
        }
        if let ads = spec.activeDeadlineSeconds, ads < 1 || ads > Int(Int32.max) {
            errs.append(.invalid("\(p).activeDeadlineSeconds", ads, Validation.inclusiveRangeError(1, Int(Int32.max))))
        }
        errs += tolerations(spec.tolerations ?? [], path: "\(p).tolerations")
        if let pp = spec.preemptionPolicy, pp != "PreemptLowerPriority" && pp != "Never" {
            errs.append(.notSupported("\(p).preemptionPolicy", pp, ["Never", "PreemptLowerPriority"]))
        }
        if let os = spec.os?.name, os != "linux" && os != "windows" {
            errs.append(.notSupported("\(p).os.name", os, ["linux", "windows"]))
        }
        var gates = Set<String>()
        for (i, g) in (spec.schedulingGates ?? []).enumerated() {
            let n = g.name ?? ""
            errs += Validation.isQualifiedName(n).map { FieldError.invalid("\(p).schedulingGates[\(i)].name", n, $0) }
            if !gates.insert(n).inserted { errs.append(.duplicate("\(p).schedulingGates[\(i)].name", n)) }
        }
        for (i, g) in (spec.readinessGates ?? []).enumerated() {
            let t = g.conditionType ?? ""
            errs += Validation.isQualifiedName(t).map { FieldError.invalid("\(p).readinessGates[\(i)].conditionType", t, $0) }
        }
        errs += ContainerValidation.resources(spec.resources, path: "\(p).resources")
        return errs
    }

    static func restartPolicy(_ policy: String?, path: String) -> [FieldError] {
        switch policy ?? "" {
        case "Always", "OnFailure", "Never": return []
        case "": return [.required(path)]
        case let other: return [.notSupported(path, other, ["Always", "OnFailure", "Never"])]
        }
    }

    static func dnsPolicy(_ spec: CoreV1.PodSpec, path p: String) -> [FieldError] {
        switch spec.dnsPolicy ?? "" {
        case "ClusterFirstWithHostNet", "ClusterFirst", "Default": return []
        case "None":
            let servers = spec.dnsConfig?.nameservers ?? []
            return servers.isEmpty ? [.required("\(p).dnsConfig.nameservers", "must provide at least one DNS nameserver when dnsPolicy is None")] : []
        case "": return [.required("\(p).dnsPolicy")]
        case let other: return [.notSupported("\(p).dnsPolicy", other, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])]
        }
    }

    /// `protocol/hostIP/port` must be unique across all containers (init containers apart).
    static func hostPortConflicts(_ spec: CoreV1.PodSpec, path p: String) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (ci, c) in (spec.containers ?? []).enumerated() {
            for (pi, port) in (c.ports ?? []).enumerated() {
                guard let hp = port.hostPort, hp != 0 else { continue }
                let key = "\(port.protocol ?? "")/\(port.hostIP ?? "")/\(hp)"
                if !seen.insert(key).inserted { errs.append(.duplicate("\(p).containers[\(ci)].ports[\(pi)].hostPort", key)) }
            }
        }
        return errs
    }

    /// Volume names (DNS labels, unique) and exactly one source each, with the common sources' required fields.
    static func volumes(_ volumes: [CoreV1.Volume], path: String) -> ([FieldError], Set<String>) {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, v) in volumes.enumerated() {
            let vp = "\(path)[\(i)]"
            errs += volumeSource(v, path: vp)
            let name = v.name ?? ""
            if name.isEmpty { errs.append(.required("\(vp).name")) }
            else { errs += Validation.isDNS1123Label(name).map { FieldError.invalid("\(vp).name", name, $0) } }
            if !names.insert(name).inserted { errs.append(.duplicate("\(vp).name", name)) }
        }
        return (errs, names)
    }

    /// Volume sources in the order Kubernetes checks them.
    static let sourceOrder = ["hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
                              "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
                              "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
                              "photonPersistentDisk", "portworxVolume", "projected", "scaleIO", "storageos", "csi", "ephemeral", "image"]

    static let fileModeError = "must be a number between 0 and 0777 (octal), both inclusive"

    static func volumeSource(_ v: CoreV1.Volume, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let fields = ((try? JSONValue(encoding: v)) ?? .null).objectValue ?? [:]
        let present = sourceOrder.filter { fields[$0] != nil }
        if present.isEmpty { errs.append(.required(path, "must specify a volume type")) }
        for extra in present.dropFirst() { errs.append(.forbidden("\(path).\(extra)", "may not specify more than 1 volume type")) }
        if let h = v.hostPath {
            if (h.path ?? "").isEmpty { errs.append(.required("\(path).hostPath.path")) }
            let types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
            if let t = h.type, !types.contains(t) { errs.append(.notSupported("\(path).hostPath.type", t, types)) }
        }
        if let s = v.secret {
            if (s.secretName ?? "").isEmpty { errs.append(.required("\(path).secret.secretName")) }
            errs += fileMode(s.defaultMode, path: "\(path).secret.defaultMode")
        }
        if let c = v.configMap {
            if (c.name ?? "").isEmpty { errs.append(.required("\(path).configMap.name")) }
            errs += fileMode(c.defaultMode, path: "\(path).configMap.defaultMode")
        }
        if let c = v.persistentVolumeClaim, (c.claimName ?? "").isEmpty { errs.append(.required("\(path).persistentVolumeClaim.claimName")) }
        if let d = v.downwardAPI { errs += fileMode(d.defaultMode, path: "\(path).downwardAPI.defaultMode") }
        if let pr = v.projected { errs += fileMode(pr.defaultMode, path: "\(path).projected.defaultMode") }
        if let n = v.nfs {
            if (n.server ?? "").isEmpty { errs.append(.required("\(path).nfs.server")) }
            if (n.path ?? "").isEmpty { errs.append(.required("\(path).nfs.path")) }
        }
        if let c = v.csi, (c.driver ?? "").isEmpty { errs.append(.required("\(path).csi.driver")) }
        if let e = v.emptyDir, let medium = e.medium, !["", "Memory", "HugePages"].contains(medium), !medium.hasPrefix("HugePages-") {
            errs.append(.notSupported("\(path).emptyDir.medium", medium, ["", "Memory", "HugePages"]))
        }
        return errs
    }

    static func fileMode(_ mode: Int?, path: String) -> [FieldError] {
        guard let mode, mode < 0 || mode > 0o777 else { return [] }
        return [.invalid(path, mode, fileModeError)]
    }

    static func tolerations(_ tolerations: [CoreV1.Toleration], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in tolerations.enumerated() {
            let p = "\(path)[\(i)]"
            let key = t.key ?? ""
            let op = t.operator ?? ""
            let effect = t.effect ?? ""
            if !key.isEmpty { errs += Validation.validateLabelName(key, path: "\(p).key") }
            if key.isEmpty && op != "Exists" {
                errs.append(.invalid("\(p).operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if t.tolerationSeconds != nil && effect != "NoExecute" {
                errs.append(.invalid("\(p).effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let problems = Validation.isLabelValue(t.value ?? "")
                if !problems.isEmpty { errs.append(.invalid("\(p).operator", t.value ?? "", problems.joined(separator: ";"))) }
            case "Exists":
                if !(t.value ?? "").isEmpty {
                    errs.append(FieldError(.invalid, "\(p).operator", value: GoFormat.json(t), "value must be empty when `operator` is 'Exists'"))
                }
            default:
                errs.append(.notSupported("\(p).operator", op, ["Equal", "Exists"]))
            }
            if !effect.isEmpty { errs += taintEffect(effect, path: "\(p).effect") }
        }
        return errs
    }

    static func taintEffect(_ effect: String, path: String) -> [FieldError] {
        switch effect {
        case "NoSchedule", "PreferNoSchedule", "NoExecute": return []
        case "": return [.required(path)]
        default: return [.notSupported(path, effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"])]
        }
    }
}
