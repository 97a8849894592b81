import CZlib
import Foundation

/// SPDY/3's header compression: one zlib stream per direction for the whole connection, primed
/// with the dictionary from the SPDY/3 specification (§2.6.10.1), each header block ended with a
/// sync flush. Not thread-safe: each belongs to one connection's reader or writer.
final class SPDYHeaderDeflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let size = Int32(MemoryLayout<z_stream>.size)
        guard deflateInit_(stream, Z_DEFAULT_COMPRESSION, zlibVersion(), size) == Z_OK else {
            stream.deallocate()
            throw SPDYError.compression("deflateInit failed")
        }
        let dict = SPDYHeaderDictionary.bytes
        let rc = dict.withUnsafeBufferPointer { deflateSetDictionary(stream, $0.baseAddress, UInt32($0.count)) }
        guard rc == Z_OK else { throw SPDYError.compression("deflateSetDictionary failed (\(rc))") }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// The compressed form of one header block, continuing the connection's stream.
    func compress(_ input: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(256, input.count + 64))
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(inBuf.count)
            repeat {
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    let rc = deflate(stream, Z_SYNC_FLUSH)
                    guard rc == Z_OK || rc == Z_BUF_ERROR else { throw SPDYError.compression("deflate failed (\(rc))") }
                    return outBuf.count - Int(stream.pointee.avail_out)
                }
                out += chunk[0..<produced]
            } while stream.pointee.avail_out == 0
            stream.pointee.next_in = nil
        }
        return out
    }
}

/// The reading side of SPDY header compression (see `SPDYHeaderDeflater`).
final class SPDYHeaderInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Refuses header blocks that inflate past this (a compression bomb).
    static let maxBlock = 1 << 20

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw SPDYError.compression("inflateInit failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// The header block inside one frame's compressed bytes.
    func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(inBuf.count)
            defer { stream.pointee.next_in = nil }
            while true {
                let (rc, produced): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    let rc = inflate(stream, Z_SYNC_FLUSH)
                    return (rc, outBuf.count - Int(stream.pointee.avail_out))
                }
                out += chunk[0..<produced]
                if out.count > Self.maxBlock { throw SPDYError.compression("a header block is larger than \(Self.maxBlock) bytes") }
                switch rc {
                case Z_NEED_DICT:
                    let dict = SPDYHeaderDictionary.bytes
                    let set = dict.withUnsafeBufferPointer { inflateSetDictionary(stream, $0.baseAddress, UInt32($0.count)) }
                    guard set == Z_OK else { throw SPDYError.compression("the header block was compressed with another dictionary") }
                case Z_OK:
                    if stream.pointee.avail_in == 0, stream.pointee.avail_out > 0 { return }
                case Z_BUF_ERROR:
                    // No progress possible: all input consumed.
                    return
                case Z_STREAM_END:
                    return
                default:
                    throw SPDYError.compression("inflate failed (\(rc))")
                }
            }
        }
        return out
    }
}

/// The zlib dictionary of SPDY/3 (§2.6.10.1): common header names, each with a 4-byte length,
/// then common values.
enum SPDYHeaderDictionary {
    static let bytes: [UInt8] = {
        let words = [
            "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
            "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
            "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
            "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
            "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
            "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
            "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version",
            "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
        ]
        var out: [UInt8] = []
        for w in words {
            let n = UInt32(w.utf8.count)
            out += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
            out += Array(w.utf8)
        }
        out += Array(("100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
            + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
            + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
            + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
            + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
            + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.").utf8)
        return out
    }()
}
