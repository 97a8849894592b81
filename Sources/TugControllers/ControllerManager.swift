import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// Runs the controllers of `tug server` over shared informers, until shutdown.
public struct ControllerManager: Service {
    let client: APIClient
    let logger: Logger
    let workers: Int

    public init(client: APIClient, logger: Logger, workers: Int = 2) {
        self.client = client
        self.logger = logger
        self.workers = workers
    }

    public func run() async throws {
        let namespaces = Informer<CoreV1.Namespace>(client: client, logger: logger)
        let accounts = Informer<CoreV1.ServiceAccount>(client: client, logger: logger)
        let namespaceController = NamespaceController(client: client, namespaces: namespaces, logger: logger)
        let accountController = ServiceAccountController(client: client, namespaces: namespaces, accounts: accounts)
        await namespaceController.start()
        await accountController.start()
        let controllers: [any Controller] = [namespaceController, accountController]
        // On shutdown the informers and workers are cancelled; runWorkers shuts its queue then.
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await namespaces.run() }
                group.addTask { await accounts.run() }
                for c in controllers {
                    let workers = self.workers, logger = self.logger
                    group.addTask {
                        await namespaces.waitForSync()
                        await accounts.waitForSync()
                        await c.runWorkers(workers, logger: logger)
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
