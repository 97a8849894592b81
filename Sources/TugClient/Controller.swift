import Foundation
import Logging

/// The shape every controller has: event handlers only add keys to `queue`; `sync(key)` reads
/// caches, compares desired and actual state, acts, and throws to be retried with backoff.
public protocol Controller: Sendable {
    var name: String { get }
    var queue: WorkQueue { get }
    func sync(_ key: String) async throws
}

extension Controller {
    /// Runs `workers` loops until the queue shuts down (each key is with one worker at a time).
    public func runWorkers(_ workers: Int = 2, logger: Logger? = nil) async {
        let queue = self.queue
        // Cancelling the caller stops the workers (a worker waiting for a key would not notice otherwise).
        await withTaskCancellationHandler {
            await workerLoops(workers, logger: logger)
        } onCancel: {
            Task { await queue.shutDown() }
        }
    }

    private func workerLoops(_ workers: Int, logger: Logger?) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, workers) {
                group.addTask {
                    while let key = await queue.next() {
                        do {
                            try await sync(key)
                            await queue.forget(key)
                        } catch {
                            logger?.debug("\(name): sync \(key) failed, retrying: \(error)")
                            await queue.addRateLimited(key)
                        }
                        await queue.done(key)
                    }
                }
            }
        }
    }
}
