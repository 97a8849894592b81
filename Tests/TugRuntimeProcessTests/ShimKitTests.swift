import Foundation
import Testing
import TugRuntime
@testable import TugRuntimeProcess
import TugShimKit

@Suite("tug-shim's formats")
struct ShimKitTests {
    @Test("lines split at newlines; a line over 16 KiB becomes P parts and a final F, each a parseable CRI line")
    func splitting() throws {
        var splitter = CRILogSplitter(stream: "stdout")
        let long = [UInt8](repeating: 0x61, count: 40 * 1024)
        func lines(_ bytes: [UInt8]) -> [CRILogLine] {
            bytes.split(separator: 0x0A).compactMap { CRILogLine.parse(Array($0)) }
        }
        var parsed = lines(splitter.feed(Array("a\nb".utf8)))
        #expect(parsed.map(\.content) == [Array("a".utf8)])
        #expect(parsed.first?.stream == .stdout)
        parsed = lines(splitter.feed(Array("c\n".utf8) + long + [0x0A]))
        #expect(parsed.map(\.partial) == [false, true, true, false])
        #expect(parsed[0].content == Array("bc".utf8))
        #expect(parsed[1].content.count == 16 * 1024 && parsed[3].content.count == 8 * 1024)
        #expect(splitter.feed(Array("tail".utf8)).isEmpty)
        var stderr = CRILogSplitter(stream: "stderr")
        #expect(lines(stderr.feed(Array("x\n".utf8))).first?.stream == .stderr)
        #expect(lines(splitter.finish()).map(\.content) == [Array("tail".utf8)])
    }

    @Test("timestamps are RFC 3339 with nine fraction digits and parse back to the same instant")
    func timestamps() throws {
        let stamp = Timestamp(seconds: 1_475_712_229, nanoseconds: 669_794)
        #expect(stamp.rfc3339 == "2016-10-06T00:03:49.000669794Z")
        let now = Timestamp.now()
        let parsed = try #require(CRILogLine.parseTime(now.rfc3339))
        #expect(abs(parsed.timeIntervalSince1970 - (Double(now.seconds) + Double(now.nanoseconds) / 1e9)) < 1e-6)
    }

    @Test("makeDirectories creates every missing folder, accepts existing ones and fails under a file")
    func makeDirectories() throws {
        let root = NSTemporaryDirectory() + "shimkit-dirs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Sys.makeDirectories(root + "/a/b/c", mode: 0o700)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: root + "/a/b/c", isDirectory: &isDirectory) && isDirectory.boolValue)
        try Sys.makeDirectories(root + "/a/b/c")
        try Sys.makeDirectories(root + "/a/d")
        #expect(FileManager.default.fileExists(atPath: root + "/a/d"))
        FileManager.default.createFile(atPath: root + "/file", contents: Data())
        #expect(throws: ShimError.self) { try Sys.makeDirectories(root + "/file/x/y") }
    }

    @Test("spec files round-trip every field, including newlines and empty values")
    func specRoundTrip() throws {
        let launch = LaunchSpec(arguments: ["sh", "-c", "echo a\nb", ""], environment: ["A=1", "B=two words"], workingDirectory: "/tmp",
                                cgroupProcsFiles: ["/sys/fs/cgroup/x/cgroup.procs"], mountNamespace: .enter(pid: 42),
                                bindMounts: [BindMount(hostPath: "/h", containerPath: "/c", readOnly: true)], controllingTerminal: true,
                                identity: ProcessIdentity(uid: 1000, gid: 100, groups: [5, 6]), noNewPrivileges: true, deleteAfterReading: true)
        let decoded = try LaunchSpec(SpecFile(decoding: launch.specFile.encoded))
        #expect(decoded == launch)
        let shim = ShimSpec(launchFile: "/d/launch.spec", logPath: "/logs/c/0.log", tty: false, stdin: true,
                            stdinOnce: true, stdinFIFO: "/d/stdin", cgroupProcsFiles: [], oomEventsFile: nil)
        #expect(try ShimSpec(SpecFile(decoding: shim.specFile.encoded)) == shim)
    }

    @Test("a truncated or garbled spec file is an error, not a partial spec")
    func malformedSpec() {
        let bytes = LaunchSpec(arguments: ["true"], environment: [], workingDirectory: "/").specFile.encoded
        #expect(throws: ShimError.self) { try SpecFile(decoding: Array(bytes.dropLast(3))) }
        #expect(throws: ShimError.self) { try SpecFile(decoding: Array("arg x\ntrue\n".utf8)) }
        #expect(throws: ShimError.self) { try LaunchSpec(SpecFile(decoding: [])) }
    }

    @Test("the shim's started and exit records decode as the runtime's records, odd characters included")
    func records() throws {
        let directory = NSTemporaryDirectory() + "tug-shim-records-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let at = Timestamp(seconds: 1_700_000_000, nanoseconds: 5)
        try ShimRecords.writeStarted(pid: 123, startTicks: 456, startedAt: at, terminal: "/dev/pts/3", to: directory + "/started.json")
        try ShimRecords.writeExit(code: 137, finishedAt: at, reason: "OOMKilled", message: "quote \" slash \\ tab\t bell\u{7} é",
                                  to: directory + "/exit.json")
        let started = try #require(try StateStore.read(StartedRecord.self, from: directory + "/started.json"))
        #expect(started.pid == 123 && started.startTicks == 456 && started.terminal == "/dev/pts/3")
        #expect(abs(started.startedAt.timeIntervalSince1970 - 1_700_000_000) < 1e-6)
        let exit = try #require(try StateStore.read(ExitRecord.self, from: directory + "/exit.json"))
        #expect(exit.exitCode == 137 && exit.reason == "OOMKilled")
        #expect(exit.message == "quote \" slash \\ tab\t bell\u{7} é")
    }
}
