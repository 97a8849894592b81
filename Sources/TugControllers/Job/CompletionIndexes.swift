import Foundation

/// A set of completion indexes written as Kubernetes writes `status.completedIndexes`:
/// ascending, consecutive runs collapsed to ranges ("0-2,4,6-7").
public struct CompletionIndexes: Sendable, Hashable {
    public private(set) var values: Set<Int>

    public init() { values = [] }
    public init<S: Sequence<Int>>(_ values: S) { self.values = Set(values) }

    /// Parses the status field; entries that are not indexes below `completions` are dropped, as
    /// the Kubernetes controller does with a status written by someone else.
    public init(parsing text: String?, completions: Int) {
        var values = Set<Int>()
        for part in (text ?? "").split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let low = bounds.first ?? nil else { continue }
            let high = bounds.count == 2 ? (bounds[1] ?? low) : low
            let top = min(high, completions - 1)
            guard low >= 0, low <= top else { continue }
            for i in low...top { values.insert(i) }
        }
        self.values = values
    }

    public var count: Int { values.count }
    public func contains(_ i: Int) -> Bool { values.contains(i) }
    public mutating func insert(_ i: Int) { values.insert(i) }

    /// "0-2,4,6,7": runs of three or more consecutive indexes as `a-b`, shorter ones listed.
    public var description: String {
        var parts: [String] = []
        var run: (Int, Int)?
        func flush(_ a: Int, _ b: Int) { parts.append(a == b ? "\(a)" : b == a + 1 ? "\(a),\(b)" : "\(a)-\(b)") }
        for i in values.sorted() {
            if let (a, b) = run, i == b + 1 { run = (a, i); continue }
            if let (a, b) = run { flush(a, b) }
            run = (i, i)
        }
        if let (a, b) = run { flush(a, b) }
        return parts.joined(separator: ",")
    }
}
