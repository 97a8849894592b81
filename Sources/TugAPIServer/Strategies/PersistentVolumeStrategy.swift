import Foundation
import TugAPI

/// PersistentVolumes: reclaim policy Retain, volumeMode Filesystem, phase Pending; one volume
/// source with a storage capacity; the source fixed after creation.
public struct PersistentVolumeStrategy: ResourceStrategy {
    public typealias Object = CoreV1.PersistentVolume
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let sources = ["gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder",
                          "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
                          "photonPersistentDisk", "portworxVolume", "scaleIO", "local", "storageos", "csi"]

    public func applyDefaults(_ obj: inout CoreV1.PersistentVolume) {
        var spec = obj.spec ?? CoreV1.PersistentVolumeSpec()
        if (spec.persistentVolumeReclaimPolicy ?? "").isEmpty { spec.persistentVolumeReclaimPolicy = "Retain" }
        if spec.volumeMode == nil { spec.volumeMode = "Filesystem" }
        if var h = spec.hostPath, h.type == nil { h.type = ""; spec.hostPath = h }
        obj.spec = spec
        if var status = obj.status, (status.phase ?? "").isEmpty {
            status.phase = "Pending"
            obj.status = status
        }
    }

    public func prepareForCreate(_ obj: inout CoreV1.PersistentVolume) {
        obj.status = CoreV1.PersistentVolumeStatus(phase: "Pending", lastPhaseTransitionTime: Time.now())
    }

    public func prepareForUpdate(_ new: inout CoreV1.PersistentVolume, old: CoreV1.PersistentVolume) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: CoreV1.PersistentVolume, old: CoreV1.PersistentVolume) -> CoreV1.PersistentVolume {
        var o = old
        var status = new.status ?? CoreV1.PersistentVolumeStatus()
        // The transition time moves with the phase.
        if status.phase != old.status?.phase && status.lastPhaseTransitionTime == old.status?.lastPhaseTransitionTime {
            status.lastPhaseTransitionTime = Time.now()
        }
        o.status = status
        return o
    }

    public func validate(_ obj: CoreV1.PersistentVolume) -> [FieldError] {
        let spec = obj.spec ?? CoreV1.PersistentVolumeSpec()
        var errs: [FieldError] = []
        let modes = spec.accessModes ?? []
        if modes.isEmpty { errs.append(.required("spec.accessModes")) }
        for mode in modes where !PersistentVolumeClaimStrategy.accessModes.contains(mode) {
            errs.append(.notSupported("spec.accessModes", mode, PersistentVolumeClaimStrategy.accessModes))
        }
        let capacity = spec.capacity ?? [:]
        if capacity.isEmpty { errs.append(.required("spec.capacity")) }
        if capacity["storage"] == nil || capacity.count > 1 {
            errs.append(FieldError(.notSupported, "spec.capacity", value: GoFormat.json(capacity), "supported values: \"storage\""))
        }
        for name in GoFormat.sortedKeys(capacity) where capacity[name]!.sign <= 0 {
            errs.append(.invalid("spec.capacity[\(name)]", capacity[name]!.string, "must be greater than zero"))
        }
        if let rp = spec.persistentVolumeReclaimPolicy, !rp.isEmpty, !["Delete", "Recycle", "Retain"].contains(rp) {
            errs.append(.notSupported("spec.persistentVolumeReclaimPolicy", rp, ["Delete", "Recycle", "Retain"]))
        }
        let fields = ((try? JSONValue(encoding: spec)) ?? .null).objectValue ?? [:]
        let present = Self.sources.filter { fields[$0] != nil }
        if present.isEmpty { errs.append(.required("spec", "must specify a volume type")) }
        for extra in present.dropFirst() { errs.append(.forbidden("spec.\(extra)", "may not specify more than 1 volume type")) }
        if let h = spec.hostPath, (h.path ?? "").isEmpty { errs.append(.required("spec.hostPath.path")) }
        if let l = spec.local {
            if (l.path ?? "").isEmpty { errs.append(.required("spec.local.path")) }
            if spec.nodeAffinity == nil { errs.append(.required("spec.nodeAffinity", "Local volume requires node affinity")) }
        }
        if let sc = spec.storageClassName, !sc.isEmpty {
            errs += Validation.isDNS1123Subdomain(sc).map { FieldError.invalid("spec.storageClassName", sc, $0) }
        }
        if let vm = spec.volumeMode, vm != "Block" && vm != "Filesystem" {
            errs.append(.notSupported("spec.volumeMode", vm, ["Block", "Filesystem"]))
        }
        return errs
    }

    public func validateUpdate(_ new: CoreV1.PersistentVolume, old: CoreV1.PersistentVolume) -> [FieldError] {
        var errs: [FieldError] = []
        let a = ((try? JSONValue(encoding: new.spec ?? CoreV1.PersistentVolumeSpec())) ?? .null).objectValue ?? [:]
        let b = ((try? JSONValue(encoding: old.spec ?? CoreV1.PersistentVolumeSpec())) ?? .null).objectValue ?? [:]
        if Self.sources.contains(where: { a[$0] != b[$0] }) {
            errs.append(.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"))
        }
        errs += GoFormat.immutable(new.spec?.volumeMode, old.spec?.volumeMode, path: "volumeMode")
        if old.spec?.nodeAffinity != nil {
            errs += GoFormat.immutable(new.spec?.nodeAffinity, old.spec?.nodeAffinity, path: "spec.nodeAffinity")
        }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Capacity", "The capacity of the volume."), .string("Access Modes", "The ways the volume can be mounted."),
         .string("Reclaim Policy", "What happens to the volume when released from its claim."),
         .string("Status", "The phase of the volume."), .string("Claim", "The claim bound to this volume."),
         .string("StorageClass", "The name of the StorageClass this volume belongs to."),
         .string("VolumeAttributesClass", "The name of the VolumeAttributesClass this volume belongs to."),
         .string("Reason", "A brief reason for the volume's phase."), .age,
         .string("VolumeMode", "Whether the volume is a formatted filesystem or a raw block device.", priority: 1)]
    }

    public func tableCells(_ obj: CoreV1.PersistentVolume, now: Date) -> [JSONValue] {
        let spec = obj.spec
        var claim = ""
        if let ref = spec?.claimRef { claim = "\(ref.namespace ?? "")/\(ref.name ?? "")" }
        let phase = obj.metadata.deletionTimestamp != nil ? "Terminating" : (obj.status?.phase ?? "")
        let storageClass = obj.metadata.annotations?["volume.beta.kubernetes.io/storage-class"] ?? spec?.storageClassName ?? ""
        let vac = spec?.volumeAttributesClassName.flatMap { $0.isEmpty ? nil : $0 } ?? "<unset>"
        return [TableFormat.name(obj), .string((spec?.capacity?["storage"] ?? .zero).string),
                .string(TableFormat.accessModes(spec?.accessModes)), .string(spec?.persistentVolumeReclaimPolicy ?? ""),
                .string(phase), .string(claim), .string(storageClass), .string(vac), .string(obj.status?.reason ?? ""),
                TableFormat.age(obj, now), .string(spec?.volumeMode ?? "<unset>")]
    }
}
