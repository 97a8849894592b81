import Foundation

/// The protobuf/JSON schema of every message Tugboat serves, parsed once from the embedded field
/// table (`SchemaTable`). Protobuf decoding, unknown-field detection, the patch engines and the
/// OpenAPI documents all read this one description.
public struct APISchema: Sendable {
    public static let metaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1"
    public static let objectMeta = metaPackage + ".ObjectMeta"
    public static let listMeta = metaPackage + ".ListMeta"

    /// The schema of the embedded table. The table is generated with the code, so a parse failure
    /// is a build defect, not a run-time condition.
    public static let shared: APISchema = {
        do { return try APISchema(tsv: SchemaTable.tsv) } catch { fatalError("embedded field table: \(error)") }
    }()

    public enum ParseError: Error, CustomStringConvertible {
        case badHeader(String)
        case badLine(Int, String)
        case inlineCycle(String)
        case badMapType(String, String)

        public var description: String {
            switch self {
            case .badHeader(let h): return "unexpected header \"\(h)\""
            case .badLine(let n, let why): return "line \(n): \(why)"
            case .inlineCycle(let m): return "inline fields of \(m) include themselves"
            case .badMapType(let f, let t): return "\(f): bad map type \"\(t)\" (want key->value)"
            }
        }
    }

    /// Every message by fully qualified name.
    public let messages: [String: SchemaMessage]

    /// Parses a field table (tab separated: package, message, field, number, label, type, json).
    public init(tsv: String) throws {
        var lines = tsv.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let header = lines.first,
              header == "package\tmessage\tfield\tnumber\tlabel\ttype\tjson" else {
            throw ParseError.badHeader(String(lines.first ?? ""))
        }
        lines.removeFirst()
        var order: [String] = []
        var rows: [String: [(name: String, number: Int, label: SchemaField.Label, type: String, json: String, package: String)]] = [:]
        for (i, line) in lines.enumerated() where !line.isEmpty {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count == 7 else { throw ParseError.badLine(i + 2, "expected 7 columns, got \(cols.count)") }
            guard let number = Int(cols[3]), number > 0 else { throw ParseError.badLine(i + 2, "bad field number \"\(cols[3])\"") }
            guard let label = SchemaField.Label(rawValue: cols[4]) else { throw ParseError.badLine(i + 2, "bad label \"\(cols[4])\"") }
            let full = cols[0] + "." + cols[1]
            if rows[full] == nil { order.append(full) }
            rows[full, default: []].append((cols[2], number, label, cols[5], cols[6], cols[0]))
        }
        let known = Set(order)

        func resolve(_ name: String, package: String) -> SchemaType {
            if let s = ScalarType(rawValue: name) { return .scalar(s) }
            let full = name.contains(".") ? name : package + "." + name
            if let special = SpecialType(messageName: full) { return .special(special) }
            return known.contains(full) ? .message(full) : .opaque(full)
        }

        var raw: [String: [SchemaField]] = [:]
        for full in order {
            raw[full] = try rows[full]!.map { r in
                let type: SchemaType
                switch r.label {
                case .optional: type = resolve(r.type, package: r.package)
                case .repeated: type = .list(resolve(r.type, package: r.package))
                case .map:
                    let parts = r.type.components(separatedBy: "->")
                    guard parts.count == 2 else { throw ParseError.badMapType("\(full).\(r.name)", r.type) }
                    type = .map(resolve(parts[1], package: r.package))
                }
                let json: SchemaField.JSONForm = r.json == "(inline)" ? .inline : (r.json == "-" ? .special : .name(r.json))
                return SchemaField(message: full, name: r.name, number: r.number, label: r.label, json: json, type: type)
            }
        }

        func flatten(_ full: String, _ seen: Set<String>) throws -> [SchemaField] {
            if seen.contains(full) { throw ParseError.inlineCycle(full) }
            var out: [SchemaField] = []
            for f in raw[full] ?? [] {
                if f.isInline, let sub = f.type.messageName {
                    out += try flatten(sub, seen.union([full]))
                } else if f.jsonName != nil {
                    out.append(f)
                }
            }
            return out
        }

        var messages: [String: SchemaMessage] = [:]
        for full in order {
            messages[full] = SchemaMessage(name: full, fields: raw[full]!, jsonFields: try flatten(full, []))
        }
        self.messages = messages
    }

    /// A message by fully qualified name (`k8s.io.api.apps.v1.Deployment`).
    public func message(_ name: String) -> SchemaMessage? { messages[name] }

    /// The message of a served resource's kind.
    public func message(for info: ResourceInfo) -> SchemaMessage? { messages[info.protobufMessage] }

    /// A JSON property of a message (inline fields looked through).
    public func field(_ jsonName: String, in message: String) -> SchemaField? {
        messages[message]?.field(json: jsonName)
    }

    /// Every message name, sorted.
    public var messageNames: [String] { messages.keys.sorted() }
}
