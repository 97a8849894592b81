import Foundation
import TugAPI

/// Which scheduled time is due, Job names and the Job made from a CronJob's template.
extension CronJobController {
    /// The latest scheduled time not after `now` that the CronJob has not run yet (from its last
    /// run, or creation, and no earlier than `startingDeadlineSeconds` ago), and roughly how many
    /// were missed.
    static func mostRecent(_ cj: BatchV1.CronJob, now: Date, schedule: CronSchedule, zone: TimeZone) -> (Date?, Int) {
        var earliest = cj.status?.lastScheduleTime?.date ?? cj.metadata.creationTimestamp?.date ?? now
        if let deadline = cj.spec?.startingDeadlineSeconds { earliest = max(earliest, now.addingTimeInterval(-TimeInterval(deadline))) }
        guard let first = schedule.next(after: earliest, in: zone), first <= now else { return (nil, 0) }
        var last = first, count = 1
        while count <= missedLimit, let t = schedule.next(after: last, in: zone), t <= now {
            last = t
            count += 1
        }
        guard count > missedLimit, let second = schedule.next(after: first, in: zone) else { return (last, count) }
        // Many missed: estimate how many from the interval, and find the latest by searching back from now.
        let interval = max(1, second.timeIntervalSince(first))
        let missed = Int(now.timeIntervalSince(first) / interval) + 1
        var back = interval
        var start = now.addingTimeInterval(-back)
        while schedule.next(after: start, in: zone).map({ $0 > now }) ?? true, start > first {
            back *= 2
            start = max(first, now.addingTimeInterval(-back))
        }
        last = first
        var t = start
        while let n = schedule.next(after: t, in: zone), n <= now {
            last = n
            t = n
        }
        return (last, missed)
    }

    /// Until the next scheduled time after `now` (plus a little, to be past it), capped so a far
    /// or missing next time still gets looked at again.
    static func untilNext(_ schedule: CronSchedule, zone: TimeZone, now: Date) -> Duration? {
        guard let next = schedule.next(after: now, in: zone) else { return nil }
        let seconds = next.timeIntervalSince(now) + 0.1
        return .milliseconds(Int64(min(seconds, 86_400 * 7) * 1000))
    }

    /// `<cronjob>-<scheduled time in minutes since the epoch>`, as Kubernetes names them.
    static func jobName(_ cj: BatchV1.CronJob, _ scheduled: Date) -> String {
        "\(cj.metadata.name ?? "")-\(Int64((scheduled.timeIntervalSince1970 / 60).rounded(.down)))"
    }

    static func job(_ cj: BatchV1.CronJob, name: String, scheduled: Date, zone: TimeZone) -> BatchV1.Job {
        let template = cj.spec?.jobTemplate ?? BatchV1.JobTemplateSpec(metadata: MetaV1.ObjectMeta())
        var job = BatchV1.Job(metadata: MetaV1.ObjectMeta())
        job.metadata.name = name
        job.metadata.namespace = cj.metadata.namespace
        job.metadata.labels = template.metadata.labels
        job.metadata.annotations = (template.metadata.annotations ?? [:]).merging([scheduledTimestamp: rfc3339(scheduled, zone: zone)]) { $1 }
        job.metadata.ownerReferences = [OwnerRefs.controllerRef(to: cj)]
        job.spec = template.spec
        return job
    }

    static func reference(_ job: BatchV1.Job) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(kind: "Job", namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid,
                               apiVersion: "batch/v1", resourceVersion: job.metadata.resourceVersion)
    }

    /// Go's RFC 3339 in the schedule's zone: `2026-03-08T03:00:00-07:00`, or `…Z` in UTC.
    static func rfc3339(_ date: Date, zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let local = RFC3339.format(date.addingTimeInterval(TimeInterval(offset)), fractionDigits: 0)
        guard offset != 0 else { return local }
        let a = abs(offset)
        return String(local.dropLast()) + (offset < 0 ? "-" : "+") + pad(a / 3600) + ":" + pad((a % 3600) / 60)
    }

    /// Go's RFC 1123 with numeric zone, in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
    static func rfc1123z(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[(c.weekday ?? 1) - 1]), \(pad(c.day ?? 1)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(pad(c.hour ?? 0)):\(pad(c.minute ?? 0)):\(pad(c.second ?? 0)) +0000"
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
