import Foundation

extension Quantity {
    /// An exact decimal `significand × 10^exponent`, kept normalized (no trailing zeros in the
    /// significand, zero is `0 × 10^0`) so that equal values have equal fields and hash alike.
    ///
    /// Precision is bounded at 37 significant digits: every value Kubernetes can produce from a
    /// realistic manifest fits (2^63 at nano precision needs 28). Results that would need more
    /// digits are rounded to the nearest representable value, ties away from zero.
    struct Amount: Hashable, Sendable {
        private(set) var significand: Int128
        private(set) var exponent: Int

        static let zero = Amount(trusted: 0, 0)
        static let maxDigits = 37

        private init(trusted significand: Int128, _ exponent: Int) {
            self.significand = significand
            self.exponent = exponent
        }

        /// Any `significand × 10^exponent`, normalized (and rounded if it has too many digits).
        init(_ significand: Int128, exponent: Int) {
            self = Amount.normalized(significand, exponent)
        }

        init(_ value: Int64, exponent: Int = 0) {
            self = Amount.normalized(Int128(value), exponent)
        }

        var isZero: Bool { significand == 0 }
        var signum: Int { significand == 0 ? 0 : (significand < 0 ? -1 : 1) }
        /// True when the value has no fractional part.
        var isInteger: Bool { significand == 0 || exponent >= 0 }

        var negated: Amount { Amount(trusted: -significand, exponent) }
        var magnitude: Amount { Amount(trusted: significand < 0 ? -significand : significand, exponent) }

        // MARK: normalization and rounding

        private static func normalized(_ value: Int128, _ exp: Int) -> Amount {
            if value == 0 { return .zero }
            var s = value
            var e = exp
            if s.magnitude >= powersOfTen[maxDigits].magnitude {
                let drop = digitCount(s.magnitude) - maxDigits
                s = dividedRoundingNearest(s, byPowerOfTen: drop)
                e += drop
            }
            // Strip trailing zeros, through Int64 when it fits (the common case, and much faster).
            if let small = Int64(exactly: s) {
                var v = small
                while v % 10 == 0 { v /= 10; e += 1 }
                return Amount(trusted: Int128(v), e)
            }
            while s % 10 == 0 { s /= 10; e += 1 }
            return Amount(trusted: s, e)
        }

        /// `value / 10^k` rounded to nearest, ties away from zero.
        static func dividedRoundingNearest(_ value: Int128, byPowerOfTen k: Int) -> Int128 {
            if k <= 0 { return value }
            if k >= powersOfTen.count { return 0 }
            let p = powersOfTen[k]
            let (q, r) = value.quotientAndRemainder(dividingBy: p)
            if r.magnitude * 2 >= p.magnitude { return q + (value < 0 ? -1 : 1) }
            return q
        }

        /// `value / 10^k` rounded away from zero (Kubernetes' `RoundUp`).
        static func dividedRoundingUp(_ value: Int128, byPowerOfTen k: Int) -> Int128 {
            if k <= 0 { return value }
            if k >= powersOfTen.count { return value == 0 ? 0 : (value < 0 ? -1 : 1) }
            let (q, r) = value.quotientAndRemainder(dividingBy: powersOfTen[k])
            return r == 0 ? q : q + (value < 0 ? -1 : 1)
        }

        static func digitCount(_ m: UInt128) -> Int {
            var n = 1
            while n < powersOfTen.count, m >= powersOfTen[n].magnitude { n += 1 }
            return n
        }

        // MARK: arithmetic

        static func + (a: Amount, b: Amount) -> Amount {
            if a.significand == 0 { return b }
            if b.significand == 0 { return a }
            // Both significands are below 10^37, so one aligned sum cannot overflow Int128.
            if a.exponent == b.exponent { return normalized(a.significand + b.significand, a.exponent) }
            let (high, low) = a.exponent > b.exponent ? (a, b) : (b, a)
            let distance = high.exponent - low.exponent
            let shift = min(distance, maxDigits - digitCount(high.significand.magnitude))
            let h = high.significand * powersOfTen[shift]
            let l = dividedRoundingNearest(low.significand, byPowerOfTen: distance - shift)
            return normalized(h + l, high.exponent - shift)
        }

        static func - (a: Amount, b: Amount) -> Amount { a + b.negated }

        func multiplied(by factor: Int64) -> Amount {
            if factor == 0 || significand == 0 { return .zero }
            var s = significand
            var e = exponent
            while true {
                let (p, overflow) = s.multipliedReportingOverflow(by: Int128(factor))
                if !overflow { return Amount.normalized(p, e) }
                s = Amount.dividedRoundingNearest(s, byPowerOfTen: 1)
                e += 1
            }
        }

        static func compare(_ a: Amount, _ b: Amount) -> Int {
            if a.exponent == b.exponent {
                return a.significand == b.significand ? 0 : (a.significand < b.significand ? -1 : 1)
            }
            // Zero is always 0 × 10^0, so from here on at most one side is zero.
            if a.signum != b.signum { return a.signum < b.signum ? -1 : 1 }
            // Same sign, both non-zero: the number of integer digits decides first.
            let ma = digitCount(a.significand.magnitude) + a.exponent
            let mb = digitCount(b.significand.magnitude) + b.exponent
            let byMagnitude: Int
            if ma != mb {
                byMagnitude = ma < mb ? -1 : 1
            } else if a.exponent > b.exponent {
                let x = a.significand.magnitude * powersOfTen[a.exponent - b.exponent].magnitude
                let y = b.significand.magnitude
                byMagnitude = x == y ? 0 : (x < y ? -1 : 1)
            } else {
                let x = a.significand.magnitude
                let y = b.significand.magnitude * powersOfTen[b.exponent - a.exponent].magnitude
                byMagnitude = x == y ? 0 : (x < y ? -1 : 1)
            }
            return a.significand < 0 ? -byMagnitude : byMagnitude
        }

        // MARK: conversions

        /// `ceil(value / 10^scale)` away from zero, saturating at the Int64 bounds.
        func scaledInt64(scale: Int) -> Int64 {
            if significand == 0 { return 0 }
            let shift = exponent - scale
            if shift >= 0 {
                if Amount.digitCount(significand.magnitude) + shift > 19 { return significand < 0 ? .min : .max }
                return Amount.clampedInt64(significand * Amount.powersOfTen[shift])
            }
            return Amount.clampedInt64(Amount.dividedRoundingUp(significand, byPowerOfTen: -shift))
        }

        /// The value as an integer, when it is one and fits in Int128.
        var exactInteger: Int128? {
            if significand == 0 { return 0 }
            guard exponent >= 0, Amount.digitCount(significand.magnitude) + exponent <= 38 else { return nil }
            return significand * Amount.powersOfTen[exponent]
        }

        var approximateDouble: Double {
            Double(significand) * pow(10, Double(exponent))
        }

        private static func clampedInt64(_ v: Int128) -> Int64 {
            if v > Int128(Int64.max) { return .max }
            if v < Int128(Int64.min) { return .min }
            return Int64(v)
        }

        /// 10^0 … 10^38, all that Int128 holds.
        static let powersOfTen: [Int128] = {
            var table: [Int128] = [1]
            for _ in 1...38 { table.append(table[table.count - 1] * 10) }
            return table
        }()
    }
}
