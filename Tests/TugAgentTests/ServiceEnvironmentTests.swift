import Testing
import TugAPI
@testable import TugAgent
import TugRuntime

struct ServiceEnvironmentTests {
    /// The example of Kubernetes' envvars tests: an unnamed TCP port, then two named ports.
    @Test func variablesAreNamedExactlyAsTheKubeletNamesThem() {
        let services = [
            Fixtures.service("foo-bar", namespace: "team", clusterIP: "1.2.3.4", ports: [(nil, 8080, "TCP")]),
            Fixtures.service("abc-123", namespace: "team", clusterIP: "5.6.7.8", ports: [("u-d-p", 8081, "UDP"), ("t-c-p", 8081, "TCP")]),
            Fixtures.service("headless", namespace: "team", clusterIP: "None", ports: [(nil, 80, "TCP")]),
            Fixtures.service("external", namespace: "team", clusterIP: nil, ports: [(nil, 80, "TCP")]),
        ]
        let env = ServiceEnvironment.variables(for: services)
        let expected = [
            TugRuntime.EnvVar("FOO_BAR_SERVICE_HOST", "1.2.3.4"),
            TugRuntime.EnvVar("FOO_BAR_SERVICE_PORT", "8080"),
            TugRuntime.EnvVar("FOO_BAR_PORT", "tcp://1.2.3.4:8080"),
            TugRuntime.EnvVar("FOO_BAR_PORT_8080_TCP", "tcp://1.2.3.4:8080"),
            TugRuntime.EnvVar("FOO_BAR_PORT_8080_TCP_PROTO", "tcp"),
            TugRuntime.EnvVar("FOO_BAR_PORT_8080_TCP_PORT", "8080"),
            TugRuntime.EnvVar("FOO_BAR_PORT_8080_TCP_ADDR", "1.2.3.4"),
            TugRuntime.EnvVar("ABC_123_SERVICE_HOST", "5.6.7.8"),
            TugRuntime.EnvVar("ABC_123_SERVICE_PORT", "8081"),
            TugRuntime.EnvVar("ABC_123_SERVICE_PORT_U_D_P", "8081"),
            TugRuntime.EnvVar("ABC_123_SERVICE_PORT_T_C_P", "8081"),
            TugRuntime.EnvVar("ABC_123_PORT", "udp://5.6.7.8:8081"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_UDP", "udp://5.6.7.8:8081"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_UDP_PROTO", "udp"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_UDP_PORT", "8081"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_UDP_ADDR", "5.6.7.8"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_TCP", "tcp://5.6.7.8:8081"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_TCP_PROTO", "tcp"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_TCP_PORT", "8081"),
            TugRuntime.EnvVar("ABC_123_PORT_8081_TCP_ADDR", "5.6.7.8"),
        ]
        #expect(env == expected)
    }

    /// The documented example: Service `redis-primary` on TCP 6379 at 10.0.0.11.
    @Test func documentedRedisExample() {
        let env = ServiceEnvironment.variables(for: [Fixtures.service("redis-primary", namespace: "default", clusterIP: "10.0.0.11",
                                                                      ports: [(nil, 6379, nil)])])
        #expect(env == [
            TugRuntime.EnvVar("REDIS_PRIMARY_SERVICE_HOST", "10.0.0.11"),
            TugRuntime.EnvVar("REDIS_PRIMARY_SERVICE_PORT", "6379"),
            TugRuntime.EnvVar("REDIS_PRIMARY_PORT", "tcp://10.0.0.11:6379"),
            TugRuntime.EnvVar("REDIS_PRIMARY_PORT_6379_TCP", "tcp://10.0.0.11:6379"),
            TugRuntime.EnvVar("REDIS_PRIMARY_PORT_6379_TCP_PROTO", "tcp"),
            TugRuntime.EnvVar("REDIS_PRIMARY_PORT_6379_TCP_PORT", "6379"),
            TugRuntime.EnvVar("REDIS_PRIMARY_PORT_6379_TCP_ADDR", "10.0.0.11"),
        ])
    }

    @Test func ipv6ClusterIPIsBracketedInURLs() {
        let env = ServiceEnvironment.variables(for: [Fixtures.service("db", namespace: "x", clusterIP: "fd00::10", ports: [(nil, 5432, "TCP")])])
        #expect(env.first { $0.name == "DB_PORT" }?.value == "tcp://[fd00::10]:5432")
        #expect(env.first { $0.name == "DB_PORT_5432_TCP_ADDR" }?.value == "fd00::10")
    }

    @Test func visibleServicesFollowEnableServiceLinks() {
        let kubernetes = Fixtures.service("kubernetes", namespace: "default", clusterIP: "10.43.0.1", ports: [("https", 443, "TCP")])
        let other = Fixtures.service("other", namespace: "default", clusterIP: "10.43.0.9", ports: [(nil, 80, "TCP")])
        let mine = Fixtures.service("mine", namespace: "team", clusterIP: "10.43.0.5", ports: [(nil, 80, "TCP")])
        let shadow = Fixtures.service("kubernetes", namespace: "team", clusterIP: "10.43.0.77", ports: [(nil, 443, "TCP")])

        let linked = ServiceEnvironment.visibleServices(namespace: "team", enableServiceLinks: true, namespaceServices: [mine],
                                                        defaultNamespaceServices: [kubernetes, other])
        #expect(linked.map { $0.metadata.name } == ["kubernetes", "mine"])

        let unlinked = ServiceEnvironment.visibleServices(namespace: "team", enableServiceLinks: false, namespaceServices: [mine],
                                                          defaultNamespaceServices: [kubernetes, other])
        #expect(unlinked.map { $0.metadata.name } == ["kubernetes"])

        // A Service named kubernetes in the pod's own namespace wins over the master one.
        let shadowed = ServiceEnvironment.visibleServices(namespace: "team", enableServiceLinks: true, namespaceServices: [shadow],
                                                          defaultNamespaceServices: [kubernetes])
        #expect(shadowed.map { $0.spec?.clusterIP } == ["10.43.0.77"])
    }
}
