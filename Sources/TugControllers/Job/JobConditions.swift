import Foundation
import TugAPI

/// Job conditions as the Kubernetes job controller writes them.
enum JobConditions {
    /// The condition of `type` with status True, if any.
    static func find(_ job: BatchV1.Job, _ type: String) -> BatchV1.JobCondition? {
        job.status?.conditions?.first { $0.type == type && $0.status == "True" }
    }

    static func isFinished(_ job: BatchV1.Job) -> Bool { find(job, "Complete") != nil || find(job, "Failed") != nil }

    /// When the Job reached Complete or Failed (what `ttlSecondsAfterFinished` counts from).
    static func finishTime(_ job: BatchV1.Job) -> Date? {
        if let c = find(job, "Complete") { return job.status?.completionTime?.date ?? c.lastTransitionTime?.date }
        return find(job, "Failed")?.lastTransitionTime?.date
    }

    static func make(_ type: String, reason: String?, message: String?, now: Date) -> BatchV1.JobCondition {
        BatchV1.JobCondition(type: type, status: "True", lastProbeTime: Time(now), lastTransitionTime: Time(now), reason: reason, message: message)
    }

    /// Sets the condition (both times move whenever it changes); a False condition is only
    /// written over an existing one. Whether anything changed.
    @discardableResult
    static func ensure(_ list: inout [BatchV1.JobCondition], _ type: String, _ status: String, reason: String?, message: String?,
                       now: Date) -> Bool {
        var c = make(type, reason: reason, message: message, now: now)
        c.status = status
        if let i = list.firstIndex(where: { $0.type == type }) {
            guard list[i].status != status || list[i].reason != reason || list[i].message != message else { return false }
            list[i] = c
            return true
        }
        guard status != "False" else { return false }
        list.append(c)
        return true
    }
}

/// What the Job controller wrote that its informers may not show yet: pods whose tracking
/// finalizer it removed (so a stale cache cannot make a pod count twice) and the
/// resourceVersion of each Job's last status write.
actor FinalizerRemovals {
    private var inFlight: [String: Set<String>] = [:]
    private var versions: [String: Int64] = [:]

    func wrote(_ key: String, resourceVersion: String?) {
        if let rv = resourceVersion.flatMap({ Int64($0) }) { versions[key] = max(rv, versions[key] ?? 0) }
    }

    func written(_ key: String) -> Int64? { versions[key] }

    func expect(_ key: String, uid: String) { inFlight[key, default: []].insert(uid) }

    func observed(_ key: String, uid: String) {
        inFlight[key]?.remove(uid)
        if inFlight[key]?.isEmpty == true { inFlight[key] = nil }
    }

    func pending(_ key: String) -> Set<String> { inFlight[key] ?? [] }
    func forget(_ key: String) {
        inFlight[key] = nil
        versions[key] = nil
    }
}
