import Foundation
import Testing
import TugAPI
@testable import TugAgent
import TugRuntime

struct ContainerEnvironmentTests {
    static let kubernetes = Fixtures.service("kubernetes", namespace: "default", clusterIP: "10.43.0.1", ports: [("https", 443, "TCP")])

    func build(_ pod: CoreV1.Pod, source: InMemoryPodConfigSource = InMemoryPodConfigSource(), strict: Bool = false) async throws -> ContainerEnvironment {
        try await ContainerEnvironment.build(pod: pod, container: pod.spec!.containers![0], context: Fixtures.context, source: source, strictNames: strict)
    }

    @Test func orderIsServicesThenEnvFromThenEnvAndLaterDefinitionsWin() async throws {
        let source = InMemoryPodConfigSource(
            configMaps: [Fixtures.configMap("settings", ["MODE": "fast", "LEVEL": "3"])],
            services: [Self.kubernetes, Fixtures.service("cache", namespace: "team", clusterIP: "10.43.0.20", ports: [(nil, 6379, nil)])])
        var from = CoreV1.EnvFromSource()
        from.configMapRef = CoreV1.ConfigMapEnvSource(name: "settings")
        let pod = Fixtures.pod(containers: [Fixtures.container(env: [
            Fixtures.env("FIRST", "1"),
            Fixtures.env("MODE", "slow"),
            Fixtures.env("CACHE_SERVICE_PORT", "override"),
        ], envFrom: [from])])
        let env = try await build(pod, source: source)
        let names = Fixtures.names(env.variables)
        // Services (by name) come first, then envFrom, then env.
        #expect(names.first == "CACHE_SERVICE_HOST")
        #expect(names.firstIndex(of: "KUBERNETES_SERVICE_HOST")! < names.firstIndex(of: "LEVEL")!)
        #expect(Array(names.suffix(4)) == ["LEVEL", "FIRST", "MODE", "CACHE_SERVICE_PORT"])
        #expect(env.value(of: "MODE") == "slow")
        #expect(env.value(of: "LEVEL") == "3")
        #expect(env.value(of: "CACHE_SERVICE_PORT") == "override")
        #expect(env.value(of: "CACHE_SERVICE_HOST") == "10.43.0.20")
        #expect(Set(names).count == names.count)
        #expect(env.warnings.isEmpty)
    }

