/// Which of `size` consecutive values (service IPs, node ports) are taken, as Kubernetes'
/// bitmap allocators keep them. Dynamic allocation prefers values above a small static band at
/// the bottom of the range, so values users pick by hand (`.1`, `.10`, low node ports) rarely
/// collide with ones handed out automatically.
struct RangeBitmap: Sendable {
    let size: Int
    /// The low offsets dynamic allocation uses last: size/16, clamped to 16...256 (none for tiny ranges).
    let staticBand: Int
    private var taken: [Bool]
    private(set) var used = 0

    init(size: Int) {
        self.size = size
        self.staticBand = size < 32 ? 0 : min(max(16, size / 16), 256)
        self.taken = Array(repeating: false, count: size)
    }

    func isTaken(_ offset: Int) -> Bool { taken[offset] }

    /// Takes `offset`; false when it was already taken.
    mutating func take(_ offset: Int) -> Bool {
        guard !taken[offset] else { return false }
        taken[offset] = true
        used += 1
        return true
    }

    mutating func release(_ offset: Int) {
        guard taken[offset] else { return }
        taken[offset] = false
        used -= 1
    }

    /// Takes a free offset: from a random point in the dynamic band first, then the static band.
    mutating func takeAny<R: RandomNumberGenerator>(using random: inout R) -> Int? {
        guard used < size else { return nil }
        let bands = [staticBand..<size, 0..<staticBand]
        for band in bands where !band.isEmpty {
            let start = Int.random(in: band, using: &random)
            for step in 0..<band.count {
                let offset = band.lowerBound + (start - band.lowerBound + step) % band.count
                if take(offset) { return offset }
            }
        }
        return nil
    }
}
