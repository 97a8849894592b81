/// Byte chunks handed from one producer to one reader, in order, with an end (or a failure).
actor ChunkQueue {
    private var chunks: [[UInt8]] = []
    private var end: Result<Void, any Error>?
    private var waiter: CheckedContinuation<[UInt8]?, any Error>?
    private(set) var isClosedByCaller = false

    func push(_ chunk: [UInt8]) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: chunk)
        } else {
            chunks.append(chunk)
        }
    }

    func finish(throwing error: (any Error)? = nil) {
        guard end == nil else { return }
        end = error.map { .failure($0) } ?? .success(())
        if let waiter {
            self.waiter = nil
            deliverEnd(to: waiter)
        }
    }

    /// The reader's side is done: pending and future reads return nil.
    func closeByCaller() {
        isClosedByCaller = true
        chunks.removeAll()
        finish()
    }

    func next() async throws -> [UInt8]? {
        if !chunks.isEmpty { return chunks.removeFirst() }
        if end != nil {
            return try endValue()
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiter = continuation
        }
    }

    private func endValue() throws -> [UInt8]? {
        if case .failure(let error) = end, !isClosedByCaller { throw error }
        return nil
    }

    private func deliverEnd(to waiter: CheckedContinuation<[UInt8]?, any Error>) {
        do {
            waiter.resume(returning: try endValue())
        } catch {
            waiter.resume(throwing: error)
        }
    }
}
