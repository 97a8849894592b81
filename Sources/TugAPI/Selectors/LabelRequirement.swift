import Foundation

extension Labels {
    /// One term of a label selector: a key, an operator and its values.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public let key: String
        public let `operator`: Operator
        /// In the order given; the parser gives them sorted and without duplicates.
        public let values: [String]
        /// The single value of `gt`/`lt` as a number, parsed once rather than per match.
        private let bound: Int64?

        /// A validated requirement (Kubernetes' `NewRequirement`): a valid key, the right number
        /// of values for the operator, integers for `gt`/`lt`, valid label values. `path` prefixes
        /// the field paths in the error (`spec.selector.matchExpressions[0]`).
        public init(key: String, operator op: Operator, values: [String] = [], path: String? = nil) throws(SelectorError) {
            try self.init(key: key, operator: op, values: values, path: path, emptyValuesJSON: "[]")
        }

        /// `emptyValuesJSON`: how an empty values list prints in errors, `[]`, or `null` for
        /// conversions from API objects (Kubernetes passes a nil slice there).
        init(key: String, operator op: Operator, values: [String], path: String?, emptyValuesJSON: String) throws(SelectorError) {
            let prefix = path.map { $0 + "." } ?? ""
            let valuesPath = prefix + "values"
            let valuesJSON = values.isEmpty ? emptyValuesJSON : Validation.jsonArray(values)
            var errors: [FieldError] = []
            let keyProblems = Validation.isQualifiedName(key)
            if !keyProblems.isEmpty {
                errors.append(.invalid(prefix + "key", key, keyProblems.joined(separator: "; ")))
            }
            switch op {
            case .in, .notIn:
                if values.isEmpty {
                    errors.append(FieldError(.invalid, valuesPath, value: valuesJSON, "for 'in', 'notin' operators, values set can't be empty"))
                }
            case .equals, .doubleEquals, .notEquals:
                if values.count != 1 {
                    errors.append(FieldError(.invalid, valuesPath, value: valuesJSON, "exact-match compatibility requires one single value"))
                }
            case .exists, .doesNotExist:
                if !values.isEmpty {
                    errors.append(FieldError(.invalid, valuesPath, value: valuesJSON, "values set must be empty for exists and does not exist"))
                }
            case .greaterThan, .lessThan:
                if values.count != 1 {
                    errors.append(FieldError(.invalid, valuesPath, value: valuesJSON, "for 'Gt', 'Lt' operators, exactly one value is required"))
                }
                for (i, v) in values.enumerated() where Int64(v) == nil {
                    errors.append(.invalid("\(valuesPath)[\(i)]", v, "for 'Gt', 'Lt' operators, the value must be an integer"))
                }
            }
            for (i, v) in values.enumerated() {
                let problems = Validation.isLabelValue(v)
                if !problems.isEmpty {
                    errors.append(.invalid("\(valuesPath)[\(i)][\(key)]", v, problems.joined(separator: "; ")))
                }
            }
            if !errors.isEmpty { throw SelectorError(aggregating: errors) }
            self.init(unchecked: key, op, values)
        }

        /// No validation: for requirements built from already-validated data (`matchLabels` of
        /// a stored object) on hot paths.
        public init(unchecked key: String, _ op: Operator, _ values: [String]) {
            self.key = key
            self.operator = op
            self.values = values
            self.bound = (op == .greaterThan || op == .lessThan) && values.count == 1 ? Int64(values[0]) : nil
        }

        /// Whether `labels` satisfy this requirement (a missing label satisfies `!=` and `notin`).
        public func matches(_ labels: [String: String]) -> Bool {
            switch self.operator {
            case .in, .equals, .doubleEquals:
                guard let v = labels[key] else { return false }
                return values.contains(v)
            case .notIn, .notEquals:
                guard let v = labels[key] else { return true }
                return !values.contains(v)
            case .exists:
                return labels[key] != nil
            case .doesNotExist:
                return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let v = labels[key], let n = Int64(v), let bound else { return false }
                return self.operator == .greaterThan ? n > bound : n < bound
            }
        }

        /// Kubernetes' rendering: `a=b`, `a!=b`, `a in (x,y)`, `!a`, `a>3`; several values sorted.
        public var description: String {
            if self.operator == .doesNotExist { return "!" + key }
            var s = key
            switch self.operator {
            case .equals: s += "="
            case .doubleEquals: s += "=="
            case .notEquals: s += "!="
            case .in: s += " in "
            case .notIn: s += " notin "
            case .greaterThan: s += ">"
            case .lessThan: s += "<"
            case .exists, .doesNotExist: return s
            }
            let list = values.count == 1 ? values[0] : values.sorted(by: Labels.goLess).joined(separator: ",")
            return self.operator == .in || self.operator == .notIn ? s + "(" + list + ")" : s + list
        }
    }
}
