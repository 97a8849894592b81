import Foundation
import Testing
import TugAPI
@testable import TugControllers

@Suite struct CronScheduleTests {
    let utc = TimeZone(identifier: "UTC")!

    func date(_ text: String) -> Date { RFC3339.parse(text)! }

    func next(_ spec: String, after: String, zone: String? = nil) throws -> String? {
        let s = try CronSchedule(parsing: spec)
        let tz = s.zone(zone)!
        return s.next(after: date(after), in: tz).map { RFC3339.format($0, fractionDigits: 0) }
    }

    @Test func fieldsRangesStepsListsAndNames() throws {
        #expect(try next("*/15 * * * *", after: "2026-01-05T10:07:30Z") == "2026-01-05T10:15:00Z")
        #expect(try next("*/15 * * * *", after: "2026-01-05T10:15:00Z") == "2026-01-05T10:30:00Z", "strictly after")
        #expect(try next("5,10-20/5 * * * *", after: "2026-01-05T10:11:00Z") == "2026-01-05T10:15:00Z")
        #expect(try next("5,10-20/5 * * * *", after: "2026-01-05T10:20:00Z") == "2026-01-05T11:05:00Z")
        // 2026-01-10 is a Saturday.
        #expect(try next("0 9 * * MON-FRI", after: "2026-01-10T08:00:00Z") == "2026-01-12T09:00:00Z")
        #expect(try next("0 0 1 jan,Jul *", after: "2026-02-01T00:00:00Z") == "2026-07-01T00:00:00Z")
        #expect(try next("0 0 31 * *", after: "2026-01-31T00:00:00Z") == "2026-03-31T00:00:00Z", "months without a 31st are skipped")
        #expect(try next("30 23 * 12 *", after: "2026-12-31T23:30:00Z") == "2027-12-01T23:30:00Z", "over the year end")
        #expect(try next("0 0 30 2 *", after: "2026-01-01T00:00:00Z") == nil, "February 30th never comes")
    }

    @Test func dayOfMonthAndDayOfWeek() throws {
        // Both restricted: either matches (cron's OR). 2026-01-05 is a Monday.
        #expect(try next("0 0 15 * MON", after: "2026-01-01T00:00:00Z") == "2026-01-05T00:00:00Z")
        #expect(try next("0 0 1 * MON", after: "2026-01-05T00:00:00Z") == "2026-01-12T00:00:00Z")
        // One is a star: both must match (AND), the star matching every day.
        #expect(try next("0 0 * * SUN", after: "2026-01-05T00:00:00Z") == "2026-01-11T00:00:00Z")
        #expect(try next("0 0 13 * ?", after: "2026-01-05T00:00:00Z") == "2026-01-13T00:00:00Z")
        // `*/2` is not a star: OR again (odd days, or Mondays).
        #expect(try next("0 0 */2 * 1", after: "2026-01-03T12:00:00Z") == "2026-01-05T00:00:00Z")
    }

    @Test func descriptors() throws {
        let from = "2026-05-14T10:20:00Z"    // a Thursday
        #expect(try next("@hourly", after: from) == "2026-05-14T11:00:00Z")
        #expect(try next("@daily", after: from) == "2026-05-15T00:00:00Z")
        #expect(try next("@midnight", after: from) == "2026-05-15T00:00:00Z")
        #expect(try next("@weekly", after: from) == "2026-05-17T00:00:00Z")
        #expect(try next("@monthly", after: from) == "2026-06-01T00:00:00Z")
        #expect(try next("@yearly", after: from) == "2027-01-01T00:00:00Z")
        #expect(try next("@annually", after: from) == "2027-01-01T00:00:00Z")
        #expect(try next("@every 90s", after: "2026-05-14T10:20:00Z") == "2026-05-14T10:21:30Z")
    }

