import Foundation
import TugAPI
import TugRuntime

/// A container's environment as the kubelet builds it (`makeEnvironmentVariables`): the
/// variables of visible Services, then `envFrom` (ConfigMaps and Secrets, with prefix), then
/// `env` in declaration order. A later definition replaces an earlier one of the same name;
/// `env` values expand `$(VAR)` against what is defined so far and the Service variables.
public struct ContainerEnvironment: Sendable, Hashable {
    /// The variables in order: Service variables not overridden, then the container's own.
    public var variables: [TugRuntime.EnvVar]
    /// Events to record on the pod (keys of `envFrom` sources that are not valid names).
    public var warnings: [ConfigWarning]

    public init(variables: [TugRuntime.EnvVar], warnings: [ConfigWarning] = []) {
        self.variables = variables
        self.warnings = warnings
    }

    /// The value of `name`, if defined.
    public func value(of name: String) -> String? { variables.last { $0.name == name }?.value }

    /// Builds the environment of `container` in `pod`. Throws `ContainerConfigError` with the
    /// kubelet's message when a non-optional ConfigMap, Secret or key is missing, a field path is
    /// unsupported, or the source fails. `strictNames` applies the pre-1.34 name rule
    /// (`[-._a-zA-Z][-._a-zA-Z0-9]*`) to `envFrom` keys instead of the current relaxed one.
    public static func build(pod: CoreV1.Pod, container: CoreV1.Container, context: PodEnvironmentContext,
                             source: any PodConfigSource, strictNames: Bool = false) async throws -> ContainerEnvironment {
        do {
            return try await Builder(pod: pod, container: container, context: context, source: source, strictNames: strictNames).build()
        } catch let e as ContainerConfigError {
            throw e
        } catch let e as DownwardAPIError {
            throw ContainerConfigError(e.message)
        } catch {
            throw ContainerConfigError(String(describing: error))
        }
    }
}

/// Names with insertion order and last-wins values: a redefinition moves the name to the end.
struct OrderedEnvironment {
    private(set) var names: [String] = []
    private(set) var values: [String: String] = [:]

    mutating func set(_ name: String, _ value: String) {
        if values[name] != nil { names.removeAll { $0 == name } }
        names.append(name)
        values[name] = value
    }

    var variables: [TugRuntime.EnvVar] { names.map { TugRuntime.EnvVar($0, values[$0]!) } }
}

private struct Builder {
    let pod: CoreV1.Pod
    let container: CoreV1.Container
    let context: PodEnvironmentContext
    let source: any PodConfigSource
    let strictNames: Bool

    var namespace: String { pod.metadata.namespace ?? "default" }

    func build() async throws -> ContainerEnvironment {
        var env = OrderedEnvironment()
        var warnings: [ConfigWarning] = []
        for v in try await serviceVariables() { env.set(v.name, v.value) }

        var configMaps: [String: CoreV1.ConfigMap] = [:]
        var secrets: [String: CoreV1.Secret] = [:]

        // envFrom first; env may then replace what it defined.
        for envFrom in container.envFrom ?? [] {
            let prefix = envFrom.prefix ?? ""
            var data: [String: String]
            let kind: String, name: String
            if let ref = envFrom.configMapRef {
                name = ref.name ?? ""
                kind = "configMap"
                guard let cm = try await configMap(name, optional: ref.optional == true, cache: &configMaps) else { continue }
                data = cm.data ?? [:]
            } else if let ref = envFrom.secretRef {
                name = ref.name ?? ""
                kind = "secret"
                guard let s = try await secret(name, optional: ref.optional == true, cache: &secrets) else { continue }
                data = [:]
                for (k, v) in s.data ?? [:] { data[k] = String(decoding: v, as: UTF8.self) }
            } else {
                continue
            }
            var invalid: [String] = []
            for key in data.keys.sorted() {
                let full = prefix + key
                let errs = strictNames ? Validation.isEnvVarName(full) : Validation.isRelaxedEnvVarName(full)
                if !errs.isEmpty {
                    invalid.append(full)
                    continue
                }
                env.set(full, data[key]!)
            }
            if !invalid.isEmpty {
                warnings.append(ConfigWarning(
                    reason: "InvalidEnvironmentVariableNames",
                    message: "Keys [\(invalid.sorted().joined(separator: ", "))] from the EnvFrom \(kind) \(namespace)/\(name) were skipped since they are considered invalid environment variable names."))
            }
        }

        for envVar in container.env ?? [] {
            let name = envVar.name ?? ""
            var value = envVar.value ?? ""
            if !value.isEmpty {
                let known = env.values
                value = VariableExpansion.expand(value) { known[$0] }
            } else if let from = envVar.valueFrom {
                if let fieldRef = from.fieldRef {
                    value = try fieldValue(fieldRef)
                } else if let resourceRef = from.resourceFieldRef {
                    value = try resourceValue(resourceRef)
                } else if let ref = from.configMapKeyRef {
                    let cmName = ref.name ?? "", key = ref.key ?? "", optional = ref.optional == true
                    guard let cm = try await configMap(cmName, optional: optional, cache: &configMaps) else { continue }
                    guard let v = cm.data?[key] else {
                        if optional { continue }
                        throw ContainerConfigError("couldn't find key \(key) in ConfigMap \(namespace)/\(cmName)")
                    }
                    value = v
                } else if let ref = from.secretKeyRef {
                    let sName = ref.name ?? "", key = ref.key ?? "", optional = ref.optional == true
                    guard let s = try await secret(sName, optional: optional, cache: &secrets) else { continue }
                    guard let v = s.data?[key] else {
                        if optional { continue }
                        throw ContainerConfigError("couldn't find key \(key) in Secret \(namespace)/\(sName)")
                    }
                    value = String(decoding: v, as: UTF8.self)
                } else if from.fileKeyRef != nil {
                    throw ContainerConfigError("env var \(name): fileKeyRef (EnvFiles) is not supported by this node agent yet")
                }
            }
            env.set(name, value)
        }
        return ContainerEnvironment(variables: env.variables, warnings: warnings)
    }

