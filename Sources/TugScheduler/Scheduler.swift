import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugClient

/// kube-scheduler's loop: pods without a node whose `schedulerName` is ours are taken from the
/// queue one at a time, placed by the framework on the cached cluster view, assumed there, and
/// bound through `pods/binding` in the background. A pod that fits nowhere gets
/// `PodScheduled=False` with kubectl's message and a `FailedScheduling` Event, and waits for a
/// node or pod change.
public struct Scheduler: Service {
    public static let defaultName = "default-scheduler"

    let client: APIClient
    let framework: SchedulingFramework
    let logger: Logger
    let schedulerName: String
    public let queue: SchedulingQueue
    public let cache: SchedulerCache
    let reporter: FailureReporter
    /// When set, pods are scheduled only while this scheduler holds the Lease.
    let election: LeaderElector.Config?

    public init(client: APIClient, framework: SchedulingFramework, logger: Logger, schedulerName: String = Scheduler.defaultName,
                queue: SchedulingQueue = SchedulingQueue(), election: LeaderElector.Config? = nil) {
        self.election = election
        self.client = client
        self.framework = framework
        self.logger = logger
        self.schedulerName = schedulerName
        self.queue = queue
        self.cache = SchedulerCache()
        self.reporter = FailureReporter(client: client, logger: logger)
    }

    func isOurs(_ pod: CoreV1.Pod) -> Bool {
        let name = pod.spec?.schedulerName ?? ""
        return name.isEmpty || name == schedulerName
    }

    static func isBound(_ pod: CoreV1.Pod) -> Bool { !(pod.spec?.nodeName ?? "").isEmpty }

    public func run() async throws {
        guard let election else { return try await runScheduler() }
        try await cancelWhenGracefulShutdown {
            await LeaderElector(client: client, config: election, logger: logger).run { try? await runScheduler() }
        }
    }

    func runScheduler() async throws {
        let pods = Informer<CoreV1.Pod>(client: client, logger: logger)
        let nodes = Informer<CoreV1.Node>(client: client, logger: logger)
        let queue = self.queue, cache = self.cache, reporter = self.reporter
        await nodes.addHandler { event in
            switch event {
            case .added(let n), .updated(_, let n):
                await cache.updateNode(n)
                await queue.moveAllToActive()
            case .deleted(let n):
                await cache.removeNode(n.metadata.name ?? "")
            }
        }
        await pods.addHandler { [self] event in
            switch event {
            case .added(let p), .updated(_, let p):
                let key = Informer<CoreV1.Pod>.key(p)
                framework.cluster.updateNominated(p)
                if Self.isBound(p) {
                    await cache.addOrUpdateBoundPod(p)
                    await queue.remove(key)
                    await reporter.forget(p.metadata.uid ?? "")
                } else if isOurs(p), p.metadata.deletionTimestamp == nil {
                    await queue.add(key, priority: p.spec?.priority ?? 0)
                }
            case .deleted(let p):
                framework.cluster.removeNominated(uid: p.metadata.uid ?? "")
                await queue.remove(Informer<CoreV1.Pod>.key(p))
                await reporter.forget(p.metadata.uid ?? "")
                if Self.isBound(p) {
                    await cache.removePod(uid: p.metadata.uid ?? "")
                    await queue.moveAllToActive()
                }
            }
        }
        try await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await pods.run() }
                    group.addTask { await nodes.run() }
                    group.addTask { await runClusterObjectInformers() }
                    group.addTask {
                        // Backoffs end and long-unschedulable pods come back.
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(200))
                            await queue.flush(now: .now)
                        }
                    }
                    group.addTask {
                        await pods.waitForSync()
                        await nodes.waitForSync()
                        await scheduleLoop(pods)
                    }
                    await group.waitForAll()
                }
            } onCancel: {
                Task { await queue.close() }
            }
        }
    }

    func scheduleLoop(_ pods: Informer<CoreV1.Pod>) async {
        await withDiscardingTaskGroup { bindings in
            while let key = await queue.pop() {
                guard let pod = await pods.get(key), !Self.isBound(pod), pod.metadata.deletionTimestamp == nil, isOurs(pod) else { continue }
                let priority = pod.spec?.priority ?? 0
                switch await cache.scheduleAndAssume(pod, framework: framework) {
                case .success(let decision):
                    bindings.addTask { await bind(pod, to: decision.node, key: key, priority: priority) }
                case .failure(var fit):
                    let preemption = await cache.evaluatePreemption(pod, fit: fit, framework: framework)
                    fit.postFilterMessage = preemption.message
                    await queue.addUnschedulable(key, priority: priority)
                    bindings.addTask { await carryOut(preemption, for: pod); await reporter.report(pod, fit) }
                }
            }
        }
    }

    func bind(_ pod: CoreV1.Pod, to node: String, key: String, priority: Int) async {
        let binding: JSONValue = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.metadata.name ?? ""), "namespace": .string(pod.metadata.namespace ?? ""), "uid": .string(pod.metadata.uid ?? "")],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            try await client.post(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "", subresource: "binding", body: binding)
            await reporter.scheduled(pod, node: node)
        } catch {
            logger.debug("binding \(key) to \(node) failed: \(error)")
            await cache.forget(uid: pod.metadata.uid ?? "")
            if let e = error as? APIError, e.code == 404 || e.code == 409 { return }   // gone, deleted or bound elsewhere
            await queue.addBackoff(key, priority: priority)
        }
    }
}
