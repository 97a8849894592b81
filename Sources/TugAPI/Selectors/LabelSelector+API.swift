import Foundation

extension Labels.Selector {
    /// The selector an API `LabelSelector` means (Kubernetes' `LabelSelectorAsSelector`): nil
    /// matches nothing, an empty one everything; `matchLabels` become `=` terms and
    /// `matchExpressions` their operators (`In`, `NotIn`, `Exists`, `DoesNotExist`).
    public init(_ selector: MetaV1.LabelSelector?) throws(Labels.SelectorError) {
        guard let selector else { self = .nothing; return }
        let matchLabels = selector.matchLabels ?? [:]
        let expressions = selector.matchExpressions ?? []
        if matchLabels.isEmpty && expressions.isEmpty { self = .everything; return }
        var requirements: [Labels.Requirement] = []
        for key in matchLabels.keys.sorted(by: Labels.goLess) {
            requirements.append(
                try Labels.Requirement(key: key, operator: .equals, values: [matchLabels[key] ?? ""], path: nil, emptyValuesJSON: "null"))
        }
        for expression in expressions {
            let op: Labels.Operator
            switch expression.operator ?? "" {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            case let other: throw Labels.SelectorError("\(goQuoted(other)) is not a valid label selector operator")
            }
            requirements.append(
                try Labels.Requirement(
                    key: expression.key ?? "", operator: op, values: expression.values ?? [], path: nil, emptyValuesJSON: "null"))
        }
        self.init(requirements)
    }

    /// A node affinity term's `matchExpressions` (Kubernetes' `NodeSelectorRequirementsAsSelector`):
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`; an empty list matches nothing. All
    /// problems are reported together, at `path[i]`.
    public init(nodeSelectorRequirements: [CoreV1.NodeSelectorRequirement], path: String? = nil) throws(Labels.SelectorError) {
        if nodeSelectorRequirements.isEmpty { self = .nothing; return }
        var requirements: [Labels.Requirement] = []
        var errors: [FieldError] = []
        for (i, expression) in nodeSelectorRequirements.enumerated() {
            let itemPath = "\(path ?? "")[\(i)]"
            let op: Labels.Operator
            switch expression.operator ?? "" {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            case "Gt": op = .greaterThan
            case "Lt": op = .lessThan
            case let other:
                errors.append(FieldError(.notSupported, itemPath + ".operator", value: goQuoted(other)))
                continue
            }
            do {
                requirements.append(
                    try Labels.Requirement(key: expression.key ?? "", operator: op, values: expression.values ?? [], path: itemPath))
            } catch {
                errors += error.fieldErrors
            }
        }
        if !errors.isEmpty { throw Labels.SelectorError(aggregating: errors) }
        self.init(requirements)
    }

    /// How kubectl prints an API selector (`FormatLabelSelector`): the string form, `<none>`
    /// when it selects everything (or is nil), `<error>` when it is invalid.
    public static func format(_ selector: MetaV1.LabelSelector?) -> String {
        guard let parsed = try? Labels.Selector(selector) else { return "<error>" }
        let s = parsed.description
        return s.isEmpty ? "<none>" : s
    }
}

extension MetaV1.LabelSelector {
    /// The API form of a selector string (`ParseToLabelSelector`): `=`/`==` terms go to
    /// `matchLabels`, the rest to `matchExpressions`; `gt`/`lt` cannot be expressed.
    public init(parsing selector: String) throws(Labels.SelectorError) {
        let requirements: [Labels.Requirement]
        do {
            requirements = try LabelSelectorParser.parse(selector)
        } catch {
            throw Labels.SelectorError("couldn't parse the selector string \"\(selector)\": \(error.message)", fieldErrors: error.fieldErrors)
        }
        var matchLabels: [String: String] = [:]
        var expressions: [MetaV1.LabelSelectorRequirement] = []
        for r in requirements {
            let op: String
            switch r.operator {
            case .equals, .doubleEquals:
                matchLabels[r.key] = r.values.first ?? ""
                continue
            case .in: op = "In"
            case .notIn: op = "NotIn"
            case .exists: op = "Exists"
            case .doesNotExist: op = "DoesNotExist"
            case .greaterThan, .lessThan, .notEquals:
                let verb = r.operator == .notEquals ? "is not a valid label selector operator" : "isn't supported in label selectors"
                throw Labels.SelectorError("\(goQuoted(r.operator.rawValue)) \(verb)")
            }
            let values = r.values.sorted(by: Labels.goLess)
            expressions.append(MetaV1.LabelSelectorRequirement(key: r.key, operator: op, values: values.isEmpty ? nil : values))
        }
        self.init(matchLabels: matchLabels, matchExpressions: expressions)
    }

    /// The parsed selector (nil-safe callers use `Labels.Selector(optionalSelector)`).
    public func parsed() throws(Labels.SelectorError) -> Labels.Selector {
        try Labels.Selector(self)
    }
}

/// Go's `%q` for the plain strings that show up in Kubernetes' messages (`"a\"b"`).
public func goQuoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if c.value < 0x20 || c.value == 0x7F {
                out += String(format: "\\x%02x", c.value)
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }
    return out + "\""
}
