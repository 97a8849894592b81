import Foundation
import TugAPI
import TugStore

/// Every served resource's handler, by group/version/resource.
public final class ResourceRegistry: Sendable {
    public let handlers: [ResourceHandler]
    private let byPath: [String: ResourceHandler]
    let pods: ResourceStore<PodStrategy>

    init(store: any Store, dispatcher: CacheDispatcher, admission: AdmissionContext) {
        func info(_ group: String, _ resource: String) -> ResourceInfo {
            ResourceCatalog.all.first { $0.group == group && $0.resource == resource }!
        }
        func make<S: ResourceStrategy>(_ s: S) -> any ResourceHandler {
            ResourceStore(strategy: s, store: store, dispatcher: dispatcher, admission: admission)
        }
        let pods = ResourceStore(strategy: PodStrategy(info: info("", "pods")), store: store, dispatcher: dispatcher, admission: admission)
        self.pods = pods
        var list: [ResourceHandler] = [pods]
        list += StrategyCatalog.handlers(info: info, make: { make($0) })
        // Versions served by conversion from another version's storage.
        func storage(_ apiVersion: String, _ resource: String) -> ResourceHandler {
            list.first { $0.info.apiVersion == apiVersion && $0.info.resource == resource }!
        }
        for served in ResourceCatalog.all where served.storageVersion != nil {
            let base = storage(served.storageVersion!, served.storedAs ?? served.resource)
            list.append(StrategyCatalog.converted(served, storage: base, dispatcher: dispatcher, admission: admission))
        }
        self.handlers = list
        self.byPath = Dictionary(list.map { ("\($0.info.group)/\($0.info.version)/\($0.info.resource)", $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func handler(group: String, version: String, resource: String) -> ResourceHandler? {
        byPath["\(group)/\(version)/\(resource)"]
    }
}
