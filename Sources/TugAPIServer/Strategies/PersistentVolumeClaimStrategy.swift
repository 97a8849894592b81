import Foundation
import TugAPI

/// PersistentVolumeClaims: volumeMode Filesystem, phase Pending, access modes and a storage
/// request required, a spec fixed after creation except binding and expansion.
public struct PersistentVolumeClaimStrategy: ResourceStrategy {
    public typealias Object = CoreV1.PersistentVolumeClaim
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

    public func applyDefaults(_ obj: inout CoreV1.PersistentVolumeClaim) {
        Self.defaultSpec(&obj)
        if var status = obj.status, (status.phase ?? "").isEmpty {
            status.phase = "Pending"
            obj.status = status
        }
    }

    static func defaultSpec(_ claim: inout CoreV1.PersistentVolumeClaim) {
        var spec = claim.spec ?? CoreV1.PersistentVolumeClaimSpec()
        if spec.volumeMode == nil { spec.volumeMode = "Filesystem" }
        claim.spec = spec
    }

    public func prepareForCreate(_ obj: inout CoreV1.PersistentVolumeClaim) {
        obj.status = CoreV1.PersistentVolumeClaimStatus(phase: "Pending")
    }

    public func prepareForUpdate(_ new: inout CoreV1.PersistentVolumeClaim, old: CoreV1.PersistentVolumeClaim) { new.status = old.status }

    public func prepareForStatusUpdate(_ new: CoreV1.PersistentVolumeClaim, old: CoreV1.PersistentVolumeClaim) -> CoreV1.PersistentVolumeClaim {
        var o = old
        o.status = new.status
        return o
    }

    public func validate(_ obj: CoreV1.PersistentVolumeClaim) -> [FieldError] {
        Self.validateSpec(obj.spec ?? CoreV1.PersistentVolumeClaimSpec(), path: "spec")
    }

    static func validateSpec(_ spec: CoreV1.PersistentVolumeClaimSpec, path p: String) -> [FieldError] {
        var errs: [FieldError] = []
        let modes = spec.accessModes ?? []
        if modes.isEmpty { errs.append(.required("\(p).accessModes", "at least 1 access mode is required")) }
        errs += Validation.validateLabelSelector(spec.selector, path: "\(p).selector")
        for mode in modes where !accessModes.contains(mode) { errs.append(.notSupported("\(p).accessModes", mode, accessModes)) }
        if modes.contains("ReadWriteOncePod") && modes.contains(where: { $0 != "ReadWriteOncePod" && accessModes.contains($0) }) {
            errs.append(.forbidden("\(p).accessModes", "may not use ReadWriteOncePod with other access modes"))
        }
        let storagePath = "\(p).resources[storage]"
        if let storage = spec.resources?.requests?["storage"] {
            if storage.sign <= 0 { errs.append(.invalid(storagePath, storage.string, "must be greater than zero")) }
        } else {
            errs.append(.required(storagePath))
        }
        if let sc = spec.storageClassName, !sc.isEmpty {
            errs += Validation.isDNS1123Subdomain(sc).map { FieldError.invalid("\(p).storageClassName", sc, $0) }
        }
        if let vm = spec.volumeMode, vm != "Block" && vm != "Filesystem" {
            errs.append(.notSupported("\(p).volumeMode", vm, ["Block", "Filesystem"]))
        }
        return errs
    }

    /// Fixed after creation, except the volume name (set once by binding), a bound claim's
    /// storage request (which may grow) and its volume attributes class.
    public func validateUpdate(_ new: CoreV1.PersistentVolumeClaim, old: CoreV1.PersistentVolumeClaim) -> [FieldError] {
        var errs: [FieldError] = []
        var newClone = new.spec ?? CoreV1.PersistentVolumeClaimSpec()
        var oldClone = old.spec ?? CoreV1.PersistentVolumeClaimSpec()
        if (oldClone.volumeName ?? "").isEmpty { oldClone.volumeName = newClone.volumeName }
        let bound = new.status?.phase == "Bound"
        if bound {
            if var r = newClone.resources, r.requests != nil {
                r.requests?["storage"] = old.spec?.resources?.requests?["storage"]
                newClone.resources = r
            }
            newClone.volumeAttributesClassName = oldClone.volumeAttributesClassName
        }
        if newClone != oldClone {
            errs.append(.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
        }
        if let newSize = new.spec?.resources?.requests?["storage"], let oldSize = old.spec?.resources?.requests?["storage"],
           newSize.compare(oldSize) < 0 {
            errs.append(.forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
        }
        return errs
    }

    public var tableColumns: [TableColumn] {
        [.name, .string("Status", "The phase of the claim."), .string("Volume", "The binding reference to the PersistentVolume backing this claim."),
         .string("Capacity", "The actual resources of the underlying volume."),
         .string("Access Modes", "The access modes the volume backing the claim has."),
         .string("StorageClass", "Name of the StorageClass required by the claim."),
         .string("VolumeAttributesClass", "The name of the VolumeAttributesClass the claim is using."), .age,
         .string("VolumeMode", "Whether the volume is intended to be a formatted filesystem or a raw block device.", priority: 1)]
    }

    public func tableCells(_ obj: CoreV1.PersistentVolumeClaim, now: Date) -> [JSONValue] {
        let spec = obj.spec
        let phase = obj.metadata.deletionTimestamp != nil ? "Terminating" : (obj.status?.phase ?? "")
        var capacity = ""
        var modes = ""
        let volumeName = spec?.volumeName ?? ""
        if !volumeName.isEmpty {
            modes = TableFormat.accessModes(obj.status?.accessModes)
            capacity = (obj.status?.capacity?["storage"] ?? .zero).string
        }
        let storageClass = obj.metadata.annotations?["volume.beta.kubernetes.io/storage-class"] ?? spec?.storageClassName ?? ""
        let vac = spec?.volumeAttributesClassName.flatMap { $0.isEmpty ? nil : $0 } ?? "<unset>"
        return [TableFormat.name(obj), .string(phase), .string(volumeName), .string(capacity), .string(modes), .string(storageClass),
                .string(vac), TableFormat.age(obj, now), .string(spec?.volumeMode ?? "<unset>")]
    }
}
