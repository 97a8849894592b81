import Foundation

/// Why a string is not a quantity, with Kubernetes' exact messages (clients match on them).
public struct QuantityParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Error, Sendable, Hashable {
        /// Not `<sign><digits>.<digits><suffix>` at all (`abc`, `1 `, `1.5.5`).
        case formatWrong
        /// The number itself is unusable.
        case numeric
        /// The suffix is not one of `n u m k M G T P E Ki Mi Gi Ti Pi Ei e<n> E<n>`.
        case suffix

        public var message: String {
            switch self {
            case .formatWrong:
                return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            case .numeric: return "unable to parse numeric part of quantity"
            case .suffix: return "unable to parse quantity's suffix"
            }
        }
    }

    public var kind: Kind
    /// The text that failed to parse.
    public var input: String

    public var message: String { kind.message }
    public var description: String { message }
}

extension Quantity {
    /// Parses `string` exactly as Kubernetes' `ParseQuantity`: the same accepted forms (`1.`,
    /// `.5`, `+1Ki`, `1e3`, `1E`), the same rounding up to nano precision, the same cap of
    /// binary-SI values at 2^63-1, the same formats and the same errors.
    public init(parsing string: String) throws(QuantityParseError) {
        var copy = string
        let result = copy.withUTF8 { QuantityParser.parse($0) }
        switch result {
        case .success(let parsed):
            self.init(amount: parsed.amount, format: parsed.format, text: parsed.keepsText ? string : nil)
        case .failure(let kind):
            throw QuantityParseError(kind: kind, input: string)
        }
    }

    /// `try Quantity.parse("500m")`, for call sites that read better with a function.
    public static func parse(_ string: String) throws(QuantityParseError) -> Quantity {
        try Quantity(parsing: string)
    }
}

/// The scanner and value builder behind `Quantity(parsing:)`, on UTF-8 bytes.
enum QuantityParser {
    struct Parsed {
        var amount: Quantity.Amount
        var format: Quantity.Format
        /// Kubernetes keeps the input string as the printed form when it is already canonical.
        var keepsText: Bool
    }

    private static let zero = UInt8(ascii: "0")

    static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Result<Parsed, QuantityParseError.Kind> {
        let end = s.count
        if end == 0 { return .failure(.formatWrong) }
        if end == 1 && s[0] == zero { return .success(Parsed(amount: .zero, format: .decimalSI, keepsText: true)) }

        var pos = 0
        var positive = true
        if s[0] == UInt8(ascii: "-") { positive = false; pos = 1 } else if s[0] == UInt8(ascii: "+") { pos = 1 }
        while pos < end && s[pos] == zero { pos += 1 }
        // Only a sign and zeros ("-0", "000", even "+"): zero, as Kubernetes' scanner has it.
        if pos == end { return .success(Parsed(amount: .zero, format: .decimalSI, keepsText: false)) }

        let numStart = pos
        while pos < end && isDigit(s[pos]) { pos += 1 }
        let num = numStart..<pos
        var denom = pos..<pos
        if pos < end && s[pos] == UInt8(ascii: ".") {
            pos += 1
            let start = pos
            while pos < end && isDigit(s[pos]) { pos += 1 }
            denom = start..<pos
        }
        let suffixStart = pos
        while pos < end && isSuffixLetter(s[pos]) { pos += 1 }
        if pos < end && (s[pos] == UInt8(ascii: "+") || s[pos] == UInt8(ascii: "-")) { pos += 1 }
        while pos < end && isDigit(s[pos]) { pos += 1 }
        if pos != end { return .failure(.formatWrong) }

        guard let (base, exponent, format) = interpretSuffix(s, suffixStart..<end) else { return .failure(.suffix) }
        var parsed: Parsed
        if base == 10 {
            parsed = decimal(s, num: num, denom: denom, exponent: exponent, format: format)
        } else {
            parsed = binary(s, num: num, denom: denom, exponent: exponent)
        }
        if !positive { parsed.amount = parsed.amount.negated }
        return .success(parsed)
    }

    // MARK: suffixes

