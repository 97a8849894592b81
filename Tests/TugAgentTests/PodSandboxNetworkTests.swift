import Foundation
import Synchronization
import Testing
import TugAPI
import TugRuntime
import TugRuntimeSimulated
@testable import TugAgent

/// Sandboxes of pods with their own network: they wait for the node's pod network, a failed
/// one is cleaned up and retried under a new attempt, and a replaced one's addresses replace
/// the old ones in the pod's status.
@Suite struct PodSandboxNetworkTests {
    func runningIPs(_ node: AgentTestNode, _ name: String, not old: [String] = []) async throws -> [String]? {
        try await node.eventually("\(name) running with its own address") { () -> [String]? in
            guard let p = try await node.pod(name), p.status?.phase == "Running",
                  let ips = p.status?.podIPs?.compactMap(\.ip), !ips.isEmpty, ips != old else { return nil }
            return ips
        }
    }

    @Test("a pod waits for the node's pod network (NetworkNotReady), then runs")
    func waitsForThePodNetwork() async throws {
        let runtime = SimulatedRuntime(podNetworking: true)
        let node = try await AgentTestNode.start(runtime: runtime) { config in config.podNetworkSetup = { _ in } }
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("web"))
        _ = try await node.eventually("a NetworkNotReady Event") {
            try await node.events("web").contains { $0.reason == "NetworkNotReady" } ? true : nil
        }
        #expect(try await runtime.listSandboxes().isEmpty, "no sandbox before the network is there")
        #expect(try await node.pod("web")?.status?.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating")
        _ = try await node.client.patch(CoreV1.Node.self, name: AgentTestNode.nodeName,
                                        ["spec": .object(["podCIDR": .string("10.42.3.0/24"), "podCIDRs": .array([.string("10.42.3.0/24")])])])
        #expect(try await runningIPs(node, "web")?.count == 1)
    }

    @Test("a sandbox that fails half-made is removed and the next try is a new attempt")
    func failedSandboxIsCleanedUp() async throws {
        let runtime = SimulatedRuntime(podNetworking: true)
        await runtime.failNextSandboxes(2)
        let node = try await AgentTestNode.start(runtime: runtime)
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("web"))
        #expect(try await runningIPs(node, "web")?.count == 1)
        let sandboxes = try await runtime.listSandboxes()
        #expect(sandboxes.count == 1, "the failed ones are gone: \(sandboxes.map { "\($0.attempt) \($0.state)" })")
        #expect(sandboxes.first?.attempt == 2 && sandboxes.first?.state == .ready)
        #expect(try await node.events("web").filter { $0.reason == "FailedCreatePodSandBox" }.count >= 1)
    }

    @Test("a replaced sandbox's addresses replace the old ones in podIPs")
    func replacedSandboxReplacesPodIPs() async throws {
        let runtime = SimulatedRuntime(podNetworking: true)
        let node = try await AgentTestNode.start(runtime: runtime)
        defer { node.stop() }
        _ = try await node.client.create(AgentTestNode.pod("web"))
        let first = try #require(try await runningIPs(node, "web"))
        let sandbox = try #require(try await runtime.listSandboxes().first)
        try await runtime.stopSandbox(sandbox.id) // the sandbox dies under the agent
        let second = try #require(try await runningIPs(node, "web", not: first))
        #expect(second.count == 1 && second != first, "only the new sandbox's address: \(second)")
        #expect(try await node.pod("web")?.status?.podIP == second.first)
    }
}
