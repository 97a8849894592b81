/// Which endpoints each kind of traffic may use, by kube-proxy's rules: ready endpoints, or when
/// none is ready, the ones still serving while terminating (so a rolling update or scale-down
/// does not drop connections); node-local ones for the `Local` policies.
struct EndpointCategories: Sendable, Hashable {
    /// For traffic spread over the whole cluster (empty when the port uses no cluster-wide policy).
    var cluster: [ProxiedEndpoint] = []
    /// For `Local` traffic policies (empty when the port uses none).
    var local: [ProxiedEndpoint] = []
    /// Some endpoint anywhere can take traffic: a `Local` policy with no local endpoint drops
    /// traffic then (others have endpoints) instead of rejecting it.
    var hasAny = false

    init(_ endpoints: [ProxiedEndpoint], for port: ProxiedServicePort) {
        if port.usesClusterEndpoints {
            cluster = endpoints.filter(\.ready)
            if cluster.isEmpty { cluster = endpoints.filter(\.servingTerminating) }
            hasAny = !cluster.isEmpty
        }
        guard port.usesLocalEndpoints else { return }
        if endpoints.contains(where: { $0.ready || $0.servingTerminating }) { hasAny = true }
        local = endpoints.filter { $0.isLocal && $0.ready }
        if local.isEmpty { local = endpoints.filter { $0.isLocal && $0.servingTerminating } }
    }
}
