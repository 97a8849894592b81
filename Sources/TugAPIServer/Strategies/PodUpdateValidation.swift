import Foundation
import TugAPI

/// Kubernetes' `ValidatePodUpdate`: a pod's spec is fixed once created, except container
/// images, a shorter `activeDeadlineSeconds`, added tolerations, removed scheduling gates and
/// a negative grace period raised to 1.
enum PodUpdateValidation {
    static let forbiddenMessage = "pod updates may not change fields other than `spec.containers[*].image`,"
        + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
        + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    static func validate(_ new: CoreV1.PodSpec, old: CoreV1.PodSpec) -> [FieldError] {
        var errs: [FieldError] = []
        let newContainers = new.containers ?? []
        let oldContainers = old.containers ?? []
        if newContainers.count != oldContainers.count {
            return [.forbidden("spec.containers", "pod updates may not add or remove containers")]
        }
        if let ads = new.activeDeadlineSeconds {
            if ads < 0 || ads > Int(Int32.max) {
                return [.invalid("spec.activeDeadlineSeconds", ads, Validation.inclusiveRangeError(0, Int(Int32.max)))]
            }
            if let oldADS = old.activeDeadlineSeconds, oldADS < ads {
                return [.invalid("spec.activeDeadlineSeconds", ads, "must be less than or equal to previous value")]
            }
        } else if old.activeDeadlineSeconds != nil {
            errs.append(FieldError(.invalid, "spec.activeDeadlineSeconds", value: "null", "must not update from a positive integer to nil value"))
        }
        errs += onlyAddedTolerations(new.tolerations ?? [], old: old.tolerations ?? [])
        errs += onlyRemovedGates(new.schedulingGates ?? [], old: old.schedulingGates ?? [])

        // Copy what may change from the new spec onto the old one; anything else differing is forbidden.
        var munged = new
        munged.containers = zip(newContainers, oldContainers).map { n, o in
            var c = n
            c.image = o.image
            return c
        }
        if let ni = new.initContainers, let oi = old.initContainers, ni.count == oi.count {
            munged.initContainers = zip(ni, oi).map { n, o in
                var c = n
                c.image = o.image
                return c
            }
        }
        munged.activeDeadlineSeconds = old.activeDeadlineSeconds
        munged.tolerations = old.tolerations
        munged.schedulingGates = old.schedulingGates
        if let oldGrace = old.terminationGracePeriodSeconds, oldGrace < 0, new.terminationGracePeriodSeconds == 1 {
            munged.terminationGracePeriodSeconds = oldGrace
        }
        // Ephemeral containers change through their own subresource.
        munged.ephemeralContainers = old.ephemeralContainers
        if munged != old {
            errs.append(.forbidden("spec", forbiddenMessage + "\n" + diff(munged, old)))
        }
        return errs
    }

    /// Existing tolerations stay (only their tolerationSeconds may change); new ones may be added.
    static func onlyAddedTolerations(_ new: [CoreV1.Toleration], old: [CoreV1.Toleration]) -> [FieldError] {
        for o in old {
            let found = new.contains { n in
                var clone = o
                clone.tolerationSeconds = n.tolerationSeconds
                return clone == n
            }
            if !found { return [.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")] }
        }
        return []
    }

    static func onlyRemovedGates(_ new: [CoreV1.PodSchedulingGate], old: [CoreV1.PodSchedulingGate]) -> [FieldError] {
        let oldNames = Set(old.map { $0.name ?? "" })
        for g in new where !oldNames.contains(g.name ?? "") {
            return [.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate '\(g.name ?? "")'")]
        }
        return []
    }

    /// The top-level spec fields that differ, as a short hint after the message.
    static func diff(_ a: CoreV1.PodSpec, _ b: CoreV1.PodSpec) -> String {
        let x = ((try? JSONValue(encoding: a)) ?? .null).objectValue ?? [:]
        let y = ((try? JSONValue(encoding: b)) ?? .null).objectValue ?? [:]
        let changed = Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted(by: GoFormat.less)
        return "  core.PodSpec{ changed: " + changed.joined(separator: ", ") + " }"
    }
}
