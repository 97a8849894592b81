import Foundation
import Testing
@testable import TugAgent

struct AtomicWriterTests {
    @Test func firstWriteLaysOutDataDirAndVisibleLinks() throws {
        let tmp = try TempDirectory()
        let writer = AtomicWriter(targetDirectory: tmp.path)
        let wrote = try writer.write(["a": FileProjection("one", mode: 0o644), "dir/b": FileProjection("two", mode: 0o600)])
        #expect(wrote)
        let ts = try #require(Files.link(tmp.sub("..data")))
        #expect(ts.range(of: #"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$"#, options: .regularExpression) != nil)
        #expect(Files.link(tmp.sub("a")) == "..data/a")
        #expect(Files.link(tmp.sub("dir")) == "..data/dir")
        #expect(Files.read(tmp.sub("a")) == "one")
        #expect(Files.read(tmp.sub("dir/b")) == "two")
        #expect(Files.mode(tmp.sub(ts + "/a")) == 0o644)
        #expect(Files.mode(tmp.sub(ts + "/dir/b")) == 0o600)
        #expect(Files.mode(tmp.sub(ts)) == 0o755)
        #expect(Files.list(tmp.path) == [ts, "..data", "a", "dir"].sorted())
    }

    @Test func updateSwapsDataAndRemovesDroppedEntries() throws {
        let tmp = try TempDirectory()
        let writer = AtomicWriter(targetDirectory: tmp.path)
        try writer.write(["keep": FileProjection("same", mode: 0o644), "change": FileProjection("old", mode: 0o644),
                          "drop": FileProjection("bye", mode: 0o644)])
        let before = try #require(Files.link(tmp.sub("..data")))
        let keepLinkBefore = Files.link(tmp.sub("keep"))

        let wrote = try writer.write(["keep": FileProjection("same", mode: 0o644), "change": FileProjection("new", mode: 0o644),
                                      "added": FileProjection("hi", mode: 0o640)])
        #expect(wrote)
        let after = try #require(Files.link(tmp.sub("..data")))
        #expect(after != before)
        #expect(!FileManager.default.fileExists(atPath: tmp.sub(before)))
        #expect(Files.read(tmp.sub("change")) == "new")
        #expect(Files.read(tmp.sub("keep")) == "same")
        #expect(Files.link(tmp.sub("keep")) == keepLinkBefore)
        #expect(Files.read(tmp.sub("added")) == "hi")
        #expect(Files.isSymlink(tmp.sub("added")))
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("drop")) && !Files.isSymlink(tmp.sub("drop")))
        #expect(Files.list(tmp.path) == [after, "..data", "added", "change", "keep"].sorted())
    }

    @Test func unchangedPayloadTouchesNothing() throws {
        let tmp = try TempDirectory()
        let writer = AtomicWriter(targetDirectory: tmp.path)
        let payload = ["x": FileProjection("1", mode: 0o644)]
        try writer.write(payload)
        let ts = Files.link(tmp.sub("..data"))
        #expect(try writer.write(payload) == false)
        #expect(Files.link(tmp.sub("..data")) == ts)
        // A mode change alone is a change.
        #expect(try writer.write(["x": FileProjection("1", mode: 0o400)]))
        #expect(Files.mode(tmp.sub("..data/x")) == 0o400)
    }

    @Test func invalidPathsAreRefusedWithTheKubeletsMessages() throws {
        let tmp = try TempDirectory()
        let writer = AtomicWriter(targetDirectory: tmp.path)
        #expect(throws: VolumePathError("invalid path: must be relative path: /etc/passwd")) { try writer.write(["/etc/passwd": FileProjection("", mode: 0o644)]) }
        #expect(throws: VolumePathError("invalid path: must not contain '..': a/../../b")) { try writer.write(["a/../../b": FileProjection("", mode: 0o644)]) }
        #expect(throws: VolumePathError("invalid path: must not start with '..': ..data2")) { try writer.write(["..data2": FileProjection("", mode: 0o644)]) }
        #expect(throws: VolumePathError("invalid path: must not be empty: \"\"")) { try writer.write(["": FileProjection("", mode: 0o644)]) }
        #expect(Files.list(tmp.path).isEmpty)
    }
}
