import TugAPI

/// The files of configMap, secret, downwardAPI and projected volumes (the kubelet plugins'
/// `MakePayload`/`CollectData`), ready for the AtomicWriter. Default mode is 0644 for all four.
enum VolumePayloads {
    static let defaultMode: UInt32 = 0o644

    static func mode(_ m: Int?, _ fallback: UInt32) -> UInt32 { m.map { UInt32(truncatingIfNeeded: $0) & 0o7777 } ?? fallback }

    /// ConfigMap keys (data and binaryData) as files, or only `items` mapped to their paths.
    static func configMap(_ cm: CoreV1.ConfigMap, items: [CoreV1.KeyToPath]?, defaultMode: UInt32,
                          optional: Bool) throws(VolumePathError) -> [String: FileProjection] {
        var payload: [String: FileProjection] = [:]
        guard let items, !items.isEmpty else {
            for (k, v) in cm.data ?? [:] { payload[k] = FileProjection(data: Array(v.utf8), mode: defaultMode) }
            for (k, v) in cm.binaryData ?? [:] { payload[k] = FileProjection(data: [UInt8](v), mode: defaultMode) }
            return payload
        }
        for item in items {
            let key = item.key ?? ""
            let data: [UInt8]
            if let s = cm.data?[key] {
                data = Array(s.utf8)
            } else if let b = cm.binaryData?[key] {
                data = [UInt8](b)
            } else {
                if optional { continue }
                throw VolumePathError("configmap references non-existent config key: \(key)")
            }
            payload[item.path ?? key] = FileProjection(data: data, mode: mode(item.mode, defaultMode))
        }
        return payload
    }

    /// Secret keys as files, or only `items` mapped to their paths.
    static func secret(_ secret: CoreV1.Secret, items: [CoreV1.KeyToPath]?, defaultMode: UInt32,
                       optional: Bool) throws(VolumePathError) -> [String: FileProjection] {
        var payload: [String: FileProjection] = [:]
        guard let items, !items.isEmpty else {
            for (k, v) in secret.data ?? [:] { payload[k] = FileProjection(data: [UInt8](v), mode: defaultMode) }
            return payload
        }
        for item in items {
            let key = item.key ?? ""
            guard let v = secret.data?[key] else {
                if optional { continue }
                throw VolumePathError("references non-existent secret key: \(key)")
            }
            payload[item.path ?? key] = FileProjection(data: [UInt8](v), mode: mode(item.mode, defaultMode))
        }
        return payload
    }

    /// Downward API files: pod metadata fields and container resources. Every failing item is
    /// reported, as an aggregate error.
    static func downwardAPI(_ items: [CoreV1.DownwardAPIVolumeFile], pod: CoreV1.Pod, defaultMode: UInt32,
                            nodeAllocatable: [String: Quantity]) throws(AggregateError) -> [String: FileProjection] {
        var payload: [String: FileProjection] = [:]
        var errors: [String] = []
        for item in items {
            var file = FileProjection(data: [], mode: mode(item.mode, defaultMode))
            do {
                if let fieldRef = item.fieldRef {
                    file.data = Array(try DownwardAPIFields.metadataValue(pod, fieldPath: fieldRef.fieldPath ?? "").utf8)
                } else if let ref = item.resourceFieldRef {
                    let value = try ResourceFieldValues.value(ref, pod: pod, containerName: ref.containerName ?? "",
                                                              nodeAllocatable: nodeAllocatable)
                    file.data = Array(value.utf8)
                }
            } catch {
                errors.append(error.message)
            }
            payload[AtomicWriter.cleanPath(item.path ?? "")] = file
        }
        if !errors.isEmpty { throw AggregateError(errors) }
        return payload
    }
}

/// Several errors reported as one, printed as Go's `utilerrors.NewAggregate` does: one message
/// alone, or `[first, second]`; repeated messages appear once.
public struct AggregateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var messages: [String]

    public init(_ messages: [String]) {
        var seen: Set<String> = []
        self.messages = messages.filter { seen.insert($0).inserted }
    }

    public var description: String {
        messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
    }
}
