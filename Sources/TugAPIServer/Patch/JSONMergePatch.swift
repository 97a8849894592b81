import TugAPI

/// RFC 7386 JSON merge patch (`application/merge-patch+json`): an object merges into the target
/// key by key, `null` deletes a key, and anything else (arrays included) replaces the target.
public enum JSONMergePatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var out = target.objectValue ?? [:]
        for (k, v) in p {
            if v.isNull {
                out.removeValue(forKey: k)
            } else {
                out[k] = apply(v, to: out[k] ?? .null)
            }
        }
        return .object(out)
    }
}
