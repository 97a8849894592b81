import Foundation
import Logging
import TugAPI

/// The volumes of one pod on this node, laid out as the kubelet lays them out:
/// `<podDir>/volumes/<plugin>/<name>` with plugin `kubernetes.io~empty-dir`,
/// `kubernetes.io~configmap`, `kubernetes.io~secret`, `kubernetes.io~downward-api` or
/// `kubernetes.io~projected`; hostPath volumes are the host's own path. API data volumes are
/// written atomically, and `update` rewrites them when their source changed, so mounted
/// ConfigMap and Secret updates appear in running containers.
public actor PodVolumes {
    public let podDirectory: String
    let source: any PodConfigSource
    let nodeAllocatable: [String: Quantity]
    let emptyDirs: EmptyDirSetup
    let logger: Logger
    /// The volumes set up so far, by name.
    public private(set) var volumes: [String: MountedVolume] = [:]

    /// `canMountTmpfs` defaults to whether this process runs as root; without it, memory-backed
    /// volumes are plain directories (and the log says so).
    public init(podDirectory: String, source: any PodConfigSource, nodeAllocatable: [String: Quantity] = [:],
                canMountTmpfs: Bool? = nil, logger: Logger = Logger(label: "tug.agent.volumes")) {
        self.podDirectory = podDirectory
        self.source = source
        self.nodeAllocatable = nodeAllocatable
        self.logger = logger
        emptyDirs = EmptyDirSetup(canMountTmpfs: canMountTmpfs ?? HostFileSystem.isRoot, logger: logger)
    }

    public nonisolated var volumesDirectory: String { (podDirectory as NSString).appendingPathComponent("volumes") }

    /// The host directory of a volume of `kind` named `name`.
    public nonisolated func directory(for kind: MountedVolume.Kind, name: String) -> String? {
        kind.pluginDirectory.map { "\(volumesDirectory)/\($0)/\(name)" }
    }

    /// Sets up every volume of the pod (again: existing content is kept, API data refreshed) and
    /// answers them by name. Every volume is attempted; the first failure, in spec order, is
    /// thrown as a `VolumeSetUpError`.
    @discardableResult
    public func setUp(_ pod: CoreV1.Pod) async throws -> [String: MountedVolume] {
        var firstError: VolumeSetUpError?
        for v in pod.spec?.volumes ?? [] {
            do {
                let mounted = try await setUp(v, pod: pod)
                volumes[mounted.name] = mounted
            } catch {
                let e = Self.setUpError(error, volume: v.name ?? "")
                logger.warning("\(e)")
                if firstError == nil { firstError = e }
            }
        }
        if let firstError { throw firstError }
        return volumes
    }

    /// Rewrites the configMap, secret, downwardAPI and projected volumes already set up from their
    /// current sources and the pod's current metadata; unchanged volumes are not touched. Answers
    /// the names of the volumes whose files changed.
    @discardableResult
    public func update(_ pod: CoreV1.Pod) async throws -> [String] {
        var changed: [String] = []
        var firstError: VolumeSetUpError?
        for v in pod.spec?.volumes ?? [] {
            guard let name = v.name, let mounted = volumes[name], mounted.kind.mustMountReadOnly else { continue }
            do {
                if try await writeContent(v, kind: mounted.kind, dir: mounted.hostPath, pod: pod) { changed.append(name) }
            } catch {
                let e = Self.setUpError(error, volume: name)
                logger.warning("\(e)")
                if firstError == nil { firstError = e }
            }
        }
        if let firstError { throw firstError }
        return changed
    }

    /// Removes every volume of the pod: tmpfs mounts under the pod's volumes directory are
    /// unmounted first, then the directory is deleted. Safe to call when nothing was set up or
    /// after a restart of the agent (it reads the mount table, not memory).
    public func tearDown() throws {
        for point in MountTable.mountPoints(under: volumesDirectory) {
            try MountTable.unmount(point)
            logger.info("unmounted \(point)")
        }
        try HostFileSystem.removeAll(volumesDirectory)
        volumes = [:]
    }

    // MARK: one volume

    static func setUpError(_ error: any Error, volume: String) -> VolumeSetUpError {
        error as? VolumeSetUpError ?? VolumeSetUpError(volume: volume, message: String(describing: error))
    }

    private func setUp(_ v: CoreV1.Volume, pod: CoreV1.Pod) async throws -> MountedVolume {
        let name = v.name ?? ""
        func fail(_ message: String) -> VolumeSetUpError { VolumeSetUpError(volume: name, message: message) }
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { throw fail("invalid volume name \"\(name)\"") }
        let kind: MountedVolume.Kind
        if v.emptyDir != nil { kind = .emptyDir }
        else if v.hostPath != nil { kind = .hostPath }
        else if v.configMap != nil { kind = .configMap }
        else if v.secret != nil { kind = .secret }
        else if v.downwardAPI != nil { kind = .downwardAPI }
        else if v.projected != nil { kind = .projected }
        else if let claim = v.persistentVolumeClaim {
            throw fail("persistentVolumeClaim volumes (claim \"\(claim.claimName ?? "")\") are not supported by this node agent yet")
        } else if v.ephemeral != nil {
            throw fail("ephemeral volumes are not supported by this node agent yet")
        } else {
            throw fail("volume type \(Self.sourceType(v)) is not supported by this node agent; supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected")
        }

        if kind == .hostPath {
            let path = v.hostPath?.path ?? ""
            guard path.hasPrefix("/") else { throw fail("hostPath path \"\(path)\" must be absolute") }
            do { try HostPathCheck.check(path: path, type: v.hostPath?.type ?? "") } catch { throw fail("\(error)") }
            return MountedVolume(name: name, kind: .hostPath, hostPath: path)
        }

        let dir = directory(for: kind, name: name)!
        let memory: Bool
        var sizeLimit: Quantity?
        switch kind {
        case .emptyDir:
            let medium = v.emptyDir?.medium ?? ""
            guard medium == "" || medium == "Memory" else {
                throw fail(medium.hasPrefix("HugePages") ? "emptyDir medium \(medium) is not supported by this node agent yet"
                                                          : "unknown storage medium \"\(medium)\"")
            }
            memory = medium == "Memory"
            sizeLimit = v.emptyDir?.sizeLimit
        case .secret, .downwardAPI, .projected:
            memory = true // kept off disk, as the kubelet does
        default:
            memory = false
        }
        let onTmpfs: Bool
        do {
            let size = memory ? EmptyDirSetup.memorySize(pod: pod, sizeLimit: sizeLimit, nodeAllocatable: nodeAllocatable) : nil
            onTmpfs = try emptyDirs.setUp(dir: dir, volume: name, memory: memory, sizeLimit: size)
        } catch {
            throw fail(String(describing: error))
        }
        if kind != .emptyDir { _ = try await writeContent(v, kind: kind, dir: dir, pod: pod) }
        return MountedVolume(name: name, kind: kind, hostPath: dir, onTmpfs: onTmpfs)
    }

    /// Writes an API data volume's files; answers whether anything changed.
    private func writeContent(_ v: CoreV1.Volume, kind: MountedVolume.Kind, dir: String, pod: CoreV1.Pod) async throws -> Bool {
        let name = v.name ?? ""
        do {
            let payload = try await payload(v, kind: kind, pod: pod)
            return try AtomicWriter(targetDirectory: dir).write(payload)
        } catch let e as VolumeSetUpError {
            throw e
        } catch {
            throw VolumeSetUpError(volume: name, message: String(describing: error))
        }
    }

    private func payload(_ v: CoreV1.Volume, kind: MountedVolume.Kind, pod: CoreV1.Pod) async throws -> [String: FileProjection] {
        let ns = pod.metadata.namespace ?? "default"
        switch kind {
        case .configMap:
            let s = v.configMap!
            let optional = s.optional == true, cmName = s.name ?? ""
            guard let cm = try await source.configMap(namespace: ns, name: cmName) ?? (optional ? Self.emptyConfigMap : nil) else {
                throw ContainerConfigError.configMapNotFound(cmName)
            }
            return try VolumePayloads.configMap(cm, items: s.items, defaultMode: VolumePayloads.mode(s.defaultMode, VolumePayloads.defaultMode),
                                                optional: optional)
        case .secret:
            let s = v.secret!
            let optional = s.optional == true, secretName = s.secretName ?? ""
            guard let secret = try await source.secret(namespace: ns, name: secretName) ?? (optional ? Self.emptySecret : nil) else {
                throw ContainerConfigError.secretNotFound(secretName)
            }
            return try VolumePayloads.secret(secret, items: s.items, defaultMode: VolumePayloads.mode(s.defaultMode, VolumePayloads.defaultMode),
                                             optional: optional)
        case .downwardAPI:
            let s = v.downwardAPI!
            return try VolumePayloads.downwardAPI(s.items ?? [], pod: pod, defaultMode: VolumePayloads.mode(s.defaultMode, VolumePayloads.defaultMode),
                                                  nodeAllocatable: nodeAllocatable)
        case .projected:
            return try await projectedPayload(v.projected!, pod: pod, namespace: ns)
        case .emptyDir, .hostPath:
            return [:]
        }
    }

    /// Every source of a projected volume merged (later sources win on the same path); all
    /// failing sources are reported together.
    private func projectedPayload(_ p: CoreV1.ProjectedVolumeSource, pod: CoreV1.Pod, namespace ns: String) async throws -> [String: FileProjection] {
        let defaultMode = VolumePayloads.mode(p.defaultMode, VolumePayloads.defaultMode)
        var payload: [String: FileProjection] = [:]
        var errors: [String] = []
        for src in p.sources ?? [] {
            do {
                var part: [String: FileProjection] = [:]
                if let s = src.secret {
                    let optional = s.optional == true, secretName = s.name ?? ""
                    guard let secret = try await source.secret(namespace: ns, name: secretName) ?? (optional ? Self.emptySecret : nil) else {
                        throw ContainerConfigError.secretNotFound(secretName)
                    }
                    part = try VolumePayloads.secret(secret, items: s.items, defaultMode: defaultMode, optional: optional)
                } else if let c = src.configMap {
                    let optional = c.optional == true, cmName = c.name ?? ""
                    guard let cm = try await source.configMap(namespace: ns, name: cmName) ?? (optional ? Self.emptyConfigMap : nil) else {
                        throw ContainerConfigError.configMapNotFound(cmName)
                    }
                    part = try VolumePayloads.configMap(cm, items: c.items, defaultMode: defaultMode, optional: optional)
                } else if let d = src.downwardAPI {
                    part = try VolumePayloads.downwardAPI(d.items ?? [], pod: pod, defaultMode: defaultMode, nodeAllocatable: nodeAllocatable)
                } else if src.serviceAccountToken != nil {
                    throw VolumePathError("serviceAccountToken projections are not supported by this node agent yet")
                } else if src.clusterTrustBundle != nil {
                    throw VolumePathError("clusterTrustBundle projections are not supported by this node agent yet")
                } else if src.podCertificate != nil {
                    throw VolumePathError("podCertificate projections are not supported by this node agent yet")
                }
                payload.merge(part) { _, new in new }
            } catch let e as AggregateError {
                errors += e.messages
            } catch {
                errors.append(String(describing: error))
            }
        }
        if !errors.isEmpty { throw AggregateError(errors) }
        return payload
    }

    static let emptyConfigMap = CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta())
    static let emptySecret = CoreV1.Secret(metadata: MetaV1.ObjectMeta())

    /// The JSON name of the volume's source, for the unsupported-type message.
    static func sourceType(_ v: CoreV1.Volume) -> String {
        guard let data = try? JSONEncoder().encode(v),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "(unknown)" }
        return object.keys.filter { $0 != "name" }.sorted().first ?? "(none)"
    }
}
