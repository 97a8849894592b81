import Foundation

/// The lexer and recursive-descent parser of Kubernetes' label selector syntax, token for
/// token, so that every accepted input and every error message is the same.
enum LabelSelectorParser {
    enum Token: Equatable {
        case endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan
        case identifier, `in`, lessThan, notEquals, notIn, openPar
    }

    struct Item {
        var token: Token
        var literal: String
    }

    typealias SelectorError = Labels.SelectorError

    static func parse(_ selector: String) throws(SelectorError) -> [Labels.Requirement] {
        var parser = Parser(items: lex(selector))
        return try parser.parse()
    }

    // MARK: lexer

    private static func isWhitespace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n")
    }

    private static func isSpecial(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
            UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default: return false
        }
    }

    /// Every token up to and including `endOfString` (a NUL byte also ends the input, as in Go).
    static func lex(_ s: String) -> [Item] {
        let bytes = Array(s.utf8)
        var items: [Item] = []
        var pos = 0
        func at(_ i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }
        while true {
            while isWhitespace(at(pos)) { pos += 1 }
            let c = at(pos)
            if c == 0 {
                items.append(Item(token: .endOfString, literal: ""))
                return items
            }
            if isSpecial(c) {
                // Longest match: "!=" and "==" are the only two-byte operators.
                let next = at(pos + 1)
                if next == UInt8(ascii: "=") && (c == UInt8(ascii: "!") || c == UInt8(ascii: "=")) {
                    items.append(Item(token: c == UInt8(ascii: "!") ? .notEquals : .doubleEquals, literal: c == UInt8(ascii: "!") ? "!=" : "=="))
                    pos += 2
                    continue
                }
                let token: Token
                switch c {
                case UInt8(ascii: "="): token = .equals
                case UInt8(ascii: "!"): token = .doesNotExist
                case UInt8(ascii: "("): token = .openPar
                case UInt8(ascii: ")"): token = .closedPar
                case UInt8(ascii: ","): token = .comma
                case UInt8(ascii: ">"): token = .greaterThan
                default: token = .lessThan
                }
                items.append(Item(token: token, literal: String(UnicodeScalar(c))))
                pos += 1
                continue
            }
            let start = pos
            while at(pos) != 0 && !isSpecial(at(pos)) && !isWhitespace(at(pos)) { pos += 1 }
            let word = String(decoding: bytes[start..<pos], as: UTF8.self)
            let token: Token = word == "in" ? .in : (word == "notin" ? .notIn : .identifier)
            items.append(Item(token: token, literal: word))
        }
    }

    // MARK: parser

    /// Where `in`/`notin` are read: as operators, or as plain words (values and keys).
    enum Context { case keyAndOperator, values }

    struct Parser {
        let items: [Item]
        var position = 0

        init(items: [Item]) { self.items = items }

        private func lookahead(_ context: Context) -> Item {
            adjust(items[min(position, items.count - 1)], context)
        }

        private mutating func consume(_ context: Context) -> Item {
            let item = items[min(position, items.count - 1)]
            position += 1
            return adjust(item, context)
        }

        private func adjust(_ item: Item, _ context: Context) -> Item {
            if context == .values && (item.token == .in || item.token == .notIn) {
                return Item(token: .identifier, literal: item.literal)
            }
            return item
        }

        mutating func parse() throws(SelectorError) -> [Labels.Requirement] {
            var requirements: [Labels.Requirement] = []
            while true {
                let next = lookahead(.values)
                switch next.token {
                case .identifier, .doesNotExist:
                    do {
                        requirements.append(try parseRequirement())
                    } catch {
                        throw SelectorError("unable to parse requirement: " + error.message, fieldErrors: error.fieldErrors)
                    }
                    let after = consume(.values)
                    switch after.token {
                    case .endOfString:
                        return requirements
                    case .comma:
                        let following = lookahead(.values)
                        if following.token != .identifier && following.token != .doesNotExist {
                            throw SelectorError("found '\(following.literal)', expected: identifier after ','")
                        }
                    default:
                        throw SelectorError("found '\(after.literal)', expected: ',' or 'end of string'")
                    }
                case .endOfString:
                    return requirements
                default:
                    throw SelectorError("found '\(next.literal)', expected: !, identifier, or 'end of string'")
                }
            }
        }

        private mutating func parseRequirement() throws(SelectorError) -> Labels.Requirement {
            let (key, inferred) = try parseKeyAndInferOperator()
            if let inferred {
                return try Labels.Requirement(key: key, operator: inferred, values: [])
            }
            let op = try parseOperator()
            let values: Set<String>
            switch op {
            case .in, .notIn: values = try parseValues()
            default: values = try parseExactValue()
            }
            return try Labels.Requirement(key: key, operator: op, values: values.sorted(by: Labels.goLess))
        }

        /// The key, and `exists`/`doesNotExist` when no operator follows (or a `!` preceded).
        private mutating func parseKeyAndInferOperator() throws(SelectorError) -> (String, Labels.Operator?) {
            var op: Labels.Operator?
            var item = consume(.values)
            if item.token == .doesNotExist {
                op = .doesNotExist
                item = consume(.values)
            }
            if item.token != .identifier {
                throw SelectorError("found '\(item.literal)', expected: identifier")
            }
            let problems = Validation.isQualifiedName(item.literal)
            if !problems.isEmpty {
                // Kubernetes validates the key against a nil field path, which prints "<nil>".
                let error = FieldError.invalid("<nil>", item.literal, problems.joined(separator: "; "))
                throw SelectorError(error.description, fieldErrors: [error])
            }
            let next = lookahead(.values).token
            if (next == .endOfString || next == .comma) && op == nil { op = .exists }
            return (item.literal, op)
        }

        private mutating func parseOperator() throws(SelectorError) -> Labels.Operator {
            let item = consume(.keyAndOperator)
            switch item.token {
            case .in: return .in
            case .equals: return .equals
            case .doubleEquals: return .doubleEquals
            case .greaterThan: return .greaterThan
            case .lessThan: return .lessThan
            case .notIn: return .notIn
            case .notEquals: return .notEquals
            default:
                let expected = Labels.Operator.binary.map(\.rawValue).joined(separator: ", ")
                throw SelectorError("found '\(item.literal)', expected: \(expected)")
            }
        }

        private mutating func parseValues() throws(SelectorError) -> Set<String> {
            let open = consume(.values)
            if open.token != .openPar { throw SelectorError("found '\(open.literal)' expected: '('") }
            let next = lookahead(.values)
            switch next.token {
            case .identifier, .comma:
                let values = try parseIdentifiersList()
                if consume(.values).token != .closedPar { throw SelectorError("found '\(next.literal)', expected: ')'") }
                return values
            case .closedPar:
                _ = consume(.values)
                return [""]
            default:
                throw SelectorError("found '\(next.literal)', expected: ',', ')' or identifier")
            }
        }

        /// `a,b`, also `,a`, `a,,b` and `a,` where the gaps are empty values.
        private mutating func parseIdentifiersList() throws(SelectorError) -> Set<String> {
            var values = Set<String>()
            while true {
                let item = consume(.values)
                switch item.token {
                case .identifier:
                    values.insert(item.literal)
                    let next = lookahead(.values)
                    switch next.token {
                    case .comma: continue
                    case .closedPar: return values
                    default: throw SelectorError("found '\(next.literal)', expected: ',' or ')'")
                    }
                case .comma:
                    if values.isEmpty { values.insert("") }
                    let next = lookahead(.values).token
                    if next == .closedPar || next == .comma { values.insert("") }
                    if next == .closedPar { return values }
                default:
                    throw SelectorError("found '\(item.literal)', expected: ',', or identifier")
                }
            }
        }

        private mutating func parseExactValue() throws(SelectorError) -> Set<String> {
            let next = lookahead(.values).token
            if next == .endOfString || next == .comma { return [""] }
            let item = consume(.values)
            if item.token == .identifier { return [item.literal] }
            throw SelectorError("found '\(item.literal)', expected: identifier")
        }
    }
}
