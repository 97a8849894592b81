import TugAPI

/// Why a downward API value could not be produced (an unsupported field path, an unknown
/// container); the message is the kubelet's.
public struct DownwardAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Values of a pod's own fields for the downward API (`fieldpath.ExtractFieldPathAsString` and
/// `ConvertDownwardAPIFieldLabel`): metadata fields for volumes, plus spec and status fields
/// that the env builder answers itself.
public enum DownwardAPIFields {
    /// `metadata.labels['key']` -> (`metadata.labels`, `key`); nil when not subscripted.
    static func splitSubscript(_ fieldPath: String) -> (path: String, subscript: String)? {
        guard fieldPath.hasSuffix("']") else { return nil }
        let trimmed = fieldPath.dropLast(2)
        guard let r = trimmed.range(of: "['") else { return nil }
        let path = String(trimmed[..<r.lowerBound])
        guard !path.isEmpty else { return nil }
        return (path, String(trimmed[r.upperBound...]))
    }

    /// The field path as the kubelet understands it for env vars, or its error for an
    /// unsupported one (`spec.host` is the old name of `spec.nodeName`).
    static func convertFieldLabel(apiVersion: String, _ label: String) throws(DownwardAPIError) -> String {
        guard apiVersion == "v1" else { throw DownwardAPIError("unsupported pod version: \(apiVersion)") }
        if let (path, _) = splitSubscript(label) {
            guard path == "metadata.annotations" || path == "metadata.labels" else {
                throw DownwardAPIError("field label does not support subscript: \(label)")
            }
            return label
        }
        switch label {
        case "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
             "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName", "status.phase", "status.hostIP", "status.hostIPs",
             "status.podIP", "status.podIPs":
            return label
        case "spec.host":
            return "spec.nodeName"
        default:
            throw DownwardAPIError("field label not supported: \(label)")
        }
    }

    /// A metadata field of the pod as a string (`ExtractFieldPathAsString`); maps print as
    /// sorted `key="value"` lines.
    public static func metadataValue(_ pod: CoreV1.Pod, fieldPath: String) throws(DownwardAPIError) -> String {
        let meta = pod.metadata
        if let (path, key) = splitSubscript(fieldPath) {
            switch path {
            case "metadata.annotations":
                let errs = Validation.isQualifiedName(key.lowercased())
                guard errs.isEmpty else { throw DownwardAPIError("invalid key subscript in \(fieldPath): \(errs.joined(separator: ";"))") }
                return meta.annotations?[key] ?? ""
            case "metadata.labels":
                let errs = Validation.isQualifiedName(key)
                guard errs.isEmpty else { throw DownwardAPIError("invalid key subscript in \(fieldPath): \(errs.joined(separator: ";"))") }
                return meta.labels?[key] ?? ""
            default:
                throw DownwardAPIError("fieldPath \"\(fieldPath)\" does not support subscript")
            }
        }
        switch fieldPath {
        case "metadata.annotations": return formatMap(meta.annotations ?? [:])
        case "metadata.labels": return formatMap(meta.labels ?? [:])
        case "metadata.name": return meta.name ?? ""
        case "metadata.namespace": return meta.namespace ?? ""
        case "metadata.uid": return meta.uid ?? ""
        default: throw DownwardAPIError("unsupported fieldPath: \(fieldPath)")
        }
    }

    /// `key="value"` lines sorted by key, values quoted as Go does (`fieldpath.FormatMap`).
    public static func formatMap(_ map: [String: String]) -> String {
        map.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { "\($0)=\(GoQuoting.quote(map[$0]!))" }
            .joined(separator: "\n")
    }
}
