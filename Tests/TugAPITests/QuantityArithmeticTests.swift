import Foundation
import Testing

@testable import TugAPI

/// Comparison, equality, arithmetic, integer views and JSON of `Quantity`.
struct QuantityArithmeticTests {
    static let ordered: [(String, String, Int)] = [
        ("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1), ("10000T", "100Gi", 1), ("1Gi", "1G", 1),
        ("1000m", "1", 0), ("1", "1000m", 0), ("1Ki", "1024", 0), ("1k", "1Ki", -1), ("-1", "0", -1),
        ("-1", "-2", 1), ("-1Gi", "-1G", -1), ("1e3", "1k", 0), ("0.5", "500m", 0), ("1n", "0", 1),
        ("999999999n", "1", -1), ("1E", "1Ei", -1), ("1e40", "1e39", 1), ("-1e40", "1n", -1), ("12E", "11.9E", 1),
    ]

    @Test(arguments: ordered)
    func comparesByValue(_ a: String, _ b: String, _ expected: Int) throws {
        let x = try Quantity(parsing: a)
        let y = try Quantity(parsing: b)
        #expect(x.compare(y) == expected)
        #expect(y.compare(x) == -expected)
        #expect((x == y) == (expected == 0))
        #expect((x < y) == (expected < 0))
        #expect((x > y) == (expected > 0))
    }

    @Test func equalValuesHashAlike() {
        let same: Set<Quantity> = ["1", "1000m", "1e0", "0.001k", "+1", "1000000000n"]
        #expect(same.count == 1)
        let binary: Set<Quantity> = ["1Gi", "1024Mi", "1073741824", "1048576Ki"]
        #expect(binary.count == 1)
        #expect(Quantity("1Gi") != Quantity("1G"))
        #expect(Quantity("abc") == Quantity("abc"))
        #expect(Quantity("abc") != Quantity("abd"))
        #expect(Quantity("abc") != Quantity("0"))
        #expect(Quantity("abc") < Quantity("-1E"))
    }

    @Test func sortsNumerically() {
        let sorted = (["2Gi", "100m", "1", "1.5", "-3", "1G"] as [Quantity]).sorted()
        #expect(sorted.map(\.string) == ["-3", "100m", "1", "1500m", "1G", "2Gi"])
    }

    static let sums: [(String, String, String, String)] = [
        // a, b, a + b, a - b (printed in a's format, or b's when a is zero)
        ("1", "1", "2", "0"), ("500m", "500m", "1", "0"), ("1", "500m", "1500m", "500m"),
        ("1Gi", "1Gi", "2Gi", "0"), ("1Gi", "512Mi", "1536Mi", "512Mi"), ("0", "1Gi", "1Gi", "-1Gi"),
        ("0", "100m", "100m", "-100m"), ("100m", "0", "100m", "100m"), ("1Gi", "0", "1Gi", "1Gi"),
        ("10", "1e1", "20", "0"), ("10", "1", "11", "9"), ("10Ki", "1", "10241", "10239"),
        ("1", "1Ki", "1025", "-1023"), ("1n", "1", "1000000001n", "-999999999n"), ("1E", "1E", "2E", "0"),
        ("4Ei", "4Ei", "8Ei", "0"), ("8Ei", "1", "8Ei", "9223372036854775806"), ("-1", "-1", "-2", "0"), ("1e3", "1", "1001", "999"),
    ]

    @Test(arguments: sums)
    func addsAndSubtractsExactly(_ a: String, _ b: String, _ sum: String, _ difference: String) throws {
        let x = try Quantity(parsing: a)
        let y = try Quantity(parsing: b)
        #expect((x + y).string == sum)
        #expect((x - y).string == difference)
        var z = x
        z += y
        z -= y
        #expect(z == x)
    }

    @Test func addingToZeroTakesTheOtherFormat() throws {
        for text in ["100m", "1Gi", "2e3"] {
            let q = try Quantity(parsing: text)
            #expect((Quantity.zero + q).string == text)
            #expect((q + .zero).string == text)
            #expect((q - .zero).string == text)
            #expect((Quantity.zero - q).string == (-q).string)
        }
        #expect(Quantity.sum(["1Gi", "1Gi", "512Mi"]).string == "2560Mi")
        #expect(Quantity.sum([Quantity]()).string == "0")
    }

    @Test func additionsAndSubtractionsAtOneScaleCancel() {
        var generator = SystemRandomNumberGenerator()
        for scale in Int32(-10)...10 {
            var total = Quantity.zero
            let values = (0..<100).map { _ in Int64.random(in: 0...Int64.max, using: &generator) }
            for v in values { total += Quantity(scaled: v, scale: scale) }
            for v in values { total -= Quantity(scaled: v, scale: scale) }
            #expect(total.isZero, "scale \(scale): \(total)")
        }
    }

    @Test func multipliesByIntegers() {
        #expect(Quantity(value: 10).multiplied(by: 10) == Quantity(value: 100))
        #expect(Quantity(value: 10, format: .binarySI).multiplied(by: -1).string == "-10")
        #expect(Quantity(value: -50).multiplied(by: -50) == Quantity(value: 2500))
        #expect(Quantity(value: 50).multiplied(by: 0).isZero)
        #expect(Quantity("250m").multiplied(by: 4).string == "1")
        #expect(Quantity("1Gi").multiplied(by: 3).string == "3Gi")
        let big = Quantity(value: Int64.max).multiplied(by: 2)
        #expect(big > Quantity(value: Int64.max))
        #expect(big.string == "18446744073709551614")
    }

    static let integerViews: [(String, Int64, Int64)] = [
        // value (rounded away from zero), milliValue
        ("0", 0, 0), ("1", 1, 1000), ("1.5", 2, 1500), ("-1.5", -2, -1500), ("100m", 1, 100), ("1n", 1, 1),
        ("-1n", -1, -1), ("1Gi", 1 << 30, 1_073_741_824_000), ("1k", 1000, 1_000_000), ("1.0001m", 1, 2),
        ("9Ei", Int64.max, Int64.max), ("-9Ei", -Int64.max, Int64.min), ("1E", 1_000_000_000_000_000_000, Int64.max),
        ("12E", Int64.max, Int64.max), ("250m", 1, 250), ("999m", 1, 999), ("1001m", 2, 1001),
    ]

    @Test(arguments: integerViews)
    func integerViewsRoundUpAndSaturate(_ text: String, _ value: Int64, _ milli: Int64) throws {
        let q = try Quantity(parsing: text)
        #expect(q.value == value)
        #expect(q.milliValue == milli)
    }

    @Test func scaledValueMatchesKubernetesTable() {
        let table: [(Int32, Int32, Int64)] = [
            (-9, -9, 1), (-9, -6, 1), (-9, -3, 1), (-9, 0, 1), (-6, -9, 1000), (-6, -6, 1), (-6, -3, 1), (-6, 0, 1),
            (-3, -9, 1_000_000), (-3, -6, 1000), (-3, -3, 1), (-3, 0, 1), (0, -9, 1_000_000_000), (0, -6, 1_000_000),
            (0, -3, 1000), (0, 0, 1), (2, -2, 10_000),
        ]
        for (from, to, expected) in table {
            #expect(Quantity(scaled: 1, scale: from).scaledValue(to) == expected, "\(from) → \(to)")
        }
    }

    @Test func constructorsMatchKubernetesHelpers() {
        #expect(Quantity(milli: 1500).string == "1500m")
        #expect(Quantity(milli: 1000).string == "1")
        #expect(Quantity(milli: 500, format: .binarySI).string == "500m")
        #expect(Quantity(value: 1024, format: .binarySI).string == "1Ki")
        #expect(Quantity(value: 1025, format: .binarySI).string == "1025")
        #expect(Quantity(value: 5, format: .binarySI).string == "5")
        #expect(Quantity(value: 3000).string == "3k")
        #expect(Quantity(value: 3000, format: .decimalExponent).string == "3e3")
        #expect(Quantity(scaled: 1_234_567, scale: 6).string == "1234567M")
        #expect(Quantity(scaled: 10_800, scale: -10).string == "1080n")
        #expect(Quantity(scaled: 300, scale: 6, format: .decimalExponent).string == "300e6")
        #expect(Quantity(scaled: 80, scale: -3, format: .decimalExponent).string == "80e-3")
        #expect(Quantity(scaled: 1234567, scale: -3, format: .binarySI).string == "1234567m")
        let literal: Quantity = 7
        #expect(literal.string == "7")
    }

    @Test func roundUpToAScale() {
        let (q, exact) = Quantity("1.5").roundedUp(toScale: 0)
        #expect(q.string == "2" && !exact)
        let (m, mExact) = Quantity("1500m").roundedUp(toScale: -3)
        #expect(m.string == "1500m" && mExact)
        let (n, _) = Quantity("-1.1").roundedUp(toScale: 0)
        #expect(n.string == "-2")
    }

    @Test func beyond37DigitsResultsRoundToNearest() {
        let huge = Quantity("1e40")
        #expect(huge + Quantity("1") == huge)
        #expect((huge + Quantity("1")).string == "10e39")
        #expect(Quantity("1e40") - Quantity("1e40") == .zero)
    }

    // MARK: JSON

    struct Holder: Codable { var q: Quantity }

    @Test func decodesStringsAndNumbersAndPrintsCanonically() throws {
        let cases: [(String, String)] = [
            (#"{"q":"1.5"}"#, #"{"q":"1500m"}"#), (#"{"q":1.5}"#, #"{"q":"1500m"}"#), (#"{"q":2}"#, #"{"q":"2"}"#),
            (#"{"q":" 1Gi "}"#, #"{"q":"1Gi"}"#), (#"{"q":"1024Mi"}"#, #"{"q":"1Gi"}"#), (#"{"q":null}"#, #"{"q":"0"}"#),
            (#"{"q":"100M"}"#, #"{"q":"100M"}"#), (#"{"q":1000}"#, #"{"q":"1k"}"#), (#"{"q":"1e3"}"#, #"{"q":"1e3"}"#),
        ]
        for (input, output) in cases {
            let decoded = try JSONDecoder().decode(Holder.self, from: Data(input.utf8))
            let encoded = String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self)
            #expect(encoded == output, "\(input)")
        }
    }

    @Test func decodingRejectsInvalidQuantities() {
        for input in [#"{"q":"abc"}"#, #"{"q":"1 Gi"}"#, #"{"q":"1i"}"#, #"{"q":true}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Holder.self, from: Data(input.utf8)) }
        }
        do {
            _ = try JSONDecoder().decode(Holder.self, from: Data(#"{"q":"abc"}"#.utf8))
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription == QuantityParseError.Kind.formatWrong.message)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func invalidQuantitiesEncodeTheirTextAndCountAsZero() throws {
        let bad = Quantity("lots")
        let encoded = String(decoding: try JSONEncoder().encode(Holder(q: bad)), as: UTF8.self)
        #expect(encoded == #"{"q":"lots"}"#)
        #expect((bad + Quantity("1")).string == "1")
        #expect(bad.value == 0)
    }
}
