import Foundation
import Testing
@testable import TugAPIServer

@Suite struct SPDYFrameTests {
    /// Two SYN_STREAMs as kubectl sends them for one port-forward connection (error stream,
    /// then data stream), their headers compressed by reference zlib (level 9) with SPDY/3's
    /// dictionary in one shared stream.
    static let kubectlPair: [UInt8] = [
        0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3d, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0xf9,
        0xe3, 0xc6, 0xa7, 0xc2, 0x02, 0x25, 0x3a, 0x70, 0x3a, 0x2b, 0x29, 0x4a, 0x4d, 0xcc, 0x85, 0x16, 0x25, 0xac, 0xa9, 0xa0,
        0x80, 0x86, 0x14, 0xcb, 0x45, 0xe0, 0x1c, 0x60, 0x61, 0x60, 0x61, 0x00, 0xa4, 0x39, 0x8b, 0x20, 0xd1, 0x98, 0x09, 0x4a,
        0xde, 0x8c, 0x06, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
        0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc2, 0xaa, 0x19, 0x54, 0x0e, 0x25, 0x12, 0xd6, 0x0b, 0x00, 0x00, 0x00, 0xff,
        0xff,
    ]

    @Test func decodesKubectlsCompressedSynStreams() throws {
        var reader = try SPDYFrameReader()
        // Arrives in arbitrary pieces, as WebSocket messages cut it.
        reader.append(Self.kubectlPair[0..<7])
        #expect(try reader.next() == nil)
        reader.append(Self.kubectlPair[7..<80])
        let first = try reader.next()
        #expect(first == .synStream(streamID: 1, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
                                    headers: ["streamtype": "error", "port": "8080", "requestid": "0"]))
        #expect(try reader.next() == nil)
        reader.append(Self.kubectlPair[80...])
        let second = try reader.next()
        #expect(second == .synStream(streamID: 3, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
                                     headers: ["streamtype": "data", "port": "8080", "requestid": "0"]))
    }

    @Test func fixedFramesHaveSPDYsWireFormat() throws {
        let writer = try SPDYFrameWriter()
        #expect(try writer.encode(.ping(id: 1)) == [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01])
        #expect(try writer.encode(.rstStream(streamID: 5, status: .cancel))
            == [0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x05])
        #expect(try writer.encode(.data(streamID: 3, fin: true, payload: [0x68, 0x69]))
            == [0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x02, 0x68, 0x69])
        #expect(try writer.encode(.windowUpdate(streamID: 3, delta: 65536))
            == [0x80, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00])
        #expect(try writer.encode(.goAway(lastGoodStreamID: 7, status: 0))
            == [0x80, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00])
        #expect(try writer.encode(.settings(clearSettings: false, entries: [.init(flags: 0, id: 7, value: 65536)]))
            == [0x80, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00])
    }

    @Test func everyFrameRoundTripsThroughOneCompressionContext() throws {
        let writer = try SPDYFrameWriter()
        var reader = try SPDYFrameReader()
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, associatedTo: 0, priority: 3, fin: false, unidirectional: false, headers: ["streamtype": "error", "port": "80"]),
            .synReply(streamID: 1, fin: false, headers: SPDYHeaders()),
            .synStream(streamID: 3, associatedTo: 0, priority: 0, fin: true, unidirectional: true, headers: ["streamtype": "data", "port": "80"]),
            .headers(streamID: 3, fin: false, headers: ["x-multi": "a\u{0}b"]),
            .data(streamID: 3, fin: false, payload: Array(repeating: 7, count: 70_000)),
            .rstStream(streamID: 3, status: .protocolError),
            .settings(clearSettings: true, entries: [.init(flags: 1, id: 4, value: 100)]),
            .ping(id: 2), .goAway(lastGoodStreamID: 3, status: 1), .windowUpdate(streamID: 1, delta: 5),
        ]
        for f in frames { reader.append(try writer.encode(f)) }
        var decoded: [SPDYFrame] = []
        while let f = try reader.next() { decoded.append(f) }
        #expect(decoded == frames)
    }

    @Test func headerCompressionUsesTheSPDYDictionary() throws {
        #expect(SPDYHeaderDictionary.bytes.count == 1423)
        // The dictionary's first entry is "options" with its length.
        #expect(Array(SPDYHeaderDictionary.bytes.prefix(11)) == [0, 0, 0, 7] + Array("options".utf8))
        let compressed = try SPDYHeaderDeflater().compress(SPDYFrameWriter.headerBlock(["content-type": "text/plain"]))
        // zlib header with FDICT set, then the dictionary's Adler-32 (what Go's zlib checks).
        #expect(compressed[1] & 0x20 != 0)
        let inflated = try SPDYHeaderInflater().decompress(compressed)
        #expect(inflated == SPDYFrameWriter.headerBlock(["content-type": "text/plain"]))
    }

    @Test func badInputIsRefusedWithAReason() throws {
        var reader = try SPDYFrameReader()
        reader.append([0x80, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1])
        #expect(throws: SPDYError.unsupportedVersion(2)) { try reader.next() }
        var short = try SPDYFrameReader()
        short.append([0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0, 1])
        #expect(throws: SPDYError.self) { try short.next() }
    }
}
