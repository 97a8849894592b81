extension CoreV1.Toleration {
    /// Kubernetes' `Toleration.ToleratesTaint`: an empty effect matches every effect, an empty
    /// key (only valid with `Exists`) every key; `Equal` (the default) also compares values.
    public func tolerates(_ taint: CoreV1.Taint) -> Bool {
        if let effect, !effect.isEmpty, effect != (taint.effect ?? "") { return false }
        if let key, !key.isEmpty, key != (taint.key ?? "") { return false }
        switch self.operator ?? "" {
        case "", "Equal": return (value ?? "") == (taint.value ?? "")
        case "Exists": return true
        default: return false
        }
    }
}

extension CoreV1.Taint {
    /// The first of `taints` with one of `effects` that none of `tolerations` tolerates
    /// (Kubernetes' `FindMatchingUntoleratedTaint`); nil when every such taint is tolerated.
    public static func firstUntolerated(_ taints: [CoreV1.Taint], by tolerations: [CoreV1.Toleration],
                                        effects: Set<String>) -> CoreV1.Taint? {
        taints.first { taint in
            effects.contains(taint.effect ?? "") && !tolerations.contains { $0.tolerates(taint) }
        }
    }
}