    @Test func timeZonesAndDaylightSaving() throws {
        #expect(try next("0 9 * * *", after: "2026-01-05T00:30:00Z", zone: "Asia/Tokyo") == "2026-01-06T00:00:00Z")
        #expect(try next("TZ=Asia/Tokyo 0 9 * * *", after: "2026-01-05T00:30:00Z", zone: nil) == "2026-01-06T00:00:00Z")
        // New York springs forward on 2026-03-08 at 02:00 EST: 02:30 does not exist that day.
        #expect(try next("30 2 * * *", after: "2026-03-08T05:00:00Z", zone: "America/New_York") == "2026-03-09T06:30:00Z")
        // Hourly skips the missing hour: 01:00 EST is followed by 03:00 EDT.
        #expect(try next("0 * * * *", after: "2026-03-08T06:00:00Z", zone: "America/New_York") == "2026-03-08T07:00:00Z")
        // It falls back on 2026-11-01 at 02:00 EDT: 01:30 happens twice, once in each offset.
        #expect(try next("30 1 * * *", after: "2026-11-01T04:00:00Z", zone: "America/New_York") == "2026-11-01T05:30:00Z")
        #expect(try next("30 1 * * *", after: "2026-11-01T05:30:00Z", zone: "America/New_York") == "2026-11-01T06:30:00Z")
        #expect(try next("30 1 * * *", after: "2026-11-01T06:30:00Z", zone: "America/New_York") == "2026-11-02T06:30:00Z")
        // A daily 9:00 job keeps its wall-clock time across the change.
        #expect(try next("0 9 * * *", after: "2026-03-07T15:00:00Z", zone: "Europe/Berlin") == "2026-03-08T08:00:00Z")
        #expect(try next("0 9 * * *", after: "2026-03-29T06:00:00Z", zone: "Europe/Berlin") == "2026-03-29T07:00:00Z")
    }

    @Test func invalidSpecsSayWhatIsWrong() {
        func message(_ spec: String) -> String? {
            do { _ = try CronSchedule(parsing: spec); return nil } catch { return error.message }
        }
        #expect(message("* * * *") == "expected exactly 5 fields, found 4: [* * * *]")
        #expect(message("60 * * * *") == "end of range (60) above maximum (59): 60")
        #expect(message("* * * * 7") == "end of range (7) above maximum (6): 7")
        #expect(message("5-1 * * * *") == "beginning of range (5) beyond end of range (1): 5-1")
        #expect(message("*/0 * * * *") == "step of range should be a positive number: */0")
        #expect(message("@fortnightly") == "unrecognized descriptor: @fortnightly")
        #expect(message("TZ=Mars/Olympus 0 * * * *") == "provided bad location Mars/Olympus: unknown time zone Mars/Olympus")
        #expect(message("0 0 1 foo *") == "failed to parse int from foo: strconv.Atoi: parsing \"foo\": invalid syntax")
        #expect(message("") == "empty spec string")
    }

    @Test func cronJobTimesAndNames() throws {
        var cj = BatchV1.CronJob(metadata: MetaV1.ObjectMeta())
        cj.metadata.name = "backup"
        cj.metadata.creationTimestamp = Time(date("2026-01-05T10:00:30Z"))
        cj.spec = BatchV1.CronJobSpec(schedule: "*/5 * * * *")
        let s = try CronSchedule(parsing: "*/5 * * * *")
        let (none, _) = CronJobController.mostRecent(cj, now: date("2026-01-05T10:04:00Z"), schedule: s, zone: utc)
        #expect(none == nil)
        let (due, missed) = CronJobController.mostRecent(cj, now: date("2026-01-05T10:17:00Z"), schedule: s, zone: utc)
        #expect(due == date("2026-01-05T10:15:00Z") && missed == 3)
        #expect(CronJobController.jobName(cj, due!) == "backup-29460135")
        // Days of missed 5-minute runs: reported as many, the latest still found.
        let (late, many) = CronJobController.mostRecent(cj, now: date("2026-01-09T10:17:00Z"), schedule: s, zone: utc)
        #expect(late == date("2026-01-09T10:15:00Z") && many > 100)
        cj.spec?.startingDeadlineSeconds = 200
        let (bounded, few) = CronJobController.mostRecent(cj, now: date("2026-01-09T10:17:00Z"), schedule: s, zone: utc)
        #expect(bounded == date("2026-01-09T10:15:00Z") && few == 1)
        #expect(CronJobController.rfc3339(date("2026-03-08T08:00:00Z"), zone: TimeZone(identifier: "America/New_York")!) == "2026-03-08T04:00:00-04:00")
        #expect(CronJobController.rfc1123z(date("2026-01-05T10:15:00Z")) == "Mon, 05 Jan 2026 10:15:00 +0000")
    }

    @Test func completionIndexes() {
        #expect(CompletionIndexes([0, 1, 2, 4]).description == "0-2,4")
        #expect(CompletionIndexes([1, 2, 5, 7, 8, 9]).description == "1,2,5,7-9")
        #expect(CompletionIndexes([]).description == "")
        #expect(CompletionIndexes(parsing: "0-2,4,9", completions: 5).values == [0, 1, 2, 4])
    }
}
