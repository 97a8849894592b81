/// A domain name in its uncompressed wire form (length-prefixed labels ending with the zero
/// byte): the form lookups hash and the encoder writes, so no conversion runs per query.
/// Equality is byte-wise (case-sensitive); zone keys are `lowercased()` names.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// Length-prefixed labels, ending with the root's zero byte; at most 255 bytes.
    public let wire: [UInt8]

    public static let root = DNSName(validatedWire: [0])
    public static let maxLength = 255
    public static let maxLabelLength = 63

    /// Wraps bytes already checked by the parser or built from checked labels.
    init(validatedWire: [UInt8]) { wire = validatedWire }

    /// Parses presentation form (`web.default.svc.cluster.local`, trailing dot optional, `.` is
    /// the root). Throws for empty labels, labels over 63 bytes and names over 255 bytes.
    public init(_ text: String) throws {
        if text == "." || text.isEmpty { self = .root; return }
        var body = Substring(text)
        if body.hasSuffix(".") { body = body.dropLast() }
        var wire: [UInt8] = []
        wire.reserveCapacity(body.utf8.count + 2)
        for label in body.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty else { throw DNSNameError("'\(text)' has an empty label") }
            guard bytes.count <= Self.maxLabelLength else {
                throw DNSNameError("'\(text)': label '\(label)' is longer than \(Self.maxLabelLength) bytes")
            }
            wire.append(UInt8(bytes.count))
            wire += bytes
        }
        wire.append(0)
        guard wire.count <= Self.maxLength else { throw DNSNameError("'\(text)' is longer than \(Self.maxLength) bytes") }
        self.wire = wire
    }

    /// Builds a name from labels (leftmost first).
    public init(labels: [String]) throws {
        try self.init(labels.isEmpty ? "." : labels.joined(separator: "."))
    }

    public var isRoot: Bool { wire.count == 1 }

    /// Labels, leftmost first, as raw bytes.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var i = 0
        while i < wire.count, wire[i] != 0 {
            let length = Int(wire[i])
            result.append(wire[(i + 1)..<(i + 1 + length)])
            i += 1 + length
        }
        return result
    }

    public var labelCount: Int {
        var count = 0
        var i = 0
        while i < wire.count, wire[i] != 0 { count += 1; i += 1 + Int(wire[i]) }
        return count
    }

    /// The name with ASCII letters folded to lower case (DNS names compare case-insensitively).
    public func lowercased() -> DNSName {
        var copy = wire
        var i = 0
        while i < copy.count, copy[i] != 0 {
            let end = i + 1 + Int(copy[i])
            var j = i + 1
            while j < end {
                if copy[j] >= 0x41 && copy[j] <= 0x5A { copy[j] |= 0x20 }
                j += 1
            }
            i = end
        }
        return DNSName(validatedWire: copy)
    }

    /// Whether this name equals `zone` or lies below it (byte-wise: lower-case both first).
    public func isSubdomain(of zone: DNSName) -> Bool {
        guard wire.count >= zone.wire.count else { return false }
        let offset = wire.count - zone.wire.count
        guard wire[offset...].elementsEqual(zone.wire) else { return false }
        // The suffix must start on a label boundary.
        var i = 0
        while i < offset { i += 1 + Int(wire[i]) }
        return i == offset
    }

    /// The labels in front of `zone` (leftmost first), or nil when this name is not below it.
    public func labels(relativeTo zone: DNSName) -> [ArraySlice<UInt8>]? {
        guard isSubdomain(of: zone) else { return nil }
        let all = labels
        return Array(all.prefix(all.count - zone.labelCount))
    }

    /// This name with one label in front (`web` + `default.svc.cluster.local`).
    public func prepending(_ label: String) throws -> DNSName {
        let bytes = Array(label.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maxLabelLength else {
            throw DNSNameError("label '\(label)' must be 1 to \(Self.maxLabelLength) bytes")
        }
        guard wire.count + bytes.count + 1 <= Self.maxLength else {
            throw DNSNameError("'\(label).\(self)' is longer than \(Self.maxLength) bytes")
        }
        return DNSName(validatedWire: [UInt8(bytes.count)] + bytes + wire)
    }

    /// The name without its leftmost label; the root's parent is the root.
    public var parent: DNSName {
        guard !isRoot else { return self }
        return DNSName(validatedWire: Array(wire[(1 + Int(wire[0]))...]))
    }

    /// Presentation form with a trailing dot; dots and odd bytes inside labels are escaped.
    public var description: String {
        if isRoot { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                switch byte {
                case 0x2E, 0x5C: text += "\\" + String(UnicodeScalar(byte))
                case 0x21...0x7E: text.unicodeScalars.append(UnicodeScalar(byte))
                default:
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            text += "."
        }
        return text
    }
}

/// A name that is not a valid domain name, with what was wrong.
public struct DNSNameError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
