import NIOCore
import Testing
import TugAPI
@testable import TugNetwork

/// Real TCP through the userspace proxy: NodePort Services on 127.0.0.1 in front of echo
/// backends, driven through an in-process API server.
@Suite("UserspaceProxy TCP", .serialized)
struct UserspaceProxyTCPTests {
    @Test("connections spread over all endpoints", .timeLimit(.minutes(1)))
    func spreadsOverEndpoints() async throws {
        let backends = [try await UserspaceTestBackend.tcp("a"), try await UserspaceTestBackend.tcp("b"), try await UserspaceTestBackend.tcp("c")]
        try await UserspaceTestCluster.with { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("web", nodePort: nodePort)
            try await cluster.publish("web", backends: backends.map(\.port))
            try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 3)
            var seen: [String: Int] = [:]
            // 60 random picks over 3 endpoints all miss one with probability ~1e-10.
            for _ in 0..<60 { seen[try await UserspaceTestClient.whoAnswers(nodePort), default: 0] += 1 }
            #expect(Set(seen.keys) == ["a", "b", "c"], "answers: \(seen)")
        }
        for backend in backends { await backend.stop() }
    }

    @Test("ClientIP session affinity keeps a client on one endpoint", .timeLimit(.minutes(1)))
    func affinitySticks() async throws {
        let backends = [try await UserspaceTestBackend.tcp("a"), try await UserspaceTestBackend.tcp("b"), try await UserspaceTestBackend.tcp("c")]
        try await UserspaceTestCluster.with { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("sticky", nodePort: nodePort, affinityTimeout: 600)
            try await cluster.publish("sticky", backends: backends.map(\.port))
            try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 3)
            var seen = Set<String>()
            for _ in 0..<20 { seen.insert(try await UserspaceTestClient.whoAnswers(nodePort)) }
            #expect(seen.count == 1, "answers: \(seen)")
        }
        for backend in backends { await backend.stop() }
    }

    @Test("a Service without ready endpoints refuses connections at once", .timeLimit(.minutes(1)))
    func refusesWithoutEndpoints() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        try await UserspaceTestCluster.with { cluster in
            let empty = try await freeNodePort()
            try await cluster.createService("empty", nodePort: empty)
            try await cluster.waitForListener("tcp 127.0.0.1:\(empty)", endpoints: 0)
            let refused = try await UserspaceTestClient.exchange(empty, send: "hello", halfClose: false)
            #expect(refused.isRefusal, "\(refused)")

            // An endpoint that is not ready is no endpoint either.
            let unready = try await freeNodePort()
            try await cluster.createService("unready", nodePort: unready, clusterIP: "10.43.0.21")
            try await cluster.publish("unready", backends: [backend.port], ready: false)
            try await cluster.waitForListener("tcp 127.0.0.1:\(unready)")
            let alsoRefused = try await UserspaceTestClient.exchange(unready, send: "hello", halfClose: false)
            #expect(alsoRefused.isRefusal, "\(alsoRefused)")
        }
        await backend.stop()
    }

    @Test("new connections follow endpoint changes; open ones keep their endpoint", .timeLimit(.minutes(1)))
    func followsScaling() async throws {
        let a = try await UserspaceTestBackend.tcp("a")
        let b = try await UserspaceTestBackend.tcp("b")
        try await UserspaceTestCluster.with { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("scaled", nodePort: nodePort)
            try await cluster.publishSlice("scaled", index: 0, port: a.port)
            try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 1)
            for _ in 0..<5 { #expect(try await UserspaceTestClient.whoAnswers(nodePort) == "a") }

            // A connection opened now, to a, outlives a's removal from the Service.
            let open = try await UserspaceTestClient.connect(nodePort)
            try await open.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                #expect(try await iterator.next().map { String(buffer: $0) } == "a\n")

                try await cluster.publishSlice("scaled", index: 1, port: b.port)
                try await cluster.deleteSlice("scaled", index: 0)
                try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 1)
                try await eventually("the listener forwarding to b only") {
                    await cluster.proxy.listenerStatus().first { $0.key.port == nodePort }?.endpoints == ["127.0.0.1/\(b.port)"]
                }
                for _ in 0..<5 { #expect(try await UserspaceTestClient.whoAnswers(nodePort) == "b") }

                try await outbound.write(ByteBuffer(string: "still here"))
                #expect(try await iterator.next().map { String(buffer: $0) } == "still here")
            }
        }
        await a.stop()
        await b.stop()
    }

    @Test("an endpoint that refuses is skipped for another", .timeLimit(.minutes(1)))
    func skipsDeadEndpoint() async throws {
        let live = try await UserspaceTestBackend.tcp("live")
        let dead = try await UserspaceTestBackend.tcp("dead")
        let deadPort = dead.port
        await dead.stop()  // nothing listens on its port now: connects there are refused
        try await UserspaceTestCluster.with { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("flaky", nodePort: nodePort)
            try await cluster.publish("flaky", backends: [deadPort, live.port])
            try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 2)
            // Half the picks go to the dead endpoint first; every connection must still reach the live one.
            for _ in 0..<20 { #expect(try await UserspaceTestClient.whoAnswers(nodePort) == "live") }
        }
        await live.stop()
    }

    @Test("a client that shuts its sending side still gets the whole reply", .timeLimit(.minutes(1)))
    func halfClose() async throws {
        let backend = try await UserspaceTestBackend.tcp("a")
        try await UserspaceTestCluster.with { cluster in
            let nodePort = try await freeNodePort()
            try await cluster.createService("half", nodePort: nodePort)
            try await cluster.publish("half", backends: [backend.port])
            try await cluster.waitForListener("tcp 127.0.0.1:\(nodePort)", endpoints: 1)
            // The backend closes after the client's EOF, so the read ends only if the EOF went through.
            // Often the client's data and EOF arrive before the proxy has reached the endpoint (NIO
            // reads them then even with autoRead off): they must be passed on after the splice.
            for i in 0..<20 {
                let reply = try await UserspaceTestClient.exchange(nodePort, send: "hello \(i)", halfClose: true)
                #expect(reply == .data("a\nhello \(i)"))
            }
            // A large reply to a client that reads late: the backend has closed while the proxy still
            // holds the end of the reply, which must be delivered before the client's side closes.
            let big = String(repeating: "0123456789abcdef", count: 1 << 18)
            for _ in 0..<3 {
                let echoed = try await UserspaceTestClient.exchange(nodePort, send: big, halfClose: true, readAfter: .milliseconds(200))
                let whole = echoed == .data("a\n" + big)  // (not compared inside #expect: a failure would print 4 MB)
                #expect(whole, "a 4 MB echo came back incomplete or altered")
            }
        }
        await backend.stop()
    }
}
