import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import TugAPI
import TugStore

/// The API server as a `Service`: the HTTP listener, the watch-cache feed, periodic bookmarks
/// and store compaction.
public struct APIServerService: Service {
    public let core: APIServerCore
    let host: String
    let port: Int
    let logger: Logger
    let onReady: @Sendable (Int) async -> Void
    /// Compaction keeps at least this many revisions, and everything newer than `compactionAge`.
    public var compactionKeep: Int64 = 1000
    public var compactionInterval: Duration = .seconds(60)

    public init(core: APIServerCore, host: String, port: Int, logger: Logger, onReady: @escaping @Sendable (Int) async -> Void) {
        self.core = core
        self.host = host
        self.port = port
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let core = self.core
        try await core.bootstrap()
        let app = Application(
            responder: APIResponder(core: core),
            // WebSocket upgrades serve pods/exec, attach and portforward.
            server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: 1 << 20, autoPing: .disabled))) { head, _, logger in
                await PodStreamingUpgrade.shouldUpgrade(head, core: core, logger: logger)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { [onReady] channel in
                core.markReady()
                await onReady(channel.localAddress?.port ?? 0)
            },
            logger: logger
        )
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await core.dispatcher.run() }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(30))
                    core.dispatcher.sendBookmarks()
                }
            }
            group.addTask { [compactionKeep, compactionInterval] in
                // Keep 1000 revisions or five minutes of history, whichever is more.
                var samples: [(ContinuousClock.Instant, Int64)] = []
                while !Task.isCancelled {
                    try? await Task.sleep(for: compactionInterval)
                    if Task.isCancelled { break }
                    guard let current = try? await core.store.currentRevision else { continue }
                    let now = ContinuousClock.now
                    samples.append((now, current))
                    samples.removeAll { now - $0.0 > .seconds(330) }
                    let fiveMinutesAgo = samples.first { now - $0.0 <= .seconds(300) }?.1 ?? current
                    _ = try? await core.store.compact(keepRevisions: max(compactionKeep, current - fiveMinutesAgo))
                }
            }
            do {
                try await cancelWhenGracefulShutdown {
                    // Signals belong to tug's ServiceGroup, which stops the API server last.
                    try await app.runService(gracefulShutdownSignals: [])
                }
            } catch is CancellationError {
                // Graceful shutdown (SIGTERM/SIGINT): a clean exit.
            }
            group.cancelAll()
        }
    }
}
