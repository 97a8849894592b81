import NIOCore
import Synchronization

/// Chooses the endpoint for each new connection or UDP session of one service port, by the
/// nftables proxy's rules: the endpoints `EndpointCategories` allows for the traffic's policy,
/// one at random, except that a client with `sessionAffinity: ClientIP` goes back to its last
/// endpoint until it has been idle for the affinity timeout. Updated in place on every sync, so
/// new connections see the new endpoints while open ones keep theirs.
///
/// Called from event-loop threads on every accept, so its state sits behind a `Mutex` rather
/// than in an actor: a pick is a few dictionary operations, and an actor hop per connection
/// would put a task switch on the accept path.
final class UserspaceEndpointPicker: Sendable {
    /// The endpoints each kind of traffic may use, from the port's current endpoints.
    struct Choices: Sendable, Equatable {
        var internalEndpoints: [ProxiedEndpoint] = []
        var externalEndpoints: [ProxiedEndpoint] = []
        /// `externalTrafficPolicy: Local`: pods and the node itself still use the internal policy.
        var externalLocalOnly = false
        var affinityTimeout: TimeAmount?

        init(port: ProxiedServicePort, endpoints: [ProxiedEndpoint]) {
            let categories = EndpointCategories(endpoints, for: port)
            internalEndpoints = port.internalPolicyLocal ? categories.local : categories.cluster
            externalEndpoints = port.externalPolicyLocal ? categories.local : categories.cluster
            externalLocalOnly = port.externalPolicyLocal
            affinityTimeout = port.affinityTimeoutSeconds.map { .seconds(Int64($0)) }
        }
    }

    private struct Affinity {
        var endpoint: ProxiedEndpoint
        var lastUsed: NIODeadline
    }

    private struct State {
        var choices: Choices
        var affinity: [ProxyIPv4: Affinity] = [:]
    }

    /// More remembered clients than this and expired ones are swept; new ones are not remembered
    /// while the table is still full.
    static let maxAffinityEntries = 65_536

    let options: ProxyOptions
    private let state: Mutex<State>

    init(port: ProxiedServicePort, endpoints: [ProxiedEndpoint], options: ProxyOptions) {
        self.options = options
        state = Mutex(State(choices: Choices(port: port, endpoints: endpoints)))
    }

    /// Takes the port's new endpoints; affinities to endpoints that are gone are dropped.
    func update(port: ProxiedServicePort, endpoints: [ProxiedEndpoint]) {
        let choices = Choices(port: port, endpoints: endpoints)
        state.withLock { state in
            guard state.choices != choices else { return }
            state.choices = choices
            guard choices.affinityTimeout != nil else {
                state.affinity = [:]
                return
            }
            let usable = Set(choices.internalEndpoints + choices.externalEndpoints)
            state.affinity = state.affinity.filter { usable.contains($0.value.endpoint) }
        }
    }

    /// The endpoints `traffic` from `client` may use now (before affinity).
    func allowed(for traffic: UserspaceTraffic, client: ProxyIPv4?) -> [ProxiedEndpoint] {
        state.withLock { Self.allowed($0.choices, traffic, client, options) }
    }

    /// An endpoint for a new connection from `client`, none of `excluded` (endpoints that just
    /// failed it); nil when there is none to use.
    func pick(for traffic: UserspaceTraffic, client: ProxyIPv4?, excluding excluded: Set<ProxiedEndpoint> = []) -> ProxiedEndpoint? {
        let now = NIODeadline.now()
        return state.withLock { state in
            let candidates = Self.allowed(state.choices, traffic, client, options).filter { !excluded.contains($0) }
            guard !candidates.isEmpty else { return nil }
            guard let timeout = state.choices.affinityTimeout, let client else { return candidates.randomElement() }
            if let known = state.affinity[client], now - known.lastUsed < timeout, candidates.contains(known.endpoint) {
                state.affinity[client]?.lastUsed = now
                return known.endpoint
            }
            let chosen = candidates.randomElement()!
            if state.affinity.count >= Self.maxAffinityEntries {
                state.affinity = state.affinity.filter { now - $0.value.lastUsed < timeout }
            }
            if state.affinity.count < Self.maxAffinityEntries || state.affinity[client] != nil {
                state.affinity[client] = Affinity(endpoint: chosen, lastUsed: now)
            }
            return chosen
        }
    }

    /// `client` could not reach `endpoint`: its affinity to it ends.
    func forget(client: ProxyIPv4?, endpoint: ProxiedEndpoint) {
        guard let client else { return }
        state.withLock { state in
            if state.affinity[client]?.endpoint == endpoint { state.affinity[client] = nil }
        }
    }

    /// Keeps an affine client on its endpoint while its connection or session is in use.
    func touch(client: ProxyIPv4?, endpoint: ProxiedEndpoint) {
        guard let client else { return }
        let now = NIODeadline.now()
        state.withLock { state in
            if state.affinity[client]?.endpoint == endpoint { state.affinity[client]?.lastUsed = now }
        }
    }

    private static func allowed(_ choices: Choices, _ traffic: UserspaceTraffic, _ client: ProxyIPv4?,
                                _ options: ProxyOptions) -> [ProxiedEndpoint] {
        switch traffic {
        case .internal:
            return choices.internalEndpoints
        case .external:
            // As kube-proxy: traffic from pods or from this node is not "external" and may go anywhere.
            if choices.externalLocalOnly, let client,
               client.isLoopback || options.clusterCIDR.contains(client) || options.nodeIPs.contains(client) {
                return choices.internalEndpoints
            }
            return choices.externalEndpoints
        }
    }
}
