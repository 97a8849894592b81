import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TugAgent
import TugClient

/// `tug agent`: joins this machine to a cluster as a node and runs the pods bound to it.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Join this machine to a cluster as a node.")

    @Option(help: "URL of the API server to join (like http://127.0.0.1:6443).") var server: String
    @Option(help: "Join token (accepted now; enforced once authentication lands).") var token: String?
    @Option(help: "Directory for the agent's state, pod volumes and logs.") var dataDir: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "The cluster's pod network, as the server's --cluster-cidr (the service proxy masquerades traffic from outside it).")
    var clusterCIDR = "10.42.0.0/16"
    @OptionGroup var agent: AgentOptions

    func run() async throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--server must be the API server's URL, like http://127.0.0.1:6443; got \"\(server)\"")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let logger = Logger(label: "tug.agent")
        let dir = (DataDirectory.resolve(dataDir) as NSString).appendingPathComponent("agent")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Each informer's watch holds a connection for as long as it runs: a node with its network
        // plumbing keeps about a dozen open, and requests need more besides.
        let transport = HTTPTransport(server: server, token: token, userAgent: "tug-agent/\(agent.resolvedNodeName)", connectionsPerHost: 32)
        let client = APIClient(transport: transport, fieldManager: "tug-agent")
        let services = try await AgentServices.make(options: agent, client: client, dataDirectory: dir, controlPlane: false,
                                                    clusterCIDR: clusterCIDR, logger: logger)
        FileHandle.standardOutput.write(Data("tug agent: node \(agent.resolvedNodeName) joining \(server) (runtime \(services.runtimeDescription))\n".utf8))
        let group = ServiceGroup(configuration: .init(services: services.services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await transport.shutdown()
    }
}

/// The services one node agent consists of, built from its flags.
struct AgentServices {
    var services: [any Service]
    var runtimeDescription: String

    static func make(options: AgentOptions, client: APIClient, dataDirectory: String, controlPlane: Bool, clusterCIDR: String,
                     logger: Logger) async throws -> AgentServices {
        let node = try await NodeRuntime.make(options, dataDirectory: dataDirectory, logger: logger)
        var config = NodeAgent.Configuration(nodeName: options.resolvedNodeName, nodeIP: try options.resolvedNodeIP(),
                                             kubeletPort: options.kubeletPort, dataDirectory: dataDirectory, controlPlane: controlPlane)
        let manifests = (dataDirectory as NSString).appendingPathComponent("manifests")
        try FileManager.default.createDirectory(atPath: manifests, withIntermediateDirectories: true)
        config.manifestsDirectory = manifests
        config.clusterDNS = options.resolvedClusterDNS
        config.clusterDomain = options.clusterDomain
        config.resolvConf = options.resolvConf
        config.imageGCHighThresholdPercent = options.imageGCHighThreshold
        config.imageGCLowThresholdPercent = options.imageGCLowThreshold
        let network = try await NodeNetwork.make(options: options, client: client, realContainers: node.realContainers,
                                                 clusterCIDR: clusterCIDR, controlPlane: controlPlane, logger: logger)
        // The bridge masquerades only when the node's pod network does not do it for the cluster.
        config.podNetworkSetup = node.podNetworkSetup(ipMasq: !network.masqueradesPods)
        let agent = NodeAgent(client: client, runtime: node.runtime, configuration: config, logger: logger)
        logger.info("services on this node: \(network.description)")
        // containerd first, so the group stops it after the agent; the Service plumbing stops first.
        return AgentServices(services: node.services + [agent] + network.services, runtimeDescription: node.description)
    }
}
