import Foundation
import Testing
@testable import TugRuntime

/// The CRI log format every runtime writes and `kubectl logs` reads back.
struct CRILogLineTests {
    @Test func encodesAndParsesBack() throws {
        let time = Date(timeIntervalSince1970: 1_475_713_029.669794)
        let line = CRILogLine(time: time, stream: .stderr, partial: false, content: Array("hello world".utf8))
        let text = String(decoding: line.encoded, as: UTF8.self)
        #expect(text.hasPrefix("2016-10-06T00:17:09.669794"))
        #expect(text.hasSuffix("Z stderr F hello world\n"))
        let parsed = try #require(CRILogLine.parse(line.encoded.dropLast()))
        #expect(parsed.stream == .stderr)
        #expect(!parsed.partial)
        #expect(parsed.content == Array("hello world".utf8))
        #expect(abs(parsed.time.timeIntervalSince(time)) < 1e-6)
        #expect(parsed.timestamp == line.timestamp)
    }

    @Test func parsesKubeletSamplesIncludingPartialAndEmptyLines() throws {
        let p = try #require(CRILogLine.parse(Array("2016-10-06T00:17:09.669794202Z stdout P part".utf8)))
        #expect(p.partial && p.stream == .stdout && p.content == Array("part".utf8))
        let e = try #require(CRILogLine.parse(Array("2016-10-06T00:17:09.669794202Z stdout F ".utf8)))
        #expect(e.content.isEmpty)
        #expect(CRILogLine.parseTime("2016-10-06T00:17:09Z") == Date(timeIntervalSince1970: 1_475_713_029))
        #expect(CRILogLine.parseTime("2016-10-06T02:17:09+02:00") == Date(timeIntervalSince1970: 1_475_713_029))
    }

    @Test func rejectsLinesNotInTheFormat() {
        for bad in ["", "hello", "2016-10-06T00:17:09Z stdin F x", "2016-10-06T00:17:09Z stdout X x", "notatime stdout F x"] {
            #expect(CRILogLine.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