    func serviceVariables() async throws -> [TugRuntime.EnvVar] {
        let links = pod.spec?.enableServiceLinks ?? true
        let defaults: [CoreV1.Service]
        let own: [CoreV1.Service]
        do {
            defaults = try await source.services(namespace: "default")
            own = !links ? [] : namespace == "default" ? defaults : try await source.services(namespace: namespace)
        } catch {
            throw ContainerConfigError("failed to list services when setting up env vars")
        }
        let visible = ServiceEnvironment.visibleServices(namespace: namespace, enableServiceLinks: links, namespaceServices: own,
                                                         defaultNamespaceServices: defaults)
        return ServiceEnvironment.variables(for: visible)
    }

    func configMap(_ name: String, optional: Bool, cache: inout [String: CoreV1.ConfigMap]) async throws -> CoreV1.ConfigMap? {
        if let cm = cache[name] { return cm }
        guard let cm = try await source.configMap(namespace: namespace, name: name) else {
            if optional { return nil }
            throw ContainerConfigError.configMapNotFound(name)
        }
        cache[name] = cm
        return cm
    }

    func secret(_ name: String, optional: Bool, cache: inout [String: CoreV1.Secret]) async throws -> CoreV1.Secret? {
        if let s = cache[name] { return s }
        guard let s = try await source.secret(namespace: namespace, name: name) else {
            if optional { return nil }
            throw ContainerConfigError.secretNotFound(name)
        }
        cache[name] = s
        return s
    }

    /// kubelet's `podFieldSelectorRuntimeValue`.
    func fieldValue(_ selector: CoreV1.ObjectFieldSelector) throws -> String {
        let path = try DownwardAPIFields.convertFieldLabel(apiVersion: selector.apiVersion ?? "v1", selector.fieldPath ?? "")
        let podIPs = context.sortedPodIPs
        switch path {
        case "spec.nodeName":
            let n = pod.spec?.nodeName ?? ""
            return n.isEmpty ? context.nodeName : n
        case "spec.serviceAccountName":
            return pod.spec?.serviceAccountName ?? ""
        case "status.hostIP", "status.hostIPs":
            guard let first = context.hostIPs.first else { throw ContainerConfigError("no host IP is known for node \(context.nodeName)") }
            return path == "status.hostIP" ? first : context.hostIPs.joined(separator: ",")
        case "status.podIP":
            return podIPs.first ?? ""
        case "status.podIPs":
            return podIPs.joined(separator: ",")
        default:
            return try DownwardAPIFields.metadataValue(pod, fieldPath: path)
        }
    }

    /// kubelet's `containerResourceRuntimeValue` on the pod with limits defaulted to the node's
    /// allocatable resources.
    func resourceValue(_ selector: CoreV1.ResourceFieldSelector) throws -> String {
        let containerName = selector.containerName ?? ""
        if containerName.isEmpty {
            let c = ResourceFieldValues.withDefaultLimits(container, nodeAllocatable: context.nodeAllocatable)
            return try ResourceFieldValues.value(selector, container: c)
        }
        let p = ResourceFieldValues.withDefaultLimits(pod, nodeAllocatable: context.nodeAllocatable)
        return try ResourceFieldValues.value(selector, container: try ResourceFieldValues.findContainer(p, containerName))
    }
}
