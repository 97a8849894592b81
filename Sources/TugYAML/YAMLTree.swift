import TugAPI
import Yams

/// YAML into the JSON tree the API works on, with YAML 1.1 scalars read as Kubernetes' YAML
/// reader does (quoted scalars stay strings; unquoted `true`, `12`, `null` become JSON
/// values). Shared by the API server's request bodies, kubeconfig-free clients and the agent's
/// static pod manifests.
public enum YAMLTree {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// The one document in `text`; nil when it is empty.
    public static func parse(_ text: String) throws(ParseError) -> JSONValue? {
        let node: Yams.Node?
        do { node = try Yams.compose(yaml: text) } catch { throw ParseError(message: "error converting YAML to JSON: \(error)") }
        guard let node else { return nil }
        return try convert(node)
    }

    /// Every non-empty document of a `---`-separated stream.
    public static func parseAll(_ text: String) throws(ParseError) -> [JSONValue] {
        do {
            var out: [JSONValue] = []
            for node in try Yams.compose_all(yaml: text) { out.append(try convert(node)) }
            return out
        } catch let e as ParseError {
            throw e
        } catch {
            throw ParseError(message: "error converting YAML to JSON: \(error)")
        }
    }

    public static func convert(_ node: Yams.Node) throws(ParseError) -> JSONValue {
        switch node {
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m {
                guard let key = k.scalar?.string else { throw ParseError(message: "error converting YAML to JSON: map keys must be strings") }
                o[key] = try convert(v)
            }
            return .object(o)
        case .sequence(let s):
            var a: [JSONValue] = []
            for v in s { a.append(try convert(v)) }
            return .array(a)
        case .scalar(let s):
            if s.style == .doubleQuoted || s.style == .singleQuoted || s.style == .literal || s.style == .folded {
                return .string(s.string)
            }
            let t = s.string
            switch t {
            case "null", "Null", "NULL", "~", "": return s.tag.description.hasSuffix(":str") ? .string(t) : .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let i = Int64(t) { return .int(i) }
            if t.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let d = Double(t), !t.contains("_") {
                return .double(d)
            }
            return .string(t)
        case .alias:
            throw ParseError(message: "error converting YAML to JSON: aliases are not supported")
        }
    }
}
