import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TugAgent
import TugAPIServer
import TugContainerd
import TugNetwork
import TugRuntime
import TugRuntimeCRI
import TugRuntimeProcess
import TugRuntimeSimulated

/// The container runtime a node agent drives, chosen from its flags, with what comes with it:
/// this node's own containerd (`--start-containerd`) and where the pod network's CNI config goes
/// once the Node has its pod CIDR.
struct NodeRuntime {
    var runtime: any ContainerRuntime
    /// Started before the agent and stopped after it (the ServiceGroup stops in reverse order).
    var services: [any Service] = []
    /// Where the CNI conflist is written, for runtimes that use CNI.
    var cniConfDirectory: String?
    /// host-local's allocation records (nil: the plugin's /var/lib/cni/networks). The node's own
    /// containerd keeps them under its data dir, so nodes sharing a machine never share them.
    var ipamDataDirectory: String?
    /// For the startup line: `process`, `cri (containerd at unix:///…)`.
    var description: String
    /// Pods are containers with their own network (CRI), which the node's Service plumbing serves.
    var realContainers = false

    static let defaultEndpoint = "unix:///run/containerd/containerd.sock"

    static func make(_ options: AgentOptions, dataDirectory: String, logger: Logger) async throws -> NodeRuntime {
        switch options.runtime {
        case "simulated":
            return NodeRuntime(runtime: SimulatedRuntime(podNetworking: false), description: "simulated")
        case "process":
            return try process(dataDirectory: dataDirectory, logger: logger)
        case "cri":
            return try await cri(options, dataDirectory: dataDirectory, logger: logger)
        default:
            if options.startContainerd { return try await cri(options, dataDirectory: dataDirectory, logger: logger) }
            let endpoint = options.containerRuntimeEndpoint ?? defaultEndpoint
            if UnixSocketProbe.answers(at: ContainerdConfig.socketPath(fromEndpoint: endpoint)) {
                return try await cri(options, dataDirectory: dataDirectory, logger: logger)
            }
            var chosen = try process(dataDirectory: dataDirectory, logger: logger)
            chosen.description = "process (no CRI runtime answers at \(endpoint); --start-containerd runs one)"
            return chosen
        }
    }

    static func process(dataDirectory: String, logger: Logger) throws -> NodeRuntime {
        let root = (dataDirectory as NSString).appendingPathComponent("runtime/process")
        do {
            let runtime = try ProcessRuntime(root: root, shimExecutable: try AgentOptions.shimExecutable(), version: TugboatVersion.string,
                                             logger: logger)
            return NodeRuntime(runtime: runtime, description: "process")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot start the process runtime: \(error)")
        }
    }

    /// containerd through CRI: this node's own (`--start-containerd`, config under the data dir)
    /// or one already running at `--container-runtime-endpoint`.
    static func cri(_ options: AgentOptions, dataDirectory: String, logger: Logger) async throws -> NodeRuntime {
        var services: [any Service] = []
        let endpoint: String
        let cniConfDirectory: String
        if options.startContainerd {
            do {
                try HostPrerequisites().require()
            } catch {
                throw ValidationError("--start-containerd: \(error)")
            }
            let config = ContainerdConfig(dataDirectory: (dataDirectory as NSString).appendingPathComponent("containerd"),
                                          socketPath: options.containerRuntimeEndpoint ?? ownSocketPath(dataDirectory))
            let supervisor = ContainerdSupervisor(config: config, insecureRegistries: options.resolvedInsecureRegistries,
                                                  logger: Logger(label: "tug.containerd"))
            do {
                // Also imports the pause image (built here from busybox-static), which sandboxes need.
                try await supervisor.start()
            } catch {
                await supervisor.stop()
                throw ValidationError("--start-containerd: \(error)")
            }
            services.append(supervisor)
            endpoint = config.endpoint
            cniConfDirectory = options.cniConfDir ?? config.cniConfDirectory
        } else {
            endpoint = options.containerRuntimeEndpoint ?? defaultEndpoint
            cniConfDirectory = options.cniConfDir ?? "/etc/cni/net.d"
        }
        let runtime: CRIRuntime
        let version: RuntimeVersion
        do {
            runtime = try CRIRuntime(endpoint: endpoint, logger: logger)
            version = try await runtime.version()
        } catch {
            for case let supervisor as ContainerdSupervisor in services { await supervisor.stop() }
            throw ValidationError("the CRI runtime at \(endpoint) does not answer: \(error)")
        }
        let ipamDataDirectory = options.startContainerd ? (dataDirectory as NSString).appendingPathComponent("containerd/cni-ipam") : nil
        return NodeRuntime(runtime: runtime, services: services, cniConfDirectory: cniConfDirectory, ipamDataDirectory: ipamDataDirectory,
                           description: "cri (\(version.nodeInfoString) at \(endpoint))", realContainers: true)
    }

    /// Writes the CNI config for the Node's pod CIDR once it has one; `ipMasq` as `CNIConfig`'s.
    func podNetworkSetup(ipMasq: Bool) -> (@Sendable (String) async throws -> Void)? {
        guard let cniConfDirectory else { return nil }
        let ipamDataDirectory = self.ipamDataDirectory
        return { podCIDR in
            try CNIConfig(podCIDR: podCIDR, ipamDataDirectory: ipamDataDirectory, ipMasq: ipMasq).write(toDirectory: cniConfDirectory)
        }
    }

    /// The socket of the node's own containerd: under the data dir when the path fits in a unix
    /// socket address, else under /run/tugboat.
    static func ownSocketPath(_ dataDirectory: String) -> String {
        let path = (dataDirectory as NSString).appendingPathComponent("containerd/containerd.sock")
        if path.utf8.count <= ContainerdConfig.maximumSocketPathLength { return path }
        // FNV-1a of the data dir: the same node gets the same socket across restarts.
        var hash: UInt32 = 2_166_136_261
        for byte in path.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return "/run/tugboat/containerd-\(String(hash, radix: 16)).sock"
    }
}
