import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TugAPI
import TugAgent
import TugClient

/// `tug simulate`: hollow nodes that join a cluster and pretend to run its pods.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate",
                                                    abstract: "Join N simulated (hollow) nodes to a cluster, for tests and benchmarks.")
    @Option(help: "Kubeconfig of the cluster to join.") var kubeconfig: String
    @Option(help: "Number of nodes.") var nodes = 3
    @Option(help: "Node name prefix (names are PREFIX-0, PREFIX-1, ...).") var prefix = "hollow"
    @Option(help: "CPU capacity per node.") var cpu = "8"
    @Option(help: "Memory capacity per node.") var memory = "32Gi"
    @Option(help: "Pod capacity per node.") var pods = 110
    @Option(help: "Seconds between Lease renewals.") var leaseSeconds = 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func run() async throws {
        guard (1...100_000).contains(nodes), (1...3600).contains(leaseSeconds) else {
            throw ValidationError("--nodes must be 1–100000 and --lease-seconds 1–3600")
        }
        for (flag, value) in [("--cpu", cpu), ("--memory", memory)] where !Quantity(stringLiteral: value).isValid {
            throw ValidationError("\(flag) must be a Kubernetes quantity (like 8, 500m, 32Gi), got \"\(value)\"")
        }
        guard (1...10_000).contains(pods) else { throw ValidationError("--pods must be 1–10000") }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let logger = Logger(label: "tug.simulate")
        let config: KubeconfigFile
        do { config = try KubeconfigFile.load(kubeconfig) } catch { throw ValidationError("\(error)") }
        let transport = HTTPTransport(server: config.server, token: config.token, userAgent: "tug-simulate", connectionsPerHost: 32)
        let client = APIClient(transport: transport, fieldManager: "tug-simulate")
        let hollow = HollowNodes(client: client, profiles: HollowNodes.profiles(count: nodes, prefix: prefix, cpu: cpu, memory: memory, pods: pods),
                                 logger: logger, leaseInterval: .seconds(leaseSeconds))
        FileHandle.standardOutput.write(Data("tug simulate: \(nodes) hollow node(s) \(prefix)-0… joining \(config.server)\n".utf8))
        let group = ServiceGroup(configuration: .init(services: [.init(service: hollow)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? await transport.shutdown()
    }
}
