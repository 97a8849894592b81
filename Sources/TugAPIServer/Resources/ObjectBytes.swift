import Foundation
import TugAPI

/// Stored objects are JSON without `metadata.resourceVersion` (the store's revision is the
/// resourceVersion, as in kine/etcd); it is spliced in on the way out, so reads never re-encode.
enum ObjectBytes {
    /// Inserts `"resourceVersion":"<rv>"` as the first member of the top-level `metadata` object.
    static func withResourceVersion(_ bytes: [UInt8], _ rv: Int64) -> [UInt8] {
        guard let at = metadataBodyOffset(bytes) else { return bytes }
        var field = Array("\"resourceVersion\":\"\(rv)\"".utf8)
        if at < bytes.count, bytes[at] != UInt8(ascii: "}") { field.append(UInt8(ascii: ",")) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + field.count)
        out.append(contentsOf: bytes[0..<at])
        out.append(contentsOf: field)
        out.append(contentsOf: bytes[at...])
        return out
    }

    /// Offset just past the `{` that opens the top-level `metadata` value, scanning strings and depth.
    static func metadataBodyOffset(_ b: [UInt8]) -> Int? {
        let key = Array("metadata".utf8)
        var i = 0, depth = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                let start = i + 1
                var j = start
                while j < n, b[j] != UInt8(ascii: "\"") { j += b[j] == UInt8(ascii: "\\") ? 2 : 1 }
                if depth == 1, j - start == key.count, Array(b[start..<j]) == key {
                    var k = j + 1
                    while k < n, b[k] == UInt8(ascii: " ") || b[k] == UInt8(ascii: ":") { k += 1 }
                    if k < n, b[k] == UInt8(ascii: "{") { return k + 1 }
                }
                i = j + 1
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1 }
            i += 1
        }
        return nil
    }
}
