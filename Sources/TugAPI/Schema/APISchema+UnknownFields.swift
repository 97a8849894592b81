import Foundation

extension APISchema {
    /// Every property of `value` that `message` does not define, as Kubernetes' strict decoding
    /// reports them: `unknown field "spec.containers[0].imagePullPolicyy"`. `apiVersion` and
    /// `kind` are accepted at the top and in kinds; RawExtension, FieldsV1 and messages the
    /// table does not describe accept anything.
    public func unknownFields(in value: JSONValue, message: String) -> [String] {
        unknownFieldPaths(in: value, message: message).map { "unknown field \"\($0)\"" }
    }

    /// The bare paths behind `unknownFields(in:message:)` (`spec.containers[0].imagePullPolicyy`).
    public func unknownFieldPaths(in value: JSONValue, message: String) -> [String] {
        var out: [String] = []
        collectUnknown(value, type: .message(message), path: "", isTop: true, into: &out)
        return out
    }

    private func collectUnknown(_ value: JSONValue, type: SchemaType, path: String, isTop: Bool, into out: inout [String]) {
        switch type {
        case .message(let name):
            guard case .object(let object) = value, let message = messages[name] else { return }
            let typeMetaAllowed = isTop || hasTypeMeta(name)
            for key in object.keys.sorted() {
                if typeMetaAllowed && (key == "apiVersion" || key == "kind") { continue }
                let childPath = path.isEmpty ? key : path + "." + key
                guard let field = message.field(json: key) else {
                    out.append(childPath)
                    continue
                }
                collectUnknown(object[key]!, type: field.type, path: childPath, isTop: false, into: &out)
            }
        case .list(let element):
            guard case .array(let items) = value else { return }
            for (i, item) in items.enumerated() {
                collectUnknown(item, type: element, path: "\(path)[\(i)]", isTop: false, into: &out)
            }
        case .map(let element):
            guard case .object(let object) = value else { return }
            for key in object.keys.sorted() {
                collectUnknown(object[key]!, type: element, path: path.isEmpty ? key : path + "." + key, isTop: false, into: &out)
            }
        case .scalar, .special, .opaque:
            return
        }
    }
}
