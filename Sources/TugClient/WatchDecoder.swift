import Foundation
import TugAPI

/// One event of a watch.
public enum WatchEvent<T: APIObject>: Sendable {
    case added(T)
    case modified(T)
    case deleted(T)
    /// The server is current up to this resourceVersion.
    case bookmark(String)
}

/// Newline-delimited JSON watch events → typed events. An ERROR event ends the stream with
/// the `Status` it carries.
public enum WatchDecoder {
    /// The events of whole JSON lines (blank lines skipped).
    public static func decodeLines<T: APIObject>(_ type: T.Type, _ bytes: [UInt8]) throws -> [WatchEvent<T>] {
        var out: [WatchEvent<T>] = []
        for line in bytes.split(separator: 10) where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            out.append(try decode(T.self, Array(line)))
        }
        return out
    }

    static func events<T: APIObject>(_ type: T.Type, from chunks: AsyncThrowingStream<[UInt8], any Error>) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        AsyncThrowingStream { cont in
            let task = Task {
                var pending: [UInt8] = []
                do {
                    for try await chunk in chunks {
                        pending += chunk
                        var start = 0
                        while let nl = pending[start...].firstIndex(of: 10) {
                            let line = Array(pending[start..<nl])
                            start = nl + 1
                            if line.allSatisfy({ $0 == 32 || $0 == 13 }) { continue }
                            cont.yield(try decode(T.self, line))
                        }
                        pending.removeFirst(start)
                    }
                    cont.finish()
                } catch {
                    cont.finish(throwing: error)
                }
            }
            cont.onTermination = { _ in task.cancel() }
        }
    }

    struct TypedEvent<T: APIObject>: Decodable {
        var type: String
        var object: T
    }

    static func decode<T: APIObject>(_ type: T.Type, _ line: [UInt8]) throws -> WatchEvent<T> {
        // Objects decode straight from the line; only bookmarks and errors need a look at the tree.
        if line.starts(with: Array(#"{"type":"ADDED""#.utf8)) || line.starts(with: Array(#"{"type":"MODIFIED""#.utf8))
            || line.starts(with: Array(#"{"type":"DELETED""#.utf8)) {
            let e = try APICoding.decode(TypedEvent<T>.self, from: Data(line))
            switch e.type {
            case "ADDED": return .added(e.object)
            case "MODIFIED": return .modified(e.object)
            default: return .deleted(e.object)
            }
        }
        let event = try JSONValue(parsing: line)
        guard let kind = event["type"]?.stringValue, let object = event["object"] else {
            throw APIError(code: 500, reason: "InternalError", message: "malformed watch event: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        switch kind {
        case "ADDED": return .added(try object.decode(as: T.self))
        case "MODIFIED": return .modified(try object.decode(as: T.self))
        case "DELETED": return .deleted(try object.decode(as: T.self))
        case "BOOKMARK": return .bookmark(object["metadata"]?["resourceVersion"]?.stringValue ?? "")
        case "ERROR": throw APIError(response: JSONWriter.write(object), status: object["code"]?.intValue.map(Int.init) ?? 500)
        default: throw APIError(code: 500, reason: "InternalError", message: "unknown watch event type \(kind)")
        }
    }
}
