import Synchronization

/// Whether the node's pod network is set up (kubelet's NetworkReady runtime condition): until it
/// is, pods with their own network get no sandbox (it would fail in the CNI plugin, and
/// containerd keeps such a half-made sandbox around); host-network pods start at once.
final class PodNetworkReadiness: Sendable {
    private let ready: Atomic<Bool>

    init(ready: Bool) { self.ready = Atomic(ready) }

    var isReady: Bool { ready.load(ordering: .acquiring) }

    func markReady() { ready.store(true, ordering: .releasing) }
}
