import Foundation
import Testing
@testable import TugRuntimeProcess

@Suite("/proc parsing")
struct ProcFSTests {
    func parse(_ line: String) -> ProcFS.Stat? {
        Array(line.utf8).withUnsafeBufferPointer { ProcFS.parseStat($0) }
    }

    @Test("fields count from the last ')', so a command name with spaces and parentheses is skipped")
    func commandNamesWithParentheses() throws {
        let line = "1234 (my (odd) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 7 0 0 20 0 1 0 98765 1234567 321 18446744073709551615\n"
        let stat = try #require(parse(line))
        #expect(stat.state == "S")
        #expect(stat.processGroup == 1234)
        #expect(stat.userTicks == 5)
        #expect(stat.systemTicks == 7)
        #expect(stat.startTicks == 98765)
        #expect(stat.residentPages == 321)
    }

    @Test("a truncated or foreign line is nil")
    func truncated() {
        #expect(parse("1234 (sh) S 1 1234 1234 0") == nil)
        #expect(parse("no parenthesis here") == nil)
        #expect(parse("") == nil)
    }

    @Test("this process reads as alive with its own start time, and a wrong start time as another process")
    func ownProcess() throws {
        let me = getpid()
        let stat = try #require(ProcFS.stat(me))
        #expect(stat.state == "R" || stat.state == "S")
        #expect(ProcFS.isAlive(pid: me, startTicks: stat.startTicks))
        #expect(!ProcFS.isAlive(pid: me, startTicks: stat.startTicks + 1))
        #expect(ProcFS.stat(0) == nil)
    }
}
