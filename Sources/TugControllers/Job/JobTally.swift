import Foundation
import TugAPI

/// A Job's pods sorted out for one sync: which are active or terminating, which finished since
/// the Job last counted (to be written to `uncountedTerminatedPods`), and the totals the
/// backoff limit and completions are checked against.
struct JobTally {
    var active: [CoreV1.Pod] = []
    var terminating = 0
    /// Pods still carrying the tracking finalizer (and not on their way to losing it).
    var tracked: [CoreV1.Pod] = []
    var newSucceeded: [CoreV1.Pod] = []
    var newFailed: [CoreV1.Pod] = []
    /// Finished pods that do not count (a second success for the same index): only released.
    var releaseOnly: [CoreV1.Pod] = []
    /// The message of the first failed pod a `FailJob` rule of the pod failure policy matched.
    var failJob: String?
    var uncountedSucceeded: [String]
    var uncountedFailed: [String]
    var completed: CompletionIndexes
    let indexed: Bool
    let counted: (succeeded: Int, failed: Int)
    let all: [CoreV1.Pod]

    init(job: BatchV1.Job, status: BatchV1.JobStatus, pods: [CoreV1.Pod], removing: Set<String>) {
        let spec = job.spec ?? BatchV1.JobSpec()
        all = pods
        indexed = spec.completionMode == "Indexed"
        counted = (status.succeeded ?? 0, status.failed ?? 0)
        uncountedSucceeded = status.uncountedTerminatedPods?.succeeded ?? []
        uncountedFailed = status.uncountedTerminatedPods?.failed ?? []
        completed = CompletionIndexes(parsing: status.completedIndexes, completions: spec.completions ?? 0)
        for p in pods {
            let phase = p.status?.phase ?? ""
            let terminal = phase == "Succeeded" || phase == "Failed"
            if PodState.isActive(p) { active.append(p) }
            if p.metadata.deletionTimestamp != nil && !terminal { terminating += 1 }
            let uid = p.metadata.uid ?? ""
            guard JobController.hasFinalizer(p), !removing.contains(uid) else { continue }
            tracked.append(p)
            if uncountedSucceeded.contains(uid) || uncountedFailed.contains(uid) { continue }
            if phase == "Succeeded" {
                if indexed {
                    // Only the first success of a valid index counts.
                    guard let ix = JobController.index(of: p), ix < (spec.completions ?? 0), !completed.contains(ix) else {
                        releaseOnly.append(p)
                        continue
                    }
                    completed.insert(ix)
                }
                newSucceeded.append(p)
            } else if phase == "Failed" || p.metadata.deletionTimestamp != nil {
                // A pod deleted before it finished counts as failed (podReplacementPolicy TerminatingOrFailed),
                // unless the pod failure policy says otherwise.
                switch PodFailurePolicyMatch.action(for: p, policy: spec.podFailurePolicy) {
                case .ignore:
                    releaseOnly.append(p)
                    continue
                case .failJob(let message):
                    if failJob == nil { failJob = message }
                case .count: break
                }
                newFailed.append(p)
            }
        }
    }

    var failedTotal: Int { counted.failed + uncountedFailed.count + newFailed.count }
    var succeededTotal: Int { indexed ? completed.count : counted.succeeded + uncountedSucceeded.count + newSucceeded.count }
}
