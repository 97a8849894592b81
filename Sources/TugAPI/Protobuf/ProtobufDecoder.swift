import Foundation

/// Decodes a protobuf message into the JSON tree Kubernetes would produce for it, driven by
/// `APISchema`. Unknown field numbers are skipped and collected in `unknownFields`.
public struct ProtobufDecoder {
    public let schema: APISchema
    public internal(set) var unknownFields: [ProtobufUnknownField] = []
    /// Deeper nesting than any Kubernetes object needs: refuses stack-exhausting bodies.
    static let maxDepth = 100

    /// Go writes every non-pointer field to protobuf even when empty, and its JSON omits such
    /// empty values (`omitempty`), so zero scalars are dropped, except for fields that are
    /// pointers in Go (an explicit `replicas: 0`, `automountServiceAccountToken: false`,
    /// `storageClassName: ""` means something; not in `...Status` messages, where they are not
    /// pointers) and the few that Go's JSON always writes.
    static let pointerZeros: Set<String> = [
        "replicas", "minReplicas", "revisionHistoryLimit", "progressDeadlineSeconds",
        "parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex",
        "maxFailedIndexes", "ttlSecondsAfterFinished", "suspend", "manualSelector",
        "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
        "terminationGracePeriodSeconds", "automountServiceAccountToken", "shareProcessNamespace",
        "enableServiceLinks", "hostUsers", "setHostnameAsFQDN", "priority", "deletionGracePeriodSeconds",
        "gracePeriodSeconds", "orphanDependents", "privileged", "runAsUser", "runAsGroup", "runAsNonRoot",
        "readOnlyRootFilesystem", "allowPrivilegeEscalation", "fsGroup", "immutable", "defaultMode", "mode",
        "optional", "ready", "serving", "terminating", "storageClassName", "holderIdentity",
        "leaseDurationSeconds", "leaseTransitions", "maxUnavailable", "maxSurge", "minAvailable",
        "partition", "allocateLoadBalancerNodePorts", "controller", "blockOwnerDeletion", "force",
        "timeoutSeconds", "sendInitialEvents",
    ]
    static let alwaysWritten: Set<String> = [
        "value", "restartCount", "exitCode", "numberReady", "desiredNumberScheduled", "currentNumberScheduled",
        "numberMisscheduled", "disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods",
    ]

    public init(schema: APISchema = .shared) {
        self.schema = schema
    }

    /// Decodes `bytes` as `message` (fully qualified) into a JSON object.
    public mutating func decode(_ bytes: [UInt8], message: String) throws -> JSONValue {
        try decode(bytes, message: message, depth: 0)
    }

    /// `depth` counts the nesting of enclosing envelopes, so nested RawExtensions stay bounded too.
    mutating func decode(_ bytes: [UInt8], message: String, depth: Int) throws -> JSONValue {
        guard schema.message(message) != nil else {
            throw APIError.badRequest("invalid protobuf body: no schema for message \(message)")
        }
        var reader = ProtobufReader(bytes)
        return .object(try decodeMessage(&reader, message: message, path: "", depth: depth))
    }