    private static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= UInt8(ascii: "9") }

    private static func isSuffixLetter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "u"),
            UInt8(ascii: "m"), UInt8(ascii: "k"), UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G"),
            UInt8(ascii: "T"), UInt8(ascii: "P"):
            return true
        default: return false
        }
    }

    /// (base, exponent, format) for a suffix, or nil when it is not one Kubernetes knows.
    private static func interpretSuffix(_ s: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> (Int, Int, Quantity.Format)? {
        switch r.count {
        case 0: return (10, 0, .decimalSI)
        case 1:
            switch s[r.lowerBound] {
            case UInt8(ascii: "n"): return (10, -9, .decimalSI)
            case UInt8(ascii: "u"): return (10, -6, .decimalSI)
            case UInt8(ascii: "m"): return (10, -3, .decimalSI)
            case UInt8(ascii: "k"): return (10, 3, .decimalSI)
            case UInt8(ascii: "M"): return (10, 6, .decimalSI)
            case UInt8(ascii: "G"): return (10, 9, .decimalSI)
            case UInt8(ascii: "T"): return (10, 12, .decimalSI)
            case UInt8(ascii: "P"): return (10, 15, .decimalSI)
            case UInt8(ascii: "E"): return (10, 18, .decimalSI)
            default: return nil
            }
        default:
            let first = s[r.lowerBound]
            if r.count == 2 && s[r.lowerBound + 1] == UInt8(ascii: "i") {
                switch first {
                case UInt8(ascii: "K"): return (2, 10, .binarySI)
                case UInt8(ascii: "M"): return (2, 20, .binarySI)
                case UInt8(ascii: "G"): return (2, 30, .binarySI)
                case UInt8(ascii: "T"): return (2, 40, .binarySI)
                case UInt8(ascii: "P"): return (2, 50, .binarySI)
                case UInt8(ascii: "E"): return (2, 60, .binarySI)
                default: break
                }
            }
            guard first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else { return nil }
            // The rest must be a signed decimal integer; exponents outside Int32 are refused
            // (Kubernetes would silently wrap them).
            let text = String(decoding: UnsafeBufferPointer(rebasing: s[(r.lowerBound + 1)..<r.upperBound]), as: UTF8.self)
            guard let e = Int32(text) else { return nil }
            return (10, Int(e), .decimalExponent)
        }
    }

    // MARK: values

    /// Decimal digits of `r`, as values 0…9.
    private static func digits(_ s: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> [UInt8] {
        r.map { s[$0] - zero }
    }

    private static func decimal(
        _ s: UnsafeBufferPointer<UInt8>, num: Range<Int>, denom: Range<Int>, exponent: Int, format: Quantity.Format
    ) -> Parsed {
        // Kubernetes counts an empty integer part as "0" when it decides whether to keep the text.
        let numDigits = num.isEmpty ? [0] : digits(s, num)
        let shifted = numDigits + digits(s, denom)
        let scale = exponent - denom.count
        let fastPath = 18 - shifted.count >= 0 && scale >= -9
        let keepsText = fastPath && scale % 3 == 0 && shifted.first != 0 && !shifted.suffix(3).elementsEqual([0, 0, 0])

        var value = Array(shifted.drop(while: { $0 == 0 }))
        var e = scale
        while value.last == 0 { value.removeLast(); e += 1 }
        if value.isEmpty { return Parsed(amount: .zero, format: format, keepsText: keepsText) }
        if e < -9 {
            // Round up to nano precision: the dropped digits end in a non-zero digit.
            let drop = -9 - e
            value = drop >= value.count ? [1] : increment(Array(value.dropLast(drop)))
            e = -9
        }
        return Parsed(amount: amount(ofDigits: value, exponent: e), format: format, keepsText: keepsText)
    }

    private static func binary(_ s: UnsafeBufferPointer<UInt8>, num: Range<Int>, denom: Range<Int>, exponent: Int) -> Parsed {
        let numDigits = num.isEmpty ? [0] : digits(s, num)
        let keepsText: Bool
        if denom.isEmpty && 15 - numDigits.count - exponent * 3 / 10 - 1 >= 0 {
            let value = numDigits.reduce(0) { $0 * 10 + Int($1) }
            keepsText = value & 7 != 0
        } else {
            keepsText = false
        }

        let nanosCap = Int128(Int64.max) * 1_000_000_000
        let capped = Parsed(amount: Quantity.Amount(Int64.max), format: .binarySI, keepsText: false)
        if numDigits.count > 19 { return capped }
        let integer = numDigits.reduce(Int128(0)) { $0 * 10 + Int128($1) } << exponent
        if integer > Int128(Int64.max) { return capped }
        var nanos = integer * 1_000_000_000
        if !denom.isEmpty {
            // nanos += ceil(0.d1d2…dn × 2^exponent × 10^9), by long division from the last digit.
            let m = (Int128(1) << exponent) * 1_000_000_000
            var carry: Int128 = 0
            var inexact = false
            for i in denom.reversed() {
                let t = Int128(s[i] - zero) * m + carry
                carry = t / 10
                if t % 10 != 0 { inexact = true }
            }
            nanos += carry + (inexact ? 1 : 0)
        }
        if nanos > nanosCap { return capped }
        let amount = Quantity.Amount(nanos, exponent: -9)
        // Between 0 and 1 a binary suffix cannot print, so Kubernetes switches to DecimalSI.
        let format: Quantity.Format = !amount.isZero && nanos < 1_000_000_000 ? .decimalSI : .binarySI
        return Parsed(amount: amount, format: format, keepsText: keepsText)
    }

    /// Adds one to a digit string (most significant first).
    private static func increment(_ d: [UInt8]) -> [UInt8] {
        var d = d
        var i = d.count - 1
        while i >= 0 {
            if d[i] < 9 { d[i] += 1; return d }
            d[i] = 0
            i -= 1
        }
        return [1] + d
    }

    /// Digits × 10^exponent, rounded to 37 significant digits when longer.
    private static func amount(ofDigits d: [UInt8], exponent: Int) -> Quantity.Amount {
        var d = d
        var e = exponent
        let maxDigits = Quantity.Amount.maxDigits
        if d.count > maxDigits {
            let roundUp = d[maxDigits] >= 5
            e += d.count - maxDigits
            d = Array(d.prefix(maxDigits))
            if roundUp { d = increment(d) }
        }
        let significand = d.reduce(Int128(0)) { $0 * 10 + Int128($1) }
        return Quantity.Amount(significand, exponent: e)
    }
}
