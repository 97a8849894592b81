import Foundation
import Logging
import TugAPI

/// Leader election on a `coordination.k8s.io/v1` Lease (client-go's leaderelection): one holder
/// at a time runs the work; it renews the Lease every `retryPeriod`, and loses leadership when
/// it cannot renew within `renewDeadline`. Others take over once the Lease has not been renewed
/// for `leaseDuration`. On a fresh cluster the first candidate wins at once, and a leader that
/// stops releases the Lease so a successor need not wait.
public struct LeaderElector: Sendable {
    public struct Config: Sendable {
        public var namespace = "kube-system"
        public var name: String
        public var identity: String
        public var leaseDuration: Duration = .seconds(15)
        public var renewDeadline: Duration = .seconds(10)
        public var retryPeriod: Duration = .seconds(2)
        public init(name: String, identity: String) {
            self.name = name
            self.identity = identity
        }
    }

    let client: APIClient
    let config: Config
    let logger: Logger

    public init(client: APIClient, config: Config, logger: Logger) {
        self.client = client
        self.config = config
        self.logger = logger
    }

    /// Competes for the Lease and runs `lead` while holding it; returns when cancelled. If
    /// leadership is lost, `lead` is cancelled and the elector competes again.
    public func run(_ lead: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            guard await acquire() else { return }
            logger.info("\(config.identity) became the leader (\(config.namespace)/\(config.name))")
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await lead() }
                group.addTask { await renewWhileLeading() }
                // Whichever ends first (lost the Lease, or cancelled) ends the other.
                await group.next()
                group.cancelAll()
            }
            if Task.isCancelled {
                // In a task of its own: this one is cancelled, and its requests would be too.
                await Task { await release() }.value
                return
            }
            logger.warning("\(config.identity) lost leadership of \(config.namespace)/\(config.name)")
        }
    }

    /// Tries until it holds the Lease; false when cancelled first. A Lease someone else holds
    /// is tried again every `retryPeriod`; a failed attempt (the API server still starting, its
    /// `kube-system` namespace not made yet) sooner, so that a lone server leads at once.
    func acquire() async -> Bool {
        var errorDelay = Duration.milliseconds(50)
        while !Task.isCancelled {
            let delay: Duration
            do {
                if try await tryAcquireOrRenew() { return true }
                delay = config.retryPeriod
            } catch {
                delay = min(errorDelay, config.retryPeriod)
                errorDelay *= 2
                logger.debug("acquiring \(config.namespace)/\(config.name): \(error)")
            }
            try? await Task.sleep(for: delay)
        }
        return false
    }

    func renewWhileLeading() async {
        var lastRenew = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: config.retryPeriod)
            if Task.isCancelled { return }
            if (try? await tryAcquireOrRenew()) == true {
                lastRenew = .now
            } else if ContinuousClock.now - lastRenew > config.renewDeadline {
                return
            }
        }
    }

    /// One attempt: take a missing or expired Lease, or renew our own.
    public func tryAcquireOrRenew(now: Date = Date()) async throws -> Bool {
        let duration = Int(config.leaseDuration.components.seconds)
        let lease: CoordinationV1.Lease
        do {
            lease = try await client.get(CoordinationV1.Lease.self, namespace: config.namespace, name: config.name)
        } catch let e as APIError where e.code == 404 {
            var fresh = CoordinationV1.Lease(metadata: MetaV1.ObjectMeta())
            fresh.metadata.name = config.name
            fresh.metadata.namespace = config.namespace
            fresh.spec = CoordinationV1.LeaseSpec(holderIdentity: config.identity, leaseDurationSeconds: duration,
                                                  acquireTime: MicroTime(now), renewTime: MicroTime(now), leaseTransitions: 0)
            do {
                _ = try await client.create(fresh)
                return true
            } catch let e as APIError where e.code == 409 {
                return false
            }
        }
        let spec = lease.spec ?? CoordinationV1.LeaseSpec()
        let holder = spec.holderIdentity ?? ""
        if !holder.isEmpty, holder != config.identity {
            let renewed = spec.renewTime?.date ?? .distantPast
            let held = TimeInterval(spec.leaseDurationSeconds ?? duration)
            if now.timeIntervalSince(renewed) < held { return false }
        }
        var updated = lease
        var s = spec
        if holder != config.identity {
            s.acquireTime = MicroTime(now)
            s.leaseTransitions = (s.leaseTransitions ?? 0) + (holder.isEmpty ? 0 : 1)
        }
        s.holderIdentity = config.identity
        s.leaseDurationSeconds = duration
        s.renewTime = MicroTime(now)
        updated.spec = s
        do {
            _ = try await client.update(updated)   // resourceVersion precondition: one winner
            return true
        } catch let e as APIError where e.code == 409 {
            return false
        }
    }

    /// Gives the Lease up (empty holder), so a successor takes over at once.
    func release() async {
        guard var lease = try? await client.get(CoordinationV1.Lease.self, namespace: config.namespace, name: config.name),
              lease.spec?.holderIdentity == config.identity else { return }
        lease.spec?.holderIdentity = nil
        lease.spec?.leaseDurationSeconds = 1
        _ = try? await client.update(lease)
    }
}
