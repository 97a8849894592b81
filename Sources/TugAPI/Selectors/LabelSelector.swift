import Foundation

extension Labels {
    /// A parsed label selector: the requirements (all must hold), sorted by key. `everything`
    /// (no requirements) matches every object; `nothing` (from a nil API selector) matches none.
    public struct Selector: Sendable, Hashable, CustomStringConvertible {
        public private(set) var requirements: [Requirement]
        /// True only for `nothing`.
        public let matchesNothing: Bool

        public static let everything = Selector(sorted: [], nothing: false)
        public static let nothing = Selector(sorted: [], nothing: true)

        private init(sorted requirements: [Requirement], nothing: Bool) {
            self.requirements = requirements
            self.matchesNothing = nothing
        }

        /// A selector of `requirements`, sorted by key (stably, so equal keys keep their order).
        public init(_ requirements: [Requirement]) {
            self.init(sorted: Selector.sortedByKey(requirements), nothing: false)
        }

        /// Exactly these labels (`SelectorFromSet`, e.g. a Service's or ReplicationController's
        /// `selector` map); no validation.
        public init(matching labels: [String: String]) {
            self.init(labels.map { Requirement(unchecked: $0.key, .equals, [$0.value]) })
        }

        /// `ValidatedSelectorFromSet`: as `init(matching:)`, but every key and value is checked.
        public init(validating labels: [String: String]) throws(SelectorError) {
            var requirements: [Requirement] = []
            for key in labels.keys.sorted(by: Labels.goLess) {
                requirements.append(try Requirement(key: key, operator: .equals, values: [labels[key] ?? ""]))
            }
            self.init(requirements)
        }

        /// Parses the string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h,i>1`) exactly as
        /// Kubernetes' `labels.Parse`, with its error messages.
        public init(parsing selector: String) throws(SelectorError) {
            self.init(try LabelSelectorParser.parse(selector))
        }

        /// True when the selector does not restrict anything (false for `nothing`).
        public var isEmpty: Bool { !matchesNothing && requirements.isEmpty }

        public func matches(labels: [String: String]) -> Bool {
            if matchesNothing { return false }
            for r in requirements where !r.matches(labels) { return false }
            return true
        }

        /// Objects' `metadata.labels` is optional; absent labels are no labels.
        public func matches(labels: [String: String]?) -> Bool {
            matches(labels: labels ?? [:])
        }

        /// This selector with more requirements, re-sorted by key (`nothing` stays `nothing`).
        public func adding(_ more: [Requirement]) -> Selector {
            if matchesNothing { return self }
            return Selector(requirements + more)
        }

        /// The value a selector demands for `label` with `=`, `==` or a one-value `in`, if any
        /// (lets a cache index by label).
        public func requiresExactMatch(_ label: String) -> String? {
            guard let r = requirements.first(where: { $0.key == label }) else { return nil }
            switch r.operator {
            case .equals, .doubleEquals, .in: return r.values.count == 1 ? r.values[0] : nil
            default: return nil
            }
        }

        /// The requirements joined by `,` (empty for `everything` and `nothing`).
        public var description: String {
            requirements.map(\.description).joined(separator: ",")
        }

        private static func sortedByKey(_ requirements: [Requirement]) -> [Requirement] {
            requirements.enumerated().sorted { a, b in
                if a.element.key != b.element.key { return Labels.goLess(a.element.key, b.element.key) }
                return a.offset < b.offset
            }.map(\.element)
        }
    }
}
