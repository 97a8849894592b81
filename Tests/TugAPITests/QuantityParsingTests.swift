import Foundation
import Testing

@testable import TugAPI

/// Parsing and printing, against Kubernetes' own tables (`quantity_test.go`): the exact value
/// (significand × 10^scale), the format kept, and the string Kubernetes prints.
struct QuantityParsingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var input: String
        var significand: Int64
        var scale: Int32
        var format: Quantity.Format
        var printed: String
        var testDescription: String { input }
        init(_ input: String, _ significand: Int64, _ scale: Int32, _ format: Quantity.Format, _ printed: String) {
            (self.input, self.significand, self.scale, self.format, self.printed) = (input, significand, scale, format, printed)
        }
    }

    static let cases: [Case] = [
        // Zeroes keep their suffix style but always print "0".
        Case("0", 0, 0, .decimalSI, "0"), Case("0n", 0, 0, .decimalSI, "0"), Case("0u", 0, 0, .decimalSI, "0"),
        Case("0m", 0, 0, .decimalSI, "0"), Case("0k", 0, 0, .decimalSI, "0"), Case("0M", 0, 0, .decimalSI, "0"),
        Case("0Ki", 0, 0, .binarySI, "0"), Case("0Mi", 0, 0, .binarySI, "0"), Case("0Gi", 0, 0, .binarySI, "0"),
        Case("0Ti", 0, 0, .binarySI, "0"), Case("00", 0, 0, .decimalSI, "0"), Case("-0", 0, 0, .decimalSI, "0"),
        Case("1", 1, 0, .decimalSI, "1"), Case("123", 123, 0, .decimalSI, "123"),
        // Binary suffixes.
        Case("1Ki", 1024, 0, .binarySI, "1Ki"), Case("8Ki", 8 * 1024, 0, .binarySI, "8Ki"),
        Case("7Mi", 7 << 20, 0, .binarySI, "7Mi"), Case("6Gi", 6 << 30, 0, .binarySI, "6Gi"),
        Case("5Ti", 5 << 40, 0, .binarySI, "5Ti"), Case("4Pi", 4 << 50, 0, .binarySI, "4Pi"),
        Case("3Ei", 3 << 60, 0, .binarySI, "3Ei"), Case("10Ti", 10 << 40, 0, .binarySI, "10Ti"),
        Case("100Ti", 100 << 40, 0, .binarySI, "100Ti"), Case("1Ei", 1 << 60, 0, .binarySI, "1Ei"),
        // Decimal suffixes.
        Case("5n", 5, -9, .decimalSI, "5n"), Case("4u", 4, -6, .decimalSI, "4u"), Case("3m", 3, -3, .decimalSI, "3m"),
        Case("500m", 5, -1, .decimalSI, "500m"), Case("9", 9, 0, .decimalSI, "9"), Case("8k", 8, 3, .decimalSI, "8k"),
        Case("50k", 5, 4, .decimalSI, "50k"), Case("7M", 7, 6, .decimalSI, "7M"), Case("6G", 6, 9, .decimalSI, "6G"),
        Case("5T", 5, 12, .decimalSI, "5T"), Case("40T", 4, 13, .decimalSI, "40T"), Case("300T", 3, 14, .decimalSI, "300T"),
        Case("2P", 2, 15, .decimalSI, "2P"), Case("1E", 1, 18, .decimalSI, "1E"), Case("12E", 12, 18, .decimalSI, "12E"),
        Case("100M", 1, 8, .decimalSI, "100M"), Case("1000", 1, 3, .decimalSI, "1k"), Case("1000m", 1, 0, .decimalSI, "1"),
        // Exponents: `e`/`E` followed by digits; canonical input is printed as written.
        Case("1E-3", 1, -3, .decimalExponent, "1E-3"), Case("1e3", 1, 3, .decimalExponent, "1e3"),
        Case("1E3", 1, 3, .decimalExponent, "1E3"), Case("1E6", 1, 6, .decimalExponent, "1E6"),
        Case("1e9", 1, 9, .decimalExponent, "1e9"), Case("1E12", 1, 12, .decimalExponent, "1E12"),
        Case("1e15", 1, 15, .decimalExponent, "1e15"), Case("1E18", 1, 18, .decimalExponent, "1E18"),
        Case("1e14", 1, 14, .decimalExponent, "100e12"), Case("1e13", 1, 13, .decimalExponent, "10e12"),
        Case("2e3", 2, 3, .decimalExponent, "2e3"), Case("1000e0", 1, 3, .decimalExponent, "1e3"),
        // Things that look like floating point.
        Case("1.5", 15, -1, .decimalSI, "1500m"), Case("0.5", 5, -1, .decimalSI, "500m"),
        Case("0.001", 1, -3, .decimalSI, "1m"), Case("0.0005k", 5, -1, .decimalSI, "500m"),
        Case("0.005", 5, -3, .decimalSI, "5m"), Case("0.05", 5, -2, .decimalSI, "50m"),
        Case("0.00050k", 5, -1, .decimalSI, "500m"), Case("0.00500", 5, -3, .decimalSI, "5m"),
        Case("0.05000", 5, -2, .decimalSI, "50m"), Case("0.50000", 5, -1, .decimalSI, "500m"),
        Case("0.5e0", 5, -1, .decimalExponent, "500e-3"), Case("0.5e-1", 5, -2, .decimalExponent, "50e-3"),
        Case("0.5e-2", 5, -3, .decimalExponent, "5e-3"), Case("1.2e3", 12, 2, .decimalExponent, "1200"),
        Case("1.3E+6", 13, 5, .decimalExponent, "1300e3"), Case("1.40e9", 14, 8, .decimalExponent, "1400e6"),
        Case("1.53E12", 153, 10, .decimalExponent, "1530e9"), Case("1.6e15", 16, 14, .decimalExponent, "1600e12"),
        Case("1.7E18", 17, 17, .decimalExponent, "1700e15"), Case("9.01", 901, -2, .decimalSI, "9010m"),
        Case("8.1k", 81, 2, .decimalSI, "8100"), Case("40.1T", 401, 11, .decimalSI, "40100G"),
        Case("300.2T", 3002, 11, .decimalSI, "300200G"), Case("2.5P", 25, 14, .decimalSI, "2500T"),
        Case("1.01E", 101, 16, .decimalSI, "1010P"), Case("1.08", 108, -2, .decimalSI, "1080m"),
        Case("1080000000n", 108, -2, .decimalSI, "1080m"), Case("1000u", 1, -3, .decimalSI, "1m"),
        Case("0.001T", 1, 9, .decimalSI, "1G"), Case("5000m", 5, 0, .decimalSI, "5"),
        Case(".001e12", 1, 9, .decimalExponent, "1e9"), Case("0.001e0", 1, -3, .decimalExponent, "1e-3"),
        Case("1000e-12", 1, -9, .decimalExponent, "1e-9"),
        // Kubernetes keeps input whose digits already sit on a multiple-of-three exponent.
        Case("100.035k", 100_035, 0, .decimalSI, "100.035k"), Case("10.035M", 10_035, 3, .decimalSI, "10.035M"),
        Case("7.123456M", 7_123_456, 0, .decimalSI, "7.123456M"), Case("5.444T", 5444, 9, .decimalSI, "5.444T"),
        Case("+1", 1, 0, .decimalSI, "+1"), Case("01", 1, 0, .decimalSI, "01"), Case("1.", 1, 0, .decimalSI, "1."),
        Case("1.G", 1, 9, .decimalSI, "1.G"), Case("+1Ki", 1024, 0, .binarySI, "+1Ki"),
        // Rounded up to nano precision.
        Case("3.001n", 4, -9, .decimalSI, "4n"), Case("1.1E-9", 2, -9, .decimalExponent, "2e-9"),
        Case("0.0000000001", 1, -9, .decimalSI, "1n"), Case("0.0000000005", 1, -9, .decimalSI, "1n"),
        Case("0.00000000050", 1, -9, .decimalSI, "1n"), Case("0.5e-9", 1, -9, .decimalExponent, "1e-9"),
        Case("0.9n", 1, -9, .decimalSI, "1n"), Case("0.00000012345", 124, -9, .decimalSI, "124n"),
        Case("0.00000012354", 124, -9, .decimalSI, "124n"), Case("-3.001n", -4, -9, .decimalSI, "-4n"),
        // Binary values are capped at 2^63-1.
        Case("9Ei", Int64.max, 0, .binarySI, "9223372036854775807"),
        Case("9223372036854775807Ki", Int64.max, 0, .binarySI, "9223372036854775807"),
        Case("-9Ei", -Int64.max, 0, .binarySI, "-9223372036854775807"),
        // Fractional binary values.
        Case("100.035Ki", 10_243_584, -2, .binarySI, "102435840m"), Case("0.5Mi", 512 * 1024, 0, .binarySI, "512Ki"),
        Case("0.05Gi", 536_870_912, -1, .binarySI, "53687091200m"),
        Case("0.025Ti", 274_877_906_944, -1, .binarySI, "27487790694400m"),
        Case("1.5Gi", 1_610_612_736, 0, .binarySI, "1536Mi"), Case("1.5Ki", 1536, 0, .binarySI, "1536"),
        Case("0.5Ki", 512, 0, .binarySI, "512"), Case("-1.5Gi", -1_610_612_736, 0, .binarySI, "-1536Mi"),
        Case(".001Ki", 1024, -3, .binarySI, "1024m"), Case(".000001Ki", 1024, -6, .decimalSI, "1024u"),
        Case(".000000001Ki", 1024, -9, .decimalSI, "1024n"), Case("0.000000000001Ki", 2, -9, .decimalSI, "2n"),
        // Binary values printed in the largest exact unit.
        Case("1024Mi", 1 << 30, 0, .binarySI, "1Gi"), Case("307200Ki", 300 << 20, 0, .binarySI, "300Mi"),
        Case("1025024Mi", 1001 << 30, 0, .binarySI, "1001Gi"), Case("1024Gi", 1 << 40, 0, .binarySI, "1Ti"),
        Case("2048Ki", 2 << 20, 0, .binarySI, "2Mi"), Case("1025Ki", 1025 * 1024, 0, .binarySI, "1025Ki"),
        Case("1000Mi", 1000 << 20, 0, .binarySI, "1000Mi"), Case("1024", 1024, 0, .decimalSI, "1024"),
        // Odd corners of Kubernetes' scanner: a bare point or sign is zero.
        Case(".", 0, 0, .decimalSI, "0"), Case("-", 0, 0, .decimalSI, "0"), Case("Gi", 0, 0, .binarySI, "0"),
    ]

    @Test(arguments: cases)
    func parsesValueFormatAndPrintedForm(_ c: Case) throws {
        let q = try Quantity(parsing: c.input)
        #expect(q == Quantity(scaled: c.significand, scale: c.scale), "value of \(c.input): \(q.canonicalString)")
        #expect(q.format == c.format)
        #expect(q.string == c.printed)
        #expect(q.description == c.printed)
        #expect(q.isValid)
    }

    @Test(arguments: cases)
    func negativeAndExplicitPlusParseToTheSameMagnitude(_ c: Case) throws {
        let input = c.input.hasPrefix("-") || c.input.hasPrefix("+") ? String(c.input.dropFirst()) : c.input
        if input.isEmpty { return }
        let negative = try Quantity(parsing: "-" + input)
        let positive = try Quantity(parsing: "+" + input)
        let plain = try Quantity(parsing: input)
        #expect(negative == -plain)
        #expect(positive == plain)
        #expect(negative.format == plain.format)
        if !plain.isZero && plain.canonicalized.string == plain.string {
            #expect(negative.string == "-" + plain.string)
        }
    }

    static let invalid: [(String, QuantityParseError.Kind)] = [
        ("", .formatWrong), ("1.1.M", .formatWrong), ("1+1.0M", .formatWrong), ("0.1am", .formatWrong),
        ("aoeu", .formatWrong), (" 1", .formatWrong), ("1 ", .formatWrong), ("1 Gi", .formatWrong), ("abc", .formatWrong),
        ("1Gi1", .suffix), ("0.1mi", .suffix), (".5i", .suffix), ("1i", .suffix), ("-3.01i", .suffix), ("-3.01e-", .suffix),
        ("1e", .suffix), ("1e+", .suffix), ("1ki", .suffix), ("1KiB", .formatWrong), ("1MM", .suffix), ("5e99999999999", .suffix),
        ("1,5", .formatWrong), ("--1", .suffix), ("1m1", .suffix),
    ]

    @Test(arguments: invalid)
    func rejectsGarbageWithKubernetesMessages(_ input: String, _ kind: QuantityParseError.Kind) {
        #expect(throws: QuantityParseError(kind: kind, input: input)) { try Quantity(parsing: input) }
        let lenient = Quantity(input)
        #expect(!lenient.isValid)
        #expect(lenient.string == input)
        #expect(lenient.parseError?.kind == kind)
    }

    @Test func errorMessagesAreKubernetesExactText() {
        #expect(
            QuantityParseError(kind: .formatWrong, input: "x").description
                == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        #expect(QuantityParseError(kind: .suffix, input: "1i").message == "unable to parse quantity's suffix")
        #expect(QuantityParseError(kind: .numeric, input: "").message == "unable to parse numeric part of quantity")
    }

    @Test func exaAloneIsASuffixButEWithDigitsIsAnExponent() throws {
        #expect(try Quantity(parsing: "2E") == Quantity(scaled: 2, scale: 18))
        #expect(try Quantity(parsing: "2E").format == .decimalSI)
        #expect(try Quantity(parsing: "2E2") == Quantity(value: 200))
        #expect(try Quantity(parsing: "2E2").format == .decimalExponent)
        #expect(try Quantity(parsing: "2e-2") == Quantity(milli: 20))
    }

    @Test func manyDigitsStayExactUpTo37SignificantDigits() throws {
        let q = try Quantity(parsing: "1234567890123456789012345678901234567")
        #expect(q.string == "1234567890123456789012345678901234567")
        let longer = try Quantity(parsing: "12345678901234567890123456789012345678901")
        // Beyond 37 digits the value is rounded to the nearest representable one.
        #expect(longer.string == "12345678901234567890123456789012345680k")
    }

    @Test func outOfRangeExponentsPrintInExponentForm() throws {
        // Kubernetes has no suffix for 10^21 and would print a wrong "1"; the value is kept.
        #expect(try Quantity(parsing: "1000E").string == "1e21")
        #expect(Quantity(scaled: 1, scale: -12).string == "1e-12")
        #expect(Quantity(scaled: 1024, scale: 0, format: .binarySI).multiplied(by: 1 << 60).string == "1024Ei")
    }

    @Test func settingTheStringReparses() {
        var q = Quantity("1")
        q.string = "2Gi"
        #expect(q == Quantity(value: 2 << 30))
        #expect(q.format == .binarySI)
        q.format = .decimalSI
        #expect(q.string == "2147483648")
    }
}
