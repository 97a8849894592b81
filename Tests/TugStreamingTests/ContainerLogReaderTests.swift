import Foundation
import Testing
import TugRuntime
@testable import TugAgent

/// Collects what a reader writes (the reader's sink is called from one task).
actor Collected {
    var bytes: [UInt8] = []
    func add(_ b: [UInt8]) { bytes += b }
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

@Suite struct ContainerLogReaderTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tug-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    static func line(_ second: Int, _ stream: CRILogLine.Stream, _ text: String, partial: Bool = false) -> [UInt8] {
        CRILogLine(time: Date(timeIntervalSince1970: 1_700_000_000 + Double(second)),
                   timestamp: "2023-11-14T22:13:\(String(format: "%02d", 20 + second)).000000001Z", stream: stream,
                   partial: partial, content: Array(text.utf8)).encoded
    }

    /// A log of five lines, one of them split in two partial pieces, stdout and stderr mixed.
    func writeLog(_ name: String = "0.log") throws -> String {
        let path = dir.appendingPathComponent(name).path
        var bytes: [UInt8] = []
        bytes += Self.line(0, .stdout, "one")
        bytes += Self.line(1, .stderr, "two")
        bytes += Self.line(2, .stdout, "thr", partial: true)
        bytes += Self.line(3, .stdout, "ee")
        bytes += Self.line(4, .stdout, "four")
        bytes += Self.line(5, .stderr, "five")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ path: String, _ options: ContainerLogOptions) async throws -> String {
        let out = Collected()
        try await ContainerLogReader(options: options).read(path: path, isRunning: { false }, write: { await out.add($0) })
        return await out.text
    }

    @Test func wholeLogJoinsPartialLines() async throws {
        let path = try writeLog()
        #expect(try await read(path, .init()) == "one\ntwo\nthree\nfour\nfive\n")
    }

    @Test func tailCountsWholeLinesOfTheChosenStreams() async throws {
        let path = try writeLog()
        #expect(try await read(path, .init(tailLines: 3)) == "three\nfour\nfive\n")
        #expect(try await read(path, .init(tailLines: 0)) == "")
        #expect(try await read(path, .init(tailLines: 50)) == "one\ntwo\nthree\nfour\nfive\n")
        #expect(try await read(path, .init(tailLines: 2, streams: .stdout)) == "three\nfour\n")
    }

    @Test func timestampsPrefixEachLineOnce() async throws {
        let path = try writeLog()
        let text = try await read(path, .init(tailLines: 2, timestamps: true))
        #expect(text == "2023-11-14T22:13:24.000000001Z four\n2023-11-14T22:13:25.000000001Z five\n")
        let joined = try await read(path, .init(timestamps: true, streams: .stdout))
        #expect(joined.contains("2023-11-14T22:13:22.000000001Z three\n"))
    }

    @Test func sinceStreamAndLimitBytesFilter() async throws {
        let path = try writeLog()
        #expect(try await read(path, .init(since: Date(timeIntervalSince1970: 1_700_000_003.5))) == "four\nfive\n")
        #expect(try await read(path, .init(streams: .stderr)) == "two\nfive\n")
        #expect(try await read(path, .init(limitBytes: 6)) == "one\ntw")
    }

    @Test func optionsParseKubectlsQueryAndRefuseBadValues() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        let o = try ContainerLogOptions(query: ["follow": "true", "tailLines": "10", "timestamps": "1", "sinceSeconds": "60", "limitBytes": "5"], now: now)
        #expect(o == ContainerLogOptions(follow: true, tailLines: 10, since: Date(timeIntervalSince1970: 1_700_000_040), timestamps: true, limitBytes: 5))
        #expect(try ContainerLogOptions(query: ["sinceTime": "2023-11-14T22:13:20Z"]).since == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(throws: (any Error).self) { try ContainerLogOptions(query: ["tailLines": "-1"]) }
        #expect(throws: (any Error).self) { try ContainerLogOptions(query: ["tailLines": "x"]) }
        #expect(throws: (any Error).self) { try ContainerLogOptions(query: ["sinceSeconds": "5", "sinceTime": "2023-11-14T22:13:20Z"]) }
        #expect(throws: (any Error).self) { try ContainerLogOptions(query: ["stream": "Both"]) }
    }

    @Test func followReadsGrowthAndRotationUntilTheContainerStops() async throws {
        let path = try writeLog()
        let out = Collected()
        let states = ContainerStates()
        var reader = ContainerLogReader(options: .init(follow: true, tailLines: 1))
        reader.pollInterval = .milliseconds(20)
        let r = reader
        let task = Task {
            try await r.read(path: path, isRunning: { await states.running("app") }, write: { await out.add($0) })
        }
        try await waitFor { await out.text == "five\n" }
        // The file grows.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Self.line(6, .stdout, "six")))
        try handle.close()
        try await waitFor { await out.text == "five\nsix\n" }
        // The runtime rotates it: the old file is renamed, a new one starts.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try Data(Self.line(7, .stdout, "seven")).write(to: URL(fileURLWithPath: path))
        try await waitFor { await out.text == "five\nsix\nseven\n" }
        // The container stops after a last line: the reader prints it and ends.
        let last = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try last.seekToEnd()
        try last.write(contentsOf: Data(Self.line(8, .stdout, "eight")))
        try last.close()
        await states.stop("app")
        try await task.value
        #expect(await out.text == "five\nsix\nseven\neight\n")
    }
}

/// Polls `condition` every 20 ms for up to 10 s.
func waitFor(_ what: String = #function, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting (\(what))")
    throw CancellationError()
}
