import TugAPI

/// Fields an apply would change that other managers own, reported as Kubernetes reports them:
/// 409 Conflict, `Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1:
/// .spec.replicas`, one `FieldManagerConflict` cause per field.
struct ApplyConflicts: Error {
    /// Conflicting paths per manager.
    var byManager: [ManagerID: FieldSet]

    init(_ byManager: [ManagerID: FieldSet]) {
        self.byManager = byManager
    }

    var managers: [ManagerID] {
        byManager.keys.sorted {
            ($0.manager, $0.operation, $0.apiVersion, $0.subresource) < ($1.manager, $1.operation, $1.apiVersion, $1.subresource)
        }
    }

    var entries: [(manager: ManagerID, path: FieldPath)] {
        managers.flatMap { id in byManager[id]!.paths.map { (id, $0) } }
    }

    var isEmpty: Bool { byManager.values.allSatisfy(\.isEmpty) }

    /// The conflicts not in `allowed`.
    func subtracting(_ allowed: FieldSet) -> ApplyConflicts {
        var out: [ManagerID: FieldSet] = [:]
        for (id, s) in byManager {
            let kept = FieldSet(paths: s.paths.filter { !allowed.contains($0) })
            if !kept.isEmpty { out[id] = kept }
        }
        return ApplyConflicts(out)
    }

    var apiError: APIError {
        let all = entries
        let message: String
        if all.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(all[0].manager.displayName): \(all[0].path.pathString)"
        } else {
            var lines: [String] = []
            for id in managers {
                lines.append("conflicts with \(id.displayName):")
                lines += byManager[id]!.paths.map { "- \($0.pathString)" }
            }
            message = "Apply failed with \(all.count) conflicts: " + lines.joined(separator: "\n")
        }
        let causes = all.map { APIError.Cause(reason: "FieldManagerConflict", message: "conflict with \($0.manager.displayName)", field: $0.path.pathString) }
        return APIError(code: 409, reason: "Conflict", message: message, details: .init(causes: causes))
    }
}
