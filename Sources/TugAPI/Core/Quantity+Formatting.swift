import Foundation

extension Quantity {
    /// The canonical form Kubernetes prints (its `CanonicalizeBytes`): no fractional digits, the
    /// largest suffix that loses nothing, the parsed suffix style kept (`1.5` → `1500m`,
    /// `1024Mi` → `1Gi`, `1.5Gi` → `1536Mi`, `2e3` → `2e3`, `0.5Ki` → `512`).
    ///
    /// Two deliberate differences, both for values Kubernetes itself prints wrongly (it drops
    /// the suffix): a DecimalSI exponent beyond `E`/below `n` prints in exponent form (`1000E` →
    /// `1e21`), and binary values are never scaled past `Ei` (`1024Ei` stays `1024Ei`).
    public var canonicalString: String {
        guard isValid else { return text ?? "" }
        if amount.isZero { return "0" }
        var style = format
        var binaryValue: Int128 = 0
        if style == .binarySI {
            // Small and fractional values print in decimal: a binary suffix would round them.
            if let v = amount.exactInteger, v.magnitude >= 1024 {
                binaryValue = v
            } else {
                style = .decimalSI
            }
        }
        switch style {
        case .binarySI:
            return Quantity.base1024String(binaryValue)
        case .decimalSI, .decimalExponent:
            var digits = String(amount.significand.magnitude)
            var exponent = amount.exponent
            // Make the exponent a multiple of three by moving digits into the number.
            switch ((exponent % 3) + 3) % 3 {
            case 1: digits += "0"; exponent -= 1
            case 2: digits += "00"; exponent -= 2
            default: break
            }
            let sign = amount.signum < 0 ? "-" : ""
            if style == .decimalSI, let suffix = Quantity.decimalSuffix(exponent) {
                return sign + digits + suffix
            }
            return sign + digits + (exponent == 0 ? "" : "e\(exponent)")
        }
    }

    /// The same value with any kept input text dropped, so `string` is computed afresh.
    public var canonicalized: Quantity {
        var q = self
        if q.isValid { q.text = nil }
        return q
    }

    private static func decimalSuffix(_ exponent: Int) -> String? {
        switch exponent {
        case -9: return "n"
        case -6: return "u"
        case -3: return "m"
        case 0: return ""
        case 3: return "k"
        case 6: return "M"
        case 9: return "G"
        case 12: return "T"
        case 15: return "P"
        case 18: return "E"
        default: return nil
        }
    }

    private static func base1024String(_ value: Int128) -> String {
        let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        var m = value.magnitude
        var power = 0
        while power < suffixes.count - 1 && m % 1024 == 0 {
            m /= 1024
            power += 1
        }
        return (value < 0 ? "-" : "") + String(m) + suffixes[power]
    }
}
