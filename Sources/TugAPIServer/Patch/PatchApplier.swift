import TugAPI

/// Applies a PATCH body of any of the four types to an object's JSON. Server-side apply here
/// only merges (no ownership); use `FieldManager.apply` to track managers.
public enum PatchApplier {
    public static func apply(_ patch: PatchRequest, to current: JSONValue, message: String) throws -> JSONValue {
        switch patch.kind {
        case .json:
            return try JSONPatch.apply(patch.body, to: current)
        case .merge:
            return JSONMergePatch.apply(patch.body, to: current)
        case .strategic:
            return try StrategicMergePatch.apply(patch.body, to: current, meta: SchemaPatchMeta.forMessage(message))
        case .apply:
            guard case .object = patch.body else {
                throw APIError.badRequest("error decoding patch: the applied configuration must be an object, not \(patch.body.goJSONTypeName)")
            }
            return try StructuredMerge.merge(current, patch.body, SchemaPatchMeta.forMessage(message))
        }
    }
}
