import Foundation

/// `intstr.IntOrString`: a JSON number or a string (`8080` or `"http"`, `"25%"`).
public enum IntOrString: Codable, Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case string(String)

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    /// The rules live in `init(jsonTree:)`; this is for decoders other than the tree's.
    public init(from decoder: any Decoder) throws { self = try JSONTreeCoding.decode(Self.self, from: decoder) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    /// Resolves a value such as `25%` against a total, rounding up or down as Kubernetes'
    /// `GetScaledValueFromIntOrPercent` does. Nil when the string is neither a percentage nor a number.
    public func scaledValue(total: Int, roundUp: Bool) -> Int? {
        switch self {
        case .int(let i): return i
        case .string(let s):
            guard s.hasSuffix("%"), let p = Int(s.dropLast()) else { return nil }
            let v = Double(p) * Double(total) / 100
            return Int(roundUp ? v.rounded(.up) : v.rounded(.down))
        }
    }
}
