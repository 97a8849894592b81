import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TugNetwork
@testable import TugContainerd

/// Runs the rendered conflist through the installed plugins the way libcni does (each plugin
/// gets the list's name and cniVersion, then the previous result), in a network namespace this
/// test creates, and deletes it all again.
@Suite("CNI conflist against the installed plugins", .serialized)
struct CNIPluginChainTests {
    static let pluginDirectory = "/usr/lib/cni"
    static let live = getuid() == 0
        && ["bridge", "host-local", "portmap"].allSatisfy { FileManager.default.isExecutableFile(atPath: pluginDirectory + "/" + $0) }
        && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip"))

    private static var ip: String { FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip" }

    /// Runs a command without blocking a thread or leaking descriptors into it (TugContainerd's runner).
    @discardableResult
    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil)
        async throws -> (status: Int32, output: Data) {
        let merged = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let result = try await CommandRunner.run(executable, arguments, environment: merged, input: input, timeout: .seconds(30))
        let status: Int32 = result.exit == .exited(0) ? 0 : 1
        return (status, Data((result.standardOutput + result.standardError).utf8))
    }

    private func invoke(_ command: String, plugin: [String: Any], list: [String: Any], prevResult: Any?,
                        netns: String, runtimeConfig: [String: Any]) async throws -> (status: Int32, output: Data) {
        var config = plugin
        config["name"] = list["name"]
        config["cniVersion"] = list["cniVersion"]
        if let prevResult { config["prevResult"] = prevResult }
        if (plugin["capabilities"] as? [String: Bool])?["portMappings"] == true {
            config["runtimeConfig"] = runtimeConfig
        }
        let type = try #require(plugin["type"] as? String)
        return try await run(Self.pluginDirectory + "/" + type, [], environment: [
            "CNI_COMMAND": command, "CNI_CONTAINERID": "tugtest-\(netns)", "CNI_NETNS": "/var/run/netns/" + netns,
            "CNI_IFNAME": "eth0", "CNI_PATH": Self.pluginDirectory,
        ], input: try JSONSerialization.data(withJSONObject: config))
    }

    @Test("bridge + host-local + portmap accept the conflist: the pod gets an address in the pod CIDR",
          .enabled(if: live, "needs root, iproute2 and containernetworking-plugins in /usr/lib/cni"), .timeLimit(.minutes(1)))
    func pluginsAcceptConflist() async throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let netns = "tugcni" + suffix
        let bridgeName = "tugt" + suffix
        let ipamDir = NSTemporaryDirectory() + "tugcni-ipam-" + suffix
        let config = try CNIConfig(podCIDR: "10.251.77.0/24", networkName: "tugtest-" + suffix, bridgeName: bridgeName,
                                   ipamDataDirectory: ipamDir)
        let list = try #require(try JSONSerialization.jsonObject(with: try config.render()) as? [String: Any])
        let plugins = try #require(list["plugins"] as? [[String: Any]])
        let portMappings: [String: Any] = ["portMappings": [["hostPort": 39080, "containerPort": 80, "protocol": "tcp"]]]

        #expect(try await run(Self.ip, ["netns", "add", netns]).status == 0)
        do {
            try await addAndCheck(plugins: plugins, list: list, netns: netns, bridgeName: bridgeName, portMappings: portMappings)
        } catch {
            Issue.record(error)
        }
        // Cleanup runs whatever the checks found (defer cannot await).
        for plugin in plugins.reversed() {
            let deleted = try? await invoke("DEL", plugin: plugin, list: list, prevResult: nil, netns: netns, runtimeConfig: portMappings)
            #expect(deleted?.status == 0, "\(plugin["type"] ?? "?") DEL")
        }
        _ = try? await run(Self.ip, ["netns", "del", netns])
        _ = try? await run(Self.ip, ["link", "del", bridgeName])
        try? FileManager.default.removeItem(atPath: ipamDir)
    }

    private func addAndCheck(plugins: [[String: Any]], list: [String: Any], netns: String, bridgeName: String,
                             portMappings: [String: Any]) async throws {

        var previous: Any?
        for plugin in plugins {
            let result = try await invoke("ADD", plugin: plugin, list: list, prevResult: previous, netns: netns, runtimeConfig: portMappings)
            #expect(result.status == 0, "\(plugin["type"] ?? "?") ADD: \(String(decoding: result.output, as: UTF8.self))")
            previous = try JSONSerialization.jsonObject(with: result.output)
        }
        let final = try #require(previous as? [String: Any])
        #expect(final["cniVersion"] as? String == "1.0.0")
        let ips = try #require(final["ips"] as? [[String: Any]])
        #expect(ips.first?["address"] as? String == "10.251.77.2/24")
        #expect(ips.first?["gateway"] as? String == "10.251.77.1")

        let inside = try await run(Self.ip, ["netns", "exec", netns, Self.ip, "-4", "addr", "show", "eth0"])
        #expect(String(decoding: inside.output, as: UTF8.self).contains("10.251.77.2/24"))
        let bridge = try await run(Self.ip, ["-4", "addr", "show", bridgeName])
        #expect(String(decoding: bridge.output, as: UTF8.self).contains("10.251.77.1/24"))
    }
}
