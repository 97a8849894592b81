import Foundation

/// `resource.Quantity` (`500m`, `1Gi`, `2`): an exact fixed-point number plus the suffix style
/// it is printed in. Equality, hashing and ordering are by value (`1000m == 1`, `1Gi > 1G`), as
/// Kubernetes' semantic equality; `string` is the canonical form Kubernetes prints (`0.5` →
/// `500m`, `1024Mi` → `1Gi`). Parsing lives in `Quantity+Parsing.swift`, printing in
/// `Quantity+Formatting.swift`, arithmetic in `Quantity+Arithmetic.swift`.
///
/// `Quantity("…")` never fails, so literals stay convenient; a string that does not parse gives
/// an invalid quantity (`isValid == false`) that keeps its text, equals only the same text and
/// counts as zero in arithmetic. Decoding from JSON is strict, as in Kubernetes.
public struct Quantity: Codable, Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral
{
    /// How the value is printed: `DecimalSI` (`1500m`, `2k`), `BinarySI` (`1Gi`),
    /// `DecimalExponent` (`12e6`). Kept from the parsed string, as in Kubernetes.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case decimalSI = "DecimalSI"
        case binarySI = "BinarySI"
        case decimalExponent = "DecimalExponent"
    }

    var amount: Amount
    /// Changing the format drops any text kept from parsing, so the new format shows.
    public var format: Format { didSet { text = nil } }
    /// For a valid quantity: the original text when Kubernetes would print it unchanged (it
    /// keeps canonical input, down to `+1` or `1E3`); for an invalid one, what was given.
    var text: String?
    /// Set only for a quantity whose text did not parse (kept small: the text is in `text`).
    var invalidKind: QuantityParseError.Kind?

    /// Why the text did not parse; nil for every valid quantity.
    public var parseError: QuantityParseError? {
        invalidKind.map { QuantityParseError(kind: $0, input: text ?? "") }
    }

    init(amount: Amount, format: Format, text: String? = nil) {
        self.amount = amount
        self.format = format
        self.text = text
        self.invalidKind = nil
    }

    /// Parses `string` leniently: an unparsable string gives an invalid quantity rather than
    /// an error (use `init(parsing:)` to get the error).
    public init(_ string: String) {
        do {
            self = try Quantity(parsing: string)
        } catch {
            self.init(amount: .zero, format: .decimalSI, text: string)
            self.invalidKind = error.kind
        }
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int64) { self.init(value: value) }

    /// `value` in `format` (Kubernetes' `NewQuantity`).
    public init(value: Int64, format: Format = .decimalSI) {
        self.init(amount: Amount(value), format: format)
    }

    /// `milli / 1000` in `format` (Kubernetes' `NewMilliQuantity`).
    public init(milli: Int64, format: Format = .decimalSI) {
        self.init(amount: Amount(milli, exponent: -3), format: format)
    }

    /// `value × 10^scale` (Kubernetes' `NewScaledQuantity`: scale -3 is milli, 3 is kilo).
    public init(scaled value: Int64, scale: Int32, format: Format = .decimalSI) {
        self.init(amount: Amount(value, exponent: Int(scale)), format: format)
    }

    public static let zero = Quantity(value: 0)

    public var isValid: Bool { invalidKind == nil }
    public var isZero: Bool { amount.isZero }
    /// -1, 0 or 1.
    public var sign: Int { amount.signum }

    /// The canonical string, as Kubernetes prints it (the text given, for an invalid quantity).
    /// Setting it parses the new text leniently.
    public var string: String {
        get { text ?? canonicalString }
        set { self = Quantity(newValue) }
    }

    public var description: String { string }

    // MARK: Equatable, Hashable, Comparable (by value; the format does not count)

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        if lhs.isValid != rhs.isValid { return false }
        if !lhs.isValid { return lhs.text == rhs.text }
        return lhs.amount == rhs.amount
    }

    public func hash(into hasher: inout Hasher) {
        if isValid { hasher.combine(amount) } else { hasher.combine(text) }
    }

    /// Invalid quantities sort before every valid one, by text among themselves.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        switch (lhs.isValid, rhs.isValid) {
        case (true, true): return Amount.compare(lhs.amount, rhs.amount) < 0
        case (false, true): return true
        case (true, false): return false
        case (false, false): return (lhs.text ?? "") < (rhs.text ?? "")
        }
    }

    /// -1, 0 or 1 as `self` is less than, equal to or greater than `other` (Kubernetes' `Cmp`).
    public func compare(_ other: Quantity) -> Int {
        self == other ? 0 : (self < other ? -1 : 1)
    }

    // MARK: Codable (Kubernetes' UnmarshalJSON / MarshalJSON)

    /// A string or a JSON number, as `init(jsonTree:)` reads it (for decoders other than the tree's).
    public init(from decoder: any Decoder) throws { self = try JSONTreeCoding.decode(Self.self, from: decoder) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }
}