    @Test func serviceLinksDisabledKeepsOnlyTheKubernetesService() async throws {
        let source = InMemoryPodConfigSource(services: [Self.kubernetes, Fixtures.service("cache", namespace: "team", clusterIP: "10.43.0.20", ports: [(nil, 6379, nil)])])
        var pod = Fixtures.pod()
        pod.spec?.enableServiceLinks = false
        let env = try await build(pod, source: source)
        #expect(Fixtures.names(env.variables) == [
            "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_SERVICE_PORT_HTTPS", "KUBERNETES_PORT",
            "KUBERNETES_PORT_443_TCP", "KUBERNETES_PORT_443_TCP_PROTO", "KUBERNETES_PORT_443_TCP_PORT", "KUBERNETES_PORT_443_TCP_ADDR",
        ])
        #expect(env.value(of: "KUBERNETES_SERVICE_HOST") == "10.43.0.1")
    }

    @Test func valuesExpandAgainstVariablesDefinedSoFar() async throws {
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("cm", ["FROM_CM": "cm-value"])], services: [Self.kubernetes])
        var from = CoreV1.EnvFromSource()
        from.configMapRef = CoreV1.ConfigMapEnvSource(name: "cm")
        let pod = Fixtures.pod(containers: [Fixtures.container(env: [
            Fixtures.env("EARLY", "uses $(LATER) and $(FROM_CM)"),
            Fixtures.env("LATER", "later"),
            Fixtures.env("AFTER", "$(LATER)-$(EARLY)"),
            Fixtures.env("API", "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"),
            Fixtures.env("ESCAPED", "$$(LATER) $$$(LATER)"),
            Fixtures.env("EMPTY", ""),
            Fixtures.env("REF_EMPTY", "[$(EMPTY)]"),
            Fixtures.env("FROM_FIELD", from: Fixtures.fieldRef("metadata.name")),
            Fixtures.env("NOT_EXPANDED", from: Fixtures.configMapKey("cm", "FROM_CM")),
        ], envFrom: [from])])
        let env = try await build(pod, source: source)
        #expect(env.value(of: "EARLY") == "uses $(LATER) and cm-value")
        #expect(env.value(of: "AFTER") == "later-uses $(LATER) and cm-value")
        #expect(env.value(of: "API") == "https://10.43.0.1:443")
        #expect(env.value(of: "ESCAPED") == "$(LATER) $later")
        #expect(env.value(of: "EMPTY") == "")
        #expect(env.value(of: "REF_EMPTY") == "[]")
        #expect(env.value(of: "FROM_FIELD") == "web")
    }

    @Test func envFromPrefixesAndSecretsAndInvalidKeysAreReported() async throws {
        let source = InMemoryPodConfigSource(
            configMaps: [Fixtures.configMap("cm", ["1badkey": "x", "2alsobad": "y", "good": "z"])],
            secrets: [Fixtures.secret("creds", ["user": "admin", "pass=word": "hunter2"])])
        var a = CoreV1.EnvFromSource()
        a.configMapRef = CoreV1.ConfigMapEnvSource(name: "cm")
        var b = CoreV1.EnvFromSource()
        b.secretRef = CoreV1.SecretEnvSource(name: "creds")
        b.prefix = "DB_"
        var c = CoreV1.EnvFromSource()
        c.configMapRef = CoreV1.ConfigMapEnvSource(name: "cm")
        c.prefix = "p_"
        let pod = Fixtures.pod(containers: [Fixtures.container(envFrom: [a, b, c])])

        // Current (relaxed) names: digits first are fine, `=` never is.
        let relaxed = try await build(pod, source: source)
        #expect(relaxed.value(of: "1badkey") == "x")
        #expect(relaxed.value(of: "DB_user") == "admin")
        #expect(relaxed.value(of: "DB_pass=word") == nil)
        #expect(relaxed.value(of: "p_1badkey") == "x")
        #expect(relaxed.warnings == [ConfigWarning(
            reason: "InvalidEnvironmentVariableNames",
            message: "Keys [DB_pass=word] from the EnvFrom secret team/creds were skipped since they are considered invalid environment variable names.")])

        // Pre-1.34 names: the kubelet's documented example.
        let strict = try await build(pod, source: source, strict: true)
        #expect(strict.value(of: "1badkey") == nil)
        #expect(strict.value(of: "good") == "z")
        #expect(strict.value(of: "p_1badkey") == "x")
        #expect(strict.warnings.map(\.message).first ==
            "Keys [1badkey, 2alsobad] from the EnvFrom configMap team/cm were skipped since they are considered invalid environment variable names.")
    }

    @Test func missingRequiredReferencesFailWithTheKubeletsMessages() async throws {
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("cm", ["a": "1"])], secrets: [Fixtures.secret("s", ["a": "1"])])
        func message(_ env: [CoreV1.EnvVar] = [], envFrom: [CoreV1.EnvFromSource] = []) async -> String? {
            do {
                _ = try await build(Fixtures.pod(containers: [Fixtures.container(env: env, envFrom: envFrom)]), source: source)
                return nil
            } catch let e as ContainerConfigError {
                return e.message
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(await message([Fixtures.env("X", from: Fixtures.configMapKey("nope", "a"))]) == "configmap \"nope\" not found")
        #expect(await message([Fixtures.env("X", from: Fixtures.configMapKey("cm", "k"))]) == "couldn't find key k in ConfigMap team/cm")
        #expect(await message([Fixtures.env("X", from: Fixtures.secretKey("nope", "a"))]) == "secret \"nope\" not found")
        #expect(await message([Fixtures.env("X", from: Fixtures.secretKey("s", "k"))]) == "couldn't find key k in Secret team/s")
        var from = CoreV1.EnvFromSource()
        from.secretRef = CoreV1.SecretEnvSource(name: "gone")
        #expect(await message(envFrom: [from]) == "secret \"gone\" not found")
        #expect(await message([Fixtures.env("X", from: Fixtures.fieldRef("spec.restartPolicy"))]) == "unsupported fieldPath: spec.restartPolicy")
        #expect(await message([Fixtures.env("X", from: Fixtures.fieldRef("status.bogus"))]) == "field label not supported: status.bogus")
        #expect(ContainerConfigError.reason == "CreateContainerConfigError")
    }

    @Test func missingOptionalReferencesLeaveTheVariableUndefined() async throws {
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("cm", ["a": "1"])])
        var from = CoreV1.EnvFromSource()
        from.configMapRef = CoreV1.ConfigMapEnvSource(name: "gone", optional: true)
        let pod = Fixtures.pod(containers: [Fixtures.container(env: [
            Fixtures.env("NO_CM", from: Fixtures.configMapKey("gone", "a", optional: true)),
            Fixtures.env("NO_KEY", from: Fixtures.configMapKey("cm", "missing", optional: true)),
            Fixtures.env("NO_SECRET", from: Fixtures.secretKey("gone", "a", optional: true)),
            Fixtures.env("HAS", from: Fixtures.configMapKey("cm", "a", optional: true)),
            Fixtures.env("SEES", "[$(NO_CM)]"),
        ], envFrom: [from])])
        let env = try await build(pod, source: source)
        #expect(Fixtures.names(env.variables) == ["HAS", "SEES"])
        #expect(env.value(of: "SEES") == "[$(NO_CM)]")
    }

    @Test func fieldRefsGiveThePodsFieldsAndAddresses() async throws {
        var pod = Fixtures.pod(containers: [Fixtures.container(env: [
            "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels['app']", "metadata.annotations['note']",
            "metadata.labels", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
        ].enumerated().map { Fixtures.env("V\($0.offset)", from: Fixtures.fieldRef($0.element)) })])
        pod.metadata.labels = ["app": "web", "tier": "front \"end\""]
        pod.metadata.annotations = ["note": "hi"]
        let context = PodEnvironmentContext(nodeName: "node-1", hostIPs: ["192.168.1.10", "fd00::10"], podIPs: ["fd42::7", "10.42.0.7"])
        let env = try await ContainerEnvironment.build(pod: pod, container: pod.spec!.containers![0], context: context, source: InMemoryPodConfigSource())
        #expect(env.variables.map(\.value) == [
            "web", "team", "6f1d2c3a-0000-4000-8000-000000000001", "web", "hi", "app=\"web\"\ntier=\"front \\\"end\\\"\"", "node-1", "default",
            "192.168.1.10", "192.168.1.10,fd00::10", "10.42.0.7", "10.42.0.7,fd42::7",
        ])
    }

    @Test func resourceFieldRefsRoundUpAndDefaultLimitsToNodeAllocatable() async throws {
        var c = Fixtures.container(env: [
            Fixtures.env("CPU_LIMIT", from: src(Fixtures.resourceRef("limits.cpu"))),
            Fixtures.env("CPU_REQ_M", from: src(Fixtures.resourceRef("requests.cpu", divisor: "1m"))),
            Fixtures.env("CPU_REQ", from: src(Fixtures.resourceRef("requests.cpu"))),
            Fixtures.env("MEM_LIMIT_MI", from: src(Fixtures.resourceRef("limits.memory", divisor: "1Mi"))),
            Fixtures.env("MEM_REQ", from: src(Fixtures.resourceRef("requests.memory"))),
            Fixtures.env("MEM_REQ_MI", from: src(Fixtures.resourceRef("requests.memory", divisor: "1Mi"))),
            Fixtures.env("STORAGE_LIMIT_GI", from: src(Fixtures.resourceRef("limits.ephemeral-storage", divisor: "1Gi"))),
            Fixtures.env("SIDECAR_CPU_M", from: src(Fixtures.resourceRef("limits.cpu", divisor: "1m", container: "sidecar"))),
            Fixtures.env("SIDECAR_MEM", from: src(Fixtures.resourceRef("limits.memory", container: "sidecar"))),
        ])
        c.resources = CoreV1.ResourceRequirements(limits: ["memory": "100M"], requests: ["cpu": "250m", "memory": "64500k"])
        var sidecar = Fixtures.container("sidecar")
        sidecar.resources = CoreV1.ResourceRequirements(limits: ["cpu": "1500m"])
        let pod = Fixtures.pod(containers: [c, sidecar])
        let env = try await build(pod)
        #expect(env.value(of: "CPU_LIMIT") == "4")            // no limit: node allocatable
        #expect(env.value(of: "CPU_REQ_M") == "250")
        #expect(env.value(of: "CPU_REQ") == "1")              // 0.25 rounds up
        #expect(env.value(of: "MEM_LIMIT_MI") == "96")        // 100000000 / 1048576 = 95.37 -> 96
        #expect(env.value(of: "MEM_REQ") == "64500000")
        #expect(env.value(of: "MEM_REQ_MI") == "62")          // 61.51 -> 62
        #expect(env.value(of: "STORAGE_LIMIT_GI") == "100")
        #expect(env.value(of: "SIDECAR_CPU_M") == "1500")
        #expect(env.value(of: "SIDECAR_MEM") == String(8 * 1024 * 1024 * 1024))

        let bad = Fixtures.pod(containers: [Fixtures.container(env: [Fixtures.env("X", from: src(Fixtures.resourceRef("limits.gpu")))])])
        await #expect(throws: ContainerConfigError("unsupported container resource : limits.gpu")) { try await build(bad) }
        let missing = Fixtures.pod(containers: [Fixtures.container(env: [Fixtures.env("X", from: src(Fixtures.resourceRef("limits.cpu", container: "nope")))])])
        await #expect(throws: ContainerConfigError("container nope not found")) { try await build(missing) }
    }

    func src(_ r: CoreV1.ResourceFieldSelector) -> CoreV1.EnvVarSource {
        var s = CoreV1.EnvVarSource()
        s.resourceFieldRef = r
        return s
    }
}