    private mutating func decodeMessage(_ reader: inout ProtobufReader, message name: String, path: String,
                                        depth: Int) throws -> [String: JSONValue] {
        guard depth < Self.maxDepth else { throw ProtobufReader.malformed("messages nested deeper than \(Self.maxDepth)") }
        guard let message = schema.message(name) else { return [:] }
        var object: [String: JSONValue] = [:]
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            guard let field = message.field(number: number) else {
                unknownFields.append(ProtobufUnknownField(path: path, message: name, number: number))
                try reader.skip(wire)
                continue
            }
            switch field.json {
            case .special:
                try reader.skip(wire)  // only meaningful inside special types, decoded elsewhere
            case .inline:
                guard case .message(let sub) = field.type else { try reader.skip(wire); continue }
                try expect(wire, .lengthDelimited, field)
                var inner = ProtobufReader(reader.bytes, range: try reader.readLengthDelimited())
                let values = try decodeMessage(&inner, message: sub, path: path, depth: depth + 1)
                object.merge(values) { _, new in new }
            case .name(let key):
                let childPath = path.isEmpty ? key : path + "." + key
                try decodeProperty(&reader, field: field, wire: wire, key: key, path: childPath, into: &object, depth: depth)
            }
        }
        return object
    }

    private mutating func decodeProperty(_ reader: inout ProtobufReader, field: SchemaField, wire: ProtobufWireType,
                                         key: String, path: String, into object: inout [String: JSONValue],
                                         depth: Int) throws {
        switch field.type {
        case .list(let element):
            var items = object[key]?.arrayValue ?? []
            if wire == .lengthDelimited, case .scalar(let s) = element, s.wireType != .lengthDelimited {
                // Packed repeated scalars.
                var packed = ProtobufReader(reader.bytes, range: try reader.readLengthDelimited())
                while !packed.isAtEnd {
                    items.append(try scalar(&packed, s, wire: s.wireType, field: field))
                }
            } else if let value = try single(&reader, element, wire: wire, field: field, path: "\(path)[\(items.count)]", depth: depth) {
                items.append(value)
            } else if case .special = element {
                items.append(.null)  // keep positions: an empty Time inside a list is still an element
            }
            object[key] = .array(items)
        case .map(let valueType):
            try expect(wire, .lengthDelimited, field)
            var entry = ProtobufReader(reader.bytes, range: try reader.readLengthDelimited())
            var mapKey = ""
            var mapValue: JSONValue?
            while !entry.isAtEnd {
                let (n, w) = try entry.readTag()
                if n == 1, w == .lengthDelimited {
                    mapKey = entry.string(try entry.readLengthDelimited())
                } else if n == 2 {
                    mapValue = try single(&entry, valueType, wire: w, field: field, path: path + "." + mapKey, depth: depth)
                } else {
                    try entry.skip(w)
                }
            }
            var map = object[key]?.objectValue ?? [:]
            map[mapKey] = mapValue ?? Self.emptyValue(of: valueType)
            object[key] = .object(map)
        default:
            guard let value = try single(&reader, field.type, wire: wire, field: field, path: path, depth: depth) else { return }
            if case .object(let new) = value, case .object(let old)? = object[key] {
                object[key] = .object(old.merging(new) { _, n in n })  // a repeated occurrence merges
            } else if Self.isEmptyScalar(value, field.type) && !Self.keepsZero(key, in: field.message) {
                object[key] = nil
            } else {
                object[key] = value
            }
        }
    }

    /// One value of a non-repeated type; nil when it has no JSON form (zero Time, opaque message).
    private mutating func single(_ reader: inout ProtobufReader, _ type: SchemaType, wire: ProtobufWireType,
                                 field: SchemaField, path: String, depth: Int) throws -> JSONValue? {
        switch type {
        case .scalar(let s):
            return try scalar(&reader, s, wire: wire, field: field)
        case .message(let name):
            try expect(wire, .lengthDelimited, field)
            var inner = ProtobufReader(reader.bytes, range: try reader.readLengthDelimited())
            return .object(try decodeMessage(&inner, message: name, path: path, depth: depth + 1))
        case .special(let special):
            try expect(wire, .lengthDelimited, field)
            var inner = ProtobufReader(reader.bytes, range: try reader.readLengthDelimited())
            return try decodeSpecial(&inner, special, depth: depth + 1)
        case .opaque(let name):
            // The table does not describe this message: its content cannot be named, so it is dropped.
            unknownFields.append(ProtobufUnknownField(path: path, message: name, number: field.number))
            try reader.skip(wire)
            return nil
        case .list, .map:
            throw ProtobufReader.malformed("nested collections in \(field.message).\(field.name)")
        }
    }

    private func scalar(_ reader: inout ProtobufReader, _ s: ScalarType, wire: ProtobufWireType,
                        field: SchemaField) throws -> JSONValue {
        try expect(wire, s.wireType, field)
        switch s {
        case .string: return .string(reader.string(try reader.readLengthDelimited()))
        case .bytes: return .string(Data(reader.slice(try reader.readLengthDelimited())).base64EncodedString())
        case .bool: return .bool(try reader.readVarint() != 0)
        case .int32: return .int(Int64(Int32(truncatingIfNeeded: try reader.readVarint())))
        case .int64: return .int(Int64(bitPattern: try reader.readVarint()))
        case .uint32: return .int(Int64(UInt32(truncatingIfNeeded: try reader.readVarint())))
        case .uint64: return .int(Int64(bitPattern: try reader.readVarint()))
        case .sint32, .sint64:
            let v = try reader.readVarint()
            let decoded = Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
            return .int(s == .sint32 ? Int64(Int32(truncatingIfNeeded: decoded)) : decoded)
        case .fixed32: return .int(Int64(try reader.readFixed32()))
        case .sfixed32: return .int(Int64(Int32(bitPattern: try reader.readFixed32())))
        case .fixed64, .sfixed64: return .int(Int64(bitPattern: try reader.readFixed64()))
        case .float: return .double(Double(Float(bitPattern: try reader.readFixed32())))
        case .double: return .double(Double(bitPattern: try reader.readFixed64()))
        }
    }

    private func expect(_ wire: ProtobufWireType, _ wanted: ProtobufWireType, _ field: SchemaField) throws {
        guard wire == wanted else {
            throw ProtobufReader.malformed("field \(field.number) (\(field.name)) of \(field.message) has wire type \(wire.name), expected \(wanted.name)")
        }
    }

    static func keepsZero(_ key: String, in message: String) -> Bool {
        alwaysWritten.contains(key) || (pointerZeros.contains(key) && !message.hasSuffix("Status"))
    }

    static func isEmptyScalar(_ value: JSONValue, _ type: SchemaType) -> Bool {
        switch (value, type) {
        case (.string(let s), .scalar): return s.isEmpty
        case (.int(let i), .scalar), (.int(let i), .special(.intOrString)): return i == 0
        case (.double(let d), .scalar): return d == 0
        case (.bool(let b), .scalar): return !b
        default: return false
        }
    }

    static func emptyValue(of type: SchemaType) -> JSONValue {
        switch type {
        case .scalar(let s):
            switch s {
            case .string, .bytes: return .string("")
            case .bool: return .bool(false)
            case .float, .double: return .double(0)
            default: return .int(0)
            }
        case .special(.quantity): return .string("0")
        case .special(.intOrString): return .int(0)
        case .special(.time), .special(.microTime), .special(.rawExtension), .special(.fieldsV1): return .null
        case .list, .special(.verbs): return .array([])
        case .message, .map, .special, .opaque: return .object([:])
        }
    }
}

extension ScalarType {
    /// The wire type a non-packed value of this scalar uses.
    var wireType: ProtobufWireType {
        switch self {
        case .string, .bytes: return .lengthDelimited
        case .fixed32, .sfixed32, .float: return .fixed32
        case .fixed64, .sfixed64, .double: return .fixed64
        default: return .varint
        }
    }
}
