import Foundation
import Logging
import TugAPI
import TugClient

/// Every active namespace has a `default` ServiceAccount; one that is deleted comes back.
public struct ServiceAccountController: Controller {
    public let name = "serviceaccount"
    public let queue = WorkQueue()
    let client: APIClient
    let namespaces: Informer<CoreV1.Namespace>
    let accounts: Informer<CoreV1.ServiceAccount>

    public init(client: APIClient, namespaces: Informer<CoreV1.Namespace>, accounts: Informer<CoreV1.ServiceAccount>) {
        self.client = client
        self.namespaces = namespaces
        self.accounts = accounts
    }

    public func start() async {
        let queue = self.queue
        await namespaces.addHandler { event in
            if case .added(let ns) = event { await queue.add(ns.metadata.name ?? "") }
        }
        await accounts.addHandler { event in
            if case .deleted(let sa) = event, sa.metadata.name == "default" { await queue.add(sa.metadata.namespace ?? "") }
        }
    }

    public func sync(_ key: String) async throws {
        guard let ns = await namespaces.get(key), ns.metadata.deletionTimestamp == nil else { return }
        if await accounts.get(namespace: key, name: "default") != nil { return }
        var sa = CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta())
        sa.metadata.name = "default"
        sa.metadata.namespace = key
        do {
            _ = try await client.create(sa)
        } catch let e as APIError where e.code == 409 || (e.code == 403 && e.reason == "Forbidden") {
            // Already there (the cache lags), or the namespace started terminating.
        }
    }
}
