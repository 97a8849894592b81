import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugAPIServer
import TugClient
import TugControllers
import TugInProcess
import TugScheduler
import TugStoreSQLite

/// `tug server`: the control plane (API server and store) on this machine.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run the control plane (API server, store, scheduler, controllers) and a node agent.")

    @Option(help: "Directory for the database and the admin kubeconfig.") var dataDir: String?
    @Option(help: "Address to serve the API on (HOST:PORT; port 0 picks a free one).") var listen = "127.0.0.1:6443"
    @Flag(help: "Do not run a node agent on this machine.") var noAgent = false
    @Flag(help: "Allow a non-loopback listen address although the API has no TLS or authentication yet.") var insecureListenAny = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Seconds a node may go without renewing its Lease before it is marked NotReady (Unknown).")
    var nodeMonitorGracePeriod = 40
    @Option(name: .customLong("terminated-pod-gc-threshold"),
            help: "Terminated pods (Succeeded or Failed) kept before the oldest are deleted; 0 keeps them all.")
    var terminatedPodGCThreshold = 12500
    @Option(help: "The pod network: each node gets a subnet of it as spec.podCIDR (\"\" turns node IPAM off).")
    var clusterCIDR = "10.42.0.0/16"
    @Option(name: .customLong("node-cidr-mask-size"), help: "The prefix length of each node's pod subnet.")
    var nodeCIDRMaskSize = 24
    @Option(help: "Where Services get cluster IPs (an IPv4 /12 to /30); .1 is the kubernetes Service, .10 cluster DNS.")
    var serviceCIDR = "10.43.0.0/16"
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        guard (2...3600).contains(nodeMonitorGracePeriod) else { throw ValidationError("--node-monitor-grace-period must be 2–3600 seconds") }
        guard terminatedPodGCThreshold >= 0 else {
            throw ValidationError("--terminated-pod-gc-threshold must be 0 (keep all terminated pods) or a positive number of pods")
        }
        if !clusterCIDR.isEmpty {
            do {
                try NodeIPAMController.validate(clusterCIDR: clusterCIDR, nodeMaskSize: nodeCIDRMaskSize)
            } catch {
                throw ValidationError("--cluster-cidr/--node-cidr-mask-size: \(error)")
            }
        }
        if let problem = APIServerCore.problemWithServiceCIDR(serviceCIDR) { throw ValidationError("--service-cidr: \(problem)") }
        let (host, port) = try ListenAddress.parse(listen)
        if !ListenAddress.isLoopback(host) && !insecureListenAny {
            throw ValidationError("refusing to listen on \(host): the API has no TLS or authentication yet. Use a loopback address (127.0.0.1) or pass --insecure-listen-any.")
        }
        let dir = DataDirectory.resolve(dataDir)
        try FileManager.default.createDirectory(atPath: (DataDirectory.databasePath(dir) as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let logger = Logger(label: "tug.server")
        let store = try SQLiteStore(path: DataDirectory.databasePath(dir))
        let core = APIServerCore(store: store, serverAddress: "\(host):\(port)", logger: logger,
                                 serviceCIDR: IPv4Network(serviceCIDR)!, advertiseAddress: Self.advertiseAddress(listenHost: host, nodeIP: agent.nodeIP))
        let api = APIServerService(core: core, host: host, port: port, logger: logger) { actualPort in
            let url = "http://\(ListenAddress.urlHost(host)):\(actualPort)"
            do {
                try Kubeconfig.write(Kubeconfig.render(server: url), to: DataDirectory.kubeconfigPath(dir))
            } catch {
                logger.error("could not write \(DataDirectory.kubeconfigPath(dir)): \(error)")
            }
            FileHandle.standardOutput.write(Data("tug server ready at \(url)\n".utf8))
        }
        // Controllers talk to the API server in-process, through the same routes as any client.
        let controllerClient = APIClient(transport: InProcessTransport(core: core, userAgent: "tug-controller-manager"),
                                         fieldManager: "tug-controller-manager")
        // Leases in kube-system decide which server runs them once several servers share a store.
        // Stable per data dir: a restarted server takes its own Leases back at once.
        let identity = "\(ProcessInfo.processInfo.hostName)_\(DataDirectory.serverID(dir))"
        let controllers = ControllerManager(client: controllerClient, logger: Logger(label: "tug.controllers"),
                                            election: .init(name: "tug-controller-manager", identity: identity),
                                            nodeMonitorGracePeriod: .seconds(nodeMonitorGracePeriod),
                                            nodeMonitorPeriod: .seconds(min(5, max(1, nodeMonitorGracePeriod / 4))),
                                            terminatedPodThreshold: terminatedPodGCThreshold,
                                            podNetwork: clusterCIDR.isEmpty ? nil : .init(clusterCIDR: clusterCIDR, nodeMaskSize: nodeCIDRMaskSize))
        let schedulerClient = APIClient(transport: InProcessTransport(core: core, userAgent: "tug-scheduler"), fieldManager: "tug-scheduler")
        let framework = SchedulingFramework(preFilters: DefaultPlugins.preFilters(), filters: DefaultPlugins.filters(),
                                            scores: DefaultPlugins.scores(totalNodes: 1))
        let scheduler = Scheduler(client: schedulerClient, framework: framework, logger: Logger(label: "tug.scheduler"),
                                  election: .init(name: "tug-scheduler", identity: identity))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: api), .init(service: controllers), .init(service: scheduler)]
        if !noAgent {
            // The server's own node agent talks to the API server in-process, as the controllers do.
            let agentClient = APIClient(transport: InProcessTransport(core: core, userAgent: "tug-agent/\(agent.resolvedNodeName)"),
                                        fieldManager: "tug-agent")
            let agentDir = (dir as NSString).appendingPathComponent("agent")
            try FileManager.default.createDirectory(atPath: agentDir, withIntermediateDirectories: true)
            let node = try await AgentServices.make(options: agent, client: agentClient, dataDirectory: agentDir, controlPlane: true,
                                                    clusterCIDR: clusterCIDR.isEmpty ? "10.42.0.0/16" : clusterCIDR,
                                              logger: Logger(label: "tug.agent"))
            services += node.services.map { .init(service: $0) }
            logger.info("running a node agent for \(agent.resolvedNodeName) (runtime \(node.runtimeDescription))")
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await store.close()
    }
}

extension ServerCommand {
    /// Where pods reach the API server (the `kubernetes` Service's endpoint): the listen address
    /// when it is a specific, non-loopback one, else none (pods cannot reach a loopback listener).
    static func advertiseAddress(listenHost: String, nodeIP: String?) -> String? {
        if !ListenAddress.isLoopback(listenHost), listenHost != "0.0.0.0", listenHost != "::", IPv4Network.parseAddress(listenHost) != nil {
            return listenHost
        }
        if listenHost == "0.0.0.0", let ip = nodeIP, IPv4Network.parseAddress(ip) != nil, !ListenAddress.isLoopback(ip) { return ip }
        return nil
    }
}

/// `HOST:PORT` parsing and the loopback check.
enum ListenAddress {
    static func parse(_ s: String) throws -> (String, Int) {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, got \"\(s)\"")
        }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func urlHost(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
