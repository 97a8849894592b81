import TugAPI
import TugClient

/// Applies Service and EndpointSlice informer events to the zone and publishes a new snapshot
/// after each change that altered it.
public actor ClusterZoneUpdater {
    private var builder: ClusterZoneBuilder
    public nonisolated let live: LiveClusterZone

    public init(builder: ClusterZoneBuilder) {
        var builder = builder
        live = LiveClusterZone(builder.snapshot())
        self.builder = builder
    }

    public func handle(_ event: InformerEvent<CoreV1.Service>) {
        switch event {
        case .added(let service): builder.apply(service: service)
        case .updated(let old, let new):
            guard old != new else { return }
            builder.apply(service: new)
        case .deleted(let service):
            builder.removeService(namespace: service.metadata.namespace ?? "", name: service.metadata.name ?? "")
        }
        publish()
    }

    public func handle(_ event: InformerEvent<DiscoveryV1.EndpointSlice>) {
        switch event {
        case .added(let slice): builder.apply(slice: slice)
        case .updated(let old, let new):
            guard old != new else { return }
            builder.apply(slice: new)
        case .deleted(let slice):
            builder.removeSlice(namespace: slice.metadata.namespace ?? "", name: slice.metadata.name ?? "")
        }
        publish()
    }

    private func publish() {
        let before = live.zone.serial
        let zone = builder.snapshot()
        if zone.serial != before { live.publish(zone) }
    }
}
