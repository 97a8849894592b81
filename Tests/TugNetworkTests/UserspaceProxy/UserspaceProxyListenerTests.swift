import Foundation
import NIOCore
import NIOPosix
import Testing
import TugAPI
@testable import TugNetwork

/// Listeners follow the Services: opened, moved, closed, retried after a failure; externalIPs
/// only when local; ClusterIPs on `lo` when asked to serve them.
@Suite("UserspaceProxy listeners", .serialized)
struct UserspaceProxyListenerTests {
    @Test("deleting a Service closes its listener; changing its NodePort moves it", .timeLimit(.minutes(1)))
    func followsServiceChanges() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        try await UserspaceTestCluster.with { cluster in
            let first = try await freeNodePort()
            try await cluster.createService("moving", nodePort: first)
            try await cluster.publish("moving", backends: [backend.port])
            try await cluster.waitForListener("tcp 127.0.0.1:\(first)", endpoints: 1)
            #expect(try await UserspaceTestClient.whoAnswers(first) == "a")

            var second = try await freeNodePort()
            while second == first { second = try await freeNodePort() }
            var service = try await cluster.client.get(CoreV1.Service.self, namespace: "default", name: "moving")
            service.spec?.ports?[0].nodePort = second
            _ = try await cluster.client.update(service)
            try await cluster.waitForListener("tcp 127.0.0.1:\(second)", endpoints: 1)
            try await cluster.waitUntilClosed("tcp 127.0.0.1:\(first)")
            #expect(try await UserspaceTestClient.whoAnswers(second) == "a")
            #expect(try await UserspaceTestClient.exchange(first, send: nil, halfClose: false) == .connectFailed)

            // A port switched to UDP: the TCP listener goes, a UDP one comes.
            service = try await cluster.client.get(CoreV1.Service.self, namespace: "default", name: "moving")
            service.spec?.ports?[0].protocol = "UDP"
            _ = try await cluster.client.update(service)
            try await cluster.waitForListener("udp 127.0.0.1:\(second)")
            try await cluster.waitUntilClosed("tcp 127.0.0.1:\(second)")

            try await cluster.client.delete(CoreV1.Service.self, namespace: "default", name: "moving")
            try await cluster.waitUntilClosed("udp 127.0.0.1:\(second)")
            #expect(await cluster.proxy.listening().isEmpty)
        }
        await backend.stop()
    }

    @Test("a port in use is reported and taken once it is free", .timeLimit(.minutes(1)))
    func retriesAfterListenFailure() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        let nodePort = try await freeNodePort()
        let squatter = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: nodePort).get()
        try await UserspaceTestCluster.with { cluster in
            try await cluster.createService("blocked", nodePort: nodePort)
            try await cluster.publish("blocked", backends: [backend.port])
            try await eventually("the failure to be reported") {
                await cluster.proxy.problems().contains { $0.contains("cannot listen on tcp 127.0.0.1:\(nodePort)") }
            }
            // Retried on later syncs, but reported once.
            let plans = await cluster.proxy.listeners.appliedPlans
            try await eventually("two more attempts") { await cluster.proxy.listeners.appliedPlans >= plans + 2 }
            #expect(cluster.warnings.all.filter { $0.contains("cannot listen on tcp 127.0.0.1:\(nodePort)") }.count == 1,
                    "\(cluster.warnings.all)")

            // Other Services are not held up by it.
            let other = try await freeNodePort()
            try await cluster.createService("other", nodePort: other, clusterIP: "10.43.0.21")
            try await cluster.publish("other", backends: [backend.port])
            try await cluster.waitForListener("tcp 127.0.0.1:\(other)", endpoints: 1)
            #expect(try await UserspaceTestClient.whoAnswers(other) == "a")

            try await squatter.close()
            try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 1)
            #expect(try await UserspaceTestClient.whoAnswers(nodePort) == "a")
            #expect(await cluster.proxy.problems().isEmpty)
        }
        try? await squatter.close()
        await backend.stop()
    }

    @Test("externalIPs are served when they are addresses of this machine", .timeLimit(.minutes(1)))
    func externalIPs() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        try await UserspaceTestCluster.with { cluster in
            let port = try await freeNodePort()
            // 127.0.0.7 is local (all of 127/8 is); 192.0.2.1 (TEST-NET-1) is not.
            try await cluster.createService("ext", type: "ClusterIP", port: port, externalIPs: ["127.0.0.7", "192.0.2.1"])
            try await cluster.publish("ext", backends: [backend.port])
            try await cluster.waitForListener("tcp 127.0.0.7:\(port)", endpoints: 1)
            #expect(try await UserspaceTestClient.whoAnswers(port, host: "127.0.0.7") == "a")
            #expect(await cluster.proxy.listening() == ["tcp 127.0.0.7:\(port)"])
        }
        await backend.stop()
    }

    @Test("a load-balancer IP turns away clients outside loadBalancerSourceRanges", .timeLimit(.minutes(1)))
    func loadBalancerSourceRanges() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        try await UserspaceTestCluster.with { cluster in
            let port = try await freeNodePort()
            _ = try await cluster.createService("lb", type: "LoadBalancer", port: port)
            // Clients here come from 127.0.0.1; 127.0.0.9 is a local load-balancer IP.
            _ = try await cluster.client.patch(CoreV1.Service.self, namespace: "default", name: "lb",
                                               ["spec": ["loadBalancerSourceRanges": ["203.0.113.0/24"]]])
            _ = try await cluster.client.patch(CoreV1.Service.self, namespace: "default", name: "lb",
                                               ["status": ["loadBalancer": ["ingress": [["ip": "127.0.0.9"]]]]], subresource: "status")
            try await cluster.publish("lb", backends: [backend.port])
            try await cluster.waitForListener("tcp 127.0.0.9:\(port)", endpoints: 1)
            #expect(((try? await UserspaceTestClient.whoAnswers(port, host: "127.0.0.9")) ?? "") == "", "outside the ranges")

            _ = try await cluster.client.patch(CoreV1.Service.self, namespace: "default", name: "lb",
                                               ["spec": ["loadBalancerSourceRanges": ["127.0.0.0/8"]]])
            try await eventually("a client inside the ranges answered") {
                ((try? await UserspaceTestClient.whoAnswers(port, host: "127.0.0.9")) ?? "") == "a"
            }
        }
        await backend.stop()
    }

    static var canHoldClusterIPs: Bool {
        getuid() == 0 && ProxyCommand.find(LocalAddresses.ipCandidates) != nil
    }

    @Test("with clusterIPs, the ClusterIP is put on lo, served, and taken off when unused and at shutdown",
          .enabled(if: canHoldClusterIPs, "needs root and iproute2"), .timeLimit(.minutes(1)))
    func servesClusterIPs() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        let lo = LocalAddresses()
        // Addresses no other test uses, taken off lo again below whatever happens.
        let third = Int(getpid() % 200) + 20
        let clusterIP = "10.43.\(third).\(Int.random(in: 10...120))"
        let otherIP = "10.43.\(third).\(Int.random(in: 130...250))"
        let before = try await lo.current()
        try #require(!before.contains(clusterIP) && !before.contains(otherIP), "\(clusterIP) or \(otherIP) is already on lo")
        do {
            try await UserspaceTestCluster.with(clusterIPs: true) { cluster in
                let port = try await freeNodePort()
                try await cluster.createService("internal", type: "ClusterIP", port: port, clusterIP: clusterIP)
                try await cluster.publish("internal", backends: [backend.port])
                try await cluster.waitForListener("tcp \(clusterIP):\(port)", endpoints: 1)
                #expect(try await lo.current().contains(clusterIP))
                #expect(try await UserspaceTestClient.whoAnswers(port, host: clusterIP) == "a")

                try await cluster.client.delete(CoreV1.Service.self, namespace: "default", name: "internal")
                try await eventually("\(clusterIP) off lo") { try await !lo.current().contains(clusterIP) }

                try await cluster.createService("kept", type: "ClusterIP", port: port, clusterIP: otherIP)
                try await cluster.waitForListener("tcp \(otherIP):\(port)")
                #expect(try await lo.current().contains(otherIP))
            }
            // The proxy has stopped: what it held is gone.
            #expect(try await !lo.current().contains(otherIP))
        } catch {
            try? await lo.remove([clusterIP, otherIP])
            throw error
        }
        try? await lo.remove([clusterIP, otherIP])
        await backend.stop()
    }
}
