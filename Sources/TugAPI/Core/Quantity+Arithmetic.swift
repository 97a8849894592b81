import Foundation

extension Quantity {
    // MARK: reading the value

    /// The value rounded up (away from zero) to an integer, as Kubernetes' `Value()`; saturates
    /// at the Int64 bounds instead of overflowing.
    public var value: Int64 { amount.scaledInt64(scale: 0) }

    /// `ceil(value × 1000)` away from zero, as `MilliValue()` (CPU in millicores); saturating.
    public var milliValue: Int64 { amount.scaledInt64(scale: -3) }

    /// `ceil(value / 10^scale)` away from zero, as `ScaledValue(scale)`; saturating.
    public func scaledValue(_ scale: Int32) -> Int64 { amount.scaledInt64(scale: Int(scale)) }

    /// The value as a Double, for ratios and display only (never for comparisons).
    public var approximateDouble: Double { amount.approximateDouble }

    /// The value rounded up (away from zero) to `10^scale`, as Kubernetes' `RoundUp`; `exact`
    /// says whether nothing was lost.
    public func roundedUp(toScale scale: Int32) -> (quantity: Quantity, exact: Bool) {
        let e = Int(scale)
        guard !amount.isZero, amount.exponent < e else { return (self, true) }
        let rounded = Amount.dividedRoundingUp(amount.significand, byPowerOfTen: e - amount.exponent)
        let q = Quantity(amount: Amount(rounded, exponent: e), format: format)
        return (q, q.amount == amount)
    }

    // MARK: arithmetic (invalid quantities count as zero)

    /// `self + other`. The format is `self`'s, or `other`'s when `self` is zero (Kubernetes'
    /// `Add`, so that `0 + 1Gi` prints `1Gi`).
    public func adding(_ other: Quantity) -> Quantity {
        Quantity(amount: amount + other.amount, format: amount.isZero ? other.format : format)
    }

    /// `self - other`, with `adding`'s rule for the format.
    public func subtracting(_ other: Quantity) -> Quantity {
        Quantity(amount: amount - other.amount, format: amount.isZero ? other.format : format)
    }

    /// `self × factor` (Kubernetes' `Mul`), in `self`'s format.
    public func multiplied(by factor: Int64) -> Quantity {
        Quantity(amount: amount.multiplied(by: factor), format: format)
    }

    public var negated: Quantity { Quantity(amount: amount.negated, format: format) }

    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity { lhs.adding(rhs) }
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity { lhs.subtracting(rhs) }
    public static prefix func - (q: Quantity) -> Quantity { q.negated }
    public static func += (lhs: inout Quantity, rhs: Quantity) { lhs = lhs.adding(rhs) }
    public static func -= (lhs: inout Quantity, rhs: Quantity) { lhs = lhs.subtracting(rhs) }

    /// The sum of `quantities`, starting from zero (so the first one's format wins).
    public static func sum<S: Sequence>(_ quantities: S) -> Quantity where S.Element == Quantity {
        quantities.reduce(Quantity.zero, +)
    }
}
