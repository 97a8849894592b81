import Logging
import NIOCore

/// The userspace proxy's open sockets, brought in line with a `UserspaceListenerPlan` on every
/// sync: pickers take the new endpoints in place (open connections are untouched), listeners no
/// longer wanted or now routed elsewhere close, missing ones open. A listener that cannot open
/// is logged once and tried again on the next sync. With `clusterIPs`, each ClusterIP in use is
/// put on `lo` before its listener opens and taken off when no listener uses it any more.
actor UserspaceListenerSet {
    private struct Open {
        var route: UserspaceRoute
        var listener: any UserspaceListener
    }

    let tuning: UserspaceProxyTuning
    let options: ProxyOptions
    let localAddresses: LocalAddresses?
    let group: any EventLoopGroup
    let logger: Logger
    private var open: [UserspaceListenerKey: Open] = [:]
    private var pickers: [String: UserspaceEndpointPicker] = [:]
    /// ClusterIPs this proxy put on `lo`.
    private var heldAddresses: Set<ProxyIPv4> = []
    /// The last failure reported for each listener (or address), so each is logged once.
    private var failures: [String: String] = [:]
    private var closed = false
    /// Plans applied so far (tests wait on it).
    private(set) var appliedPlans = 0

    /// - Parameter localAddresses: where ClusterIPs go; nil when the proxy does not serve them.
    init(options: ProxyOptions, tuning: UserspaceProxyTuning, localAddresses: LocalAddresses?, group: any EventLoopGroup, logger: Logger) {
        self.options = options
        self.tuning = tuning
        self.localAddresses = localAddresses
        self.group = group
        self.logger = logger
    }

    /// Whether some wanted listener is not open (the proxy retries after `retryInterval`);
    /// conflicts and unsupported protocols only change with the Services, so they do not count.
    var needsRetry: Bool { failures.keys.contains { $0.hasPrefix("listen ") || $0.hasPrefix("address ") } }

    /// Applies `plan`; returns once every listener is open or has failed.
    func apply(_ plan: UserspaceListenerPlan) async {
        guard !closed else { return }
        defer { appliedPlans += 1 }
        for (id, entry) in plan.ports {
            if let picker = pickers[id] {
                picker.update(port: entry.port, endpoints: entry.endpoints)
            } else {
                pickers[id] = UserspaceEndpointPicker(port: entry.port, endpoints: entry.endpoints, options: options)
            }
        }
        for id in pickers.keys where plan.ports[id] == nil { pickers[id] = nil }

        for (key, current) in open where plan.listeners[key] != current.route {
            open[key] = nil
            await current.listener.close()
            logger.debug("userspace proxy: closed \(key)")
        }

        var stillFailing: [String: String] = [:]
        for (key, message) in plan.conflicts { stillFailing["conflict \(key)"] = message }
        for port in plan.unsupported { stillFailing["unsupported \(port)"] = "\(port): SCTP is not forwarded by the userspace proxy" }
        for (key, route) in plan.listeners.sorted(by: { $0.key < $1.key }) where open[key] == nil {
            guard let picker = pickers[route.portID] else { continue }
            if route.isClusterIP {
                if let message = await hold(key.ip) {
                    stillFailing["address \(key.ip)"] = message
                    continue
                }
            }
            do {
                open[key] = Open(route: route, listener: try await openListener(key, route: route, picker: picker))
                logger.debug("userspace proxy: listening on \(key) for \(route.portID)")
            } catch {
                stillFailing["listen \(key)"] = "cannot listen on \(key) for \(route.portID): \(error); retrying"
            }
        }

        let inUse = Set(open.filter(\.value.route.isClusterIP).map(\.key.ip))
        await release(heldAddresses.subtracting(inUse))
        report(stillFailing)
    }

    /// Why wanted listeners are not open, one message each.
    func problems() -> [String] { failures.values.sorted() }

    /// What each open listener does now.
    func status() async -> [UserspaceListenerStatus] {
        var result: [UserspaceListenerStatus] = []
        for (key, entry) in open.sorted(by: { $0.key < $1.key }) {
            let endpoints = pickers[entry.route.portID]?.allowed(for: entry.route.traffic, client: nil) ?? []
            result.append(UserspaceListenerStatus(key: key, servicePort: entry.route.portID, traffic: entry.route.traffic,
                                                  endpoints: endpoints.map(\.id), udpSessions: await entry.listener.sessionCount()))
        }
        return result
    }

    /// Closes every listener and takes the ClusterIPs off `lo`; later plans are ignored.
    func closeAll() async {
        closed = true
        let all = open
        open = [:]
        for entry in all.values { await entry.listener.close() }
        await release(heldAddresses)
        pickers = [:]
    }

    private func openListener(_ key: UserspaceListenerKey, route: UserspaceRoute, picker: UserspaceEndpointPicker) async throws -> any UserspaceListener {
        var logger = self.logger
        logger[metadataKey: "listener"] = .string(key.description)
        switch key.proto {
        case .tcp:
            return try await UserspaceTCPListener.open(key, target: UserspaceTCPTarget(picker: picker, route: route, tuning: tuning, logger: logger), group: group)
        case .udp:
            return try await UserspaceUDPListener.open(key, target: UserspaceUDPTarget(picker: picker, route: route, tuning: tuning, logger: logger), group: group)
        case .sctp:
            throw ProxyConfigError("SCTP is not forwarded by the userspace proxy")
        }
    }

    /// Puts `ip` on `lo` unless held already; the failure's message when that fails.
    private func hold(_ ip: ProxyIPv4) async -> String? {
        guard !heldAddresses.contains(ip) else { return nil }
        guard let localAddresses else { return "ClusterIP \(ip) cannot be served: no LocalAddresses given" }
        do {
            try await localAddresses.add([ip.description])
            heldAddresses.insert(ip)
            return nil
        } catch {
            return "cannot put ClusterIP \(ip) on \(localAddresses.interface): \(error); retrying"
        }
    }

    private func release(_ ips: Set<ProxyIPv4>) async {
        guard !ips.isEmpty, let localAddresses else { return }
        for ip in ips.sorted() {
            do {
                try await localAddresses.remove([ip.description])
                heldAddresses.remove(ip)
            } catch {
                logger.warning("userspace proxy: cannot take ClusterIP \(ip) off \(localAddresses.interface): \(error)")
            }
        }
    }

    /// Logs each new or changed failure once, and each recovery.
    private func report(_ now: [String: String]) {
        for (what, message) in now where failures[what] != message {
            logger.warning("userspace proxy: \(message)")
        }
        for what in failures.keys where now[what] == nil {
            logger.info("userspace proxy: \(what) recovered or no longer wanted")
        }
        failures = now
    }
}
