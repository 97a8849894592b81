import Foundation
import TugAPI

/// Kubernetes' `podFailurePolicy`: the first rule matching a failed pod decides what its
/// failure means — `FailJob` fails the Job at once, `Ignore` does not count it against the
/// backoff limit, `Count` (and `FailIndex`, which needs per-index backoff) counts it as usual.
enum PodFailurePolicyMatch {
    enum Action: Equatable {
        case failJob(message: String)
        case ignore
        case count
    }

    static func action(for pod: CoreV1.Pod, policy: BatchV1.PodFailurePolicy?) -> Action {
        guard let rules = policy?.rules else { return .count }
        let podName = "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
        for (i, rule) in rules.enumerated() {
            var why: String?
            if let req = rule.onExitCodes, let container = failedContainer(pod, req) {
                why = "Container \(container.name) for pod \(podName) failed with exit code \(container.code) matching \(rule.action ?? "") rule at index \(i)"
            } else if let patterns = rule.onPodConditions, let type = matchingCondition(pod, patterns) {
                why = "Pod \(podName) has condition \(type) matching \(rule.action ?? "") rule at index \(i)"
            }
            guard let why else { continue }
            switch rule.action {
            case "FailJob": return .failJob(message: why)
            case "Ignore": return .ignore
            default: return .count
            }
        }
        return .count
    }

    /// The first container (init containers, then the others) that ended with a non-zero exit
    /// code the requirement matches; exit code 0 never matches, as in Kubernetes.
    static func failedContainer(_ pod: CoreV1.Pod, _ req: BatchV1.PodFailurePolicyOnExitCodesRequirement) -> (name: String, code: Int)? {
        let values = Set(req.values ?? [])
        for status in (pod.status?.initContainerStatuses ?? []) + (pod.status?.containerStatuses ?? []) {
            guard let code = status.state?.terminated?.exitCode, code != 0 else { continue }
            if let name = req.containerName, !name.isEmpty, name != status.name { continue }
            let inValues = values.contains(code)
            if req.operator == "NotIn" ? !inValues : inValues { return (status.name ?? "", code) }
        }
        return nil
    }

    /// The type of the first pod condition a pattern matches (status defaults to True).
    static func matchingCondition(_ pod: CoreV1.Pod, _ patterns: [BatchV1.PodFailurePolicyOnPodConditionsPattern]) -> String? {
        for pattern in patterns {
            let want = pattern.status ?? "True"
            if let c = pod.status?.conditions?.first(where: { $0.type == pattern.type && $0.status == want }) { return c.type }
        }
        return nil
    }
}
