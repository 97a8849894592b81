import Foundation
import TugAPI

/// Activation times of a parsed cron schedule, as robfig/cron (which Kubernetes uses) computes
/// them: fields are matched against the wall clock of the schedule's time zone, so a time that
/// a daylight-saving jump skips does not happen that day, and one the clock passes twice
/// happens twice.
extension CronSchedule {
    /// The zone the schedule runs in: a `TZ=` prefix wins over `timeZone` (`spec.timeZone`);
    /// without either, UTC. Nil for an unknown zone name.
    public func zone(_ timeZone: String?) -> TimeZone? {
        guard let name = location ?? timeZone else { return TimeZone(identifier: "UTC") }
        return TimeZone(identifier: name)
    }

    /// The first activation strictly after `date`; nil if there is none within five years
    /// (a schedule like `0 0 30 2 *`).
    public func next(after date: Date, in zone: TimeZone) -> Date? {
        if let every {
            // robfig: whole seconds, at least one, counted from `date` rounded down to the second.
            let step = max(1, every.rounded(.down))
            return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down) + step)
        }
        guard fields.count == 5 else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        // The next whole minute (every zone in use today is offset by whole minutes).
        var t = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = cal.component(.year, from: t) + 5
        let (minutes, hours, days, months, weekdays) = (fields[0], fields[1], fields[2], fields[3], fields[4])
        let domStar = stars.count == 5 && stars[2], dowStar = stars.count == 5 && stars[4]
        while true {
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
                  let weekday = c.weekday, year <= limit else { return nil }
            if !months.contains(month) {
                let (y, m) = month == 12 ? (year + 1, 1) : (year, month + 1)
                guard let first = cal.date(from: DateComponents(year: y, month: m, day: 1)) else { return nil }
                t = cal.startOfDay(for: first)
                continue
            }
            let domMatch = days.contains(day), dowMatch = weekdays.contains(weekday - 1)
            let dayMatches = domStar || dowStar ? domMatch && dowMatch : domMatch || dowMatch
            if !dayMatches {
                guard let tomorrow = cal.date(byAdding: .day, value: 1, to: cal.startOfDay(for: t)) else { return nil }
                t = cal.startOfDay(for: tomorrow)
                continue
            }
            // Within the day, absolute steps: a repeated hour is visited twice, a skipped one never.
            let hourStart = t.addingTimeInterval(-Double(minute) * 60)
            if !hours.contains(hour) {
                t = hourStart.addingTimeInterval(3600)
                continue
            }
            if !minutes.contains(minute) {
                if let m = minutes.filter({ $0 > minute }).min() {
                    t = hourStart.addingTimeInterval(Double(m) * 60)
                } else {
                    t = hourStart.addingTimeInterval(3600)
                }
                continue
            }
            return t
        }
    }
}
