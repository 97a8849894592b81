import Foundation
import Logging
import TugAPI
import TugClient

/// Deleting a namespace empties it, then removes it: for a Terminating namespace that still
/// has the `kubernetes` finalizer, every namespaced resource in it is deleted (deletecollection);
/// once nothing is left the finalizer is removed through `namespaces/NAME/finalize`, which
/// lets the API server drop the namespace. Objects that take time to go (graceful pods,
/// finalizers) make the sync retry until they are gone.
public struct NamespaceController: Controller {
    public let name = "namespace"
    public let queue = WorkQueue()
    let client: APIClient
    let namespaces: Informer<CoreV1.Namespace>
    let logger: Logger
    /// How soon a namespace whose content is still going away is looked at again.
    let recheck: Duration

    /// Every namespaced resource once (versions served by conversion share their storage's objects).
    static let contentResources: [ResourceInfo] = ResourceCatalog.all.filter {
        $0.namespaced && $0.storageVersion == nil && $0.verbs.contains("deletecollection")
    }

    public init(client: APIClient, namespaces: Informer<CoreV1.Namespace>, logger: Logger, recheck: Duration = .seconds(2)) {
        self.client = client
        self.namespaces = namespaces
        self.logger = logger
        self.recheck = recheck
    }

    public func start() async {
        let queue = self.queue
        await namespaces.addHandler { event in
            switch event {
            case .added(let ns), .updated(_, let ns):
                if ns.metadata.deletionTimestamp != nil { await queue.add(ns.metadata.name ?? "") }
            case .deleted: break
            }
        }
    }

    public func sync(_ key: String) async throws {
        guard let ns = await namespaces.get(key), ns.metadata.deletionTimestamp != nil,
              (ns.spec?.finalizers ?? []).contains("kubernetes") else { return }
        var left: [String] = []
        for info in Self.contentResources {
            let found = try await client.names(info, namespace: key, limit: 1)
            guard !found.names.isEmpty else { continue }
            try await client.deleteCollection(info, namespace: key)
            let after = try await client.names(info, namespace: key, limit: 3)
            if !after.names.isEmpty { left.append("\(info.groupResource): \(after.names.joined(separator: ", "))\(after.more ? ", …" : "")") }
        }
        if !left.isEmpty {
            logger.debug("namespace \(key) still has \(left.joined(separator: "; "))")
            await queue.add(key, after: recheck)
            return
        }
        var finalized = ns
        var spec = finalized.spec ?? CoreV1.NamespaceSpec()
        spec.finalizers = (spec.finalizers ?? []).filter { $0 != "kubernetes" }
        finalized.spec = spec
        _ = try await client.update(finalized, rawSubresource: "finalize")
        logger.info("namespace \(key) emptied and removed")
    }
}
