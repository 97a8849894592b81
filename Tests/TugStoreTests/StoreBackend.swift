import Foundation
import Testing
import TugStore
import TugStoreSQLite

/// The same suite runs against every backend.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite

    var testDescription: String { rawValue }

    func make(watchBufferLimit: Int = 10_000) throws -> any Store {
        switch self {
        case .memory:
            return MemoryStore(watchBufferLimit: watchBufferLimit)
        case .sqlite:
            return try SQLiteStore(path: TempDir.make().appendingPathComponent("db/tug.sqlite").path,
                                   watchBufferLimit: watchBufferLimit)
        }
    }
}

enum TempDir {
    static func make() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tugstore-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

struct Timeout: Error {}

/// Reads events until `done` says so, failing after `seconds` instead of hanging the suite.
func collect(_ stream: AsyncThrowingStream<StoreEvent, any Error>, seconds: Double = 20,
             until done: @escaping @Sendable ([StoreEvent]) -> Bool) async throws -> [StoreEvent] {
    try await withThrowingTaskGroup(of: [StoreEvent].self) { group in
        group.addTask {
            var out: [StoreEvent] = []
            if done(out) { return out }
            for try await e in stream {
                out.append(e)
                if done(out) { return out }
            }
            return out
        }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw Timeout()
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Runs `body`, failing with `Timeout` instead of hanging the suite when it does not finish.
func withTimeout<T: Sendable>(seconds: Double = 20, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw Timeout()
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
    }
}
