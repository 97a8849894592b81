import Foundation
import Testing
import TugAPI
import TugAgent
import TugRuntime

@Suite("Prober")
struct ProberTests {
    static func container(ports: [CoreV1.ContainerPort] = [], env: [CoreV1.EnvVar] = []) -> CoreV1.Container {
        CoreV1.Container(name: "app", ports: ports, env: env)
    }

    static func httpProbe(_ path: String, port: Int, headers: [CoreV1.HTTPHeader]? = nil, timeout: Int = 1) -> CoreV1.Probe {
        CoreV1.Probe(httpGet: CoreV1.HTTPGetAction(path: path, port: .int(port), httpHeaders: headers), timeoutSeconds: timeout)
    }

    static func withProber(runtime: FakeRuntime = FakeRuntime { _, _, _ in ExecResult(exitCode: 0, stdout: [], stderr: []) },
                           _ body: (Prober) async throws -> Void) async throws {
        let http = HTTPGetClient()
        let prober = Prober(runtime: runtime, http: http)
        do {
            try await body(prober)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    @Test("an HTTP probe passes on 2xx with the body as output, and sends kubelet's headers and the spec's")
    func httpSuccess() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let probe = Self.httpProbe("/status/201", port: server.port,
                                       headers: [CoreV1.HTTPHeader(name: "X-Probe", value: "yes")])
            let attempt = await prober.probe(probe, container: Self.container(), containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .success)
            #expect(attempt.counted == .success)
            #expect(attempt.output == "status 201")
            let seen = try #require(server.requests.last)
            #expect(seen.uri == "/status/201")
            #expect(seen.header("X-Probe") == ["yes"])
            #expect(seen.header("User-Agent") == ["kube-probe/1.37"])
            #expect(seen.header("Accept") == ["*/*"])
        }
    }

    @Test("an HTTP probe fails on 500 with kubelet's message and the Unhealthy event")
    func httpServerError() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let attempt = await prober.probe(Self.httpProbe("/status/500", port: server.port), container: Self.container(),
                                             containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .failure)
            #expect(attempt.output == "HTTP probe failed with statuscode: 500")
            #expect(attempt.event(for: .liveness) == KubeletEvent(type: "Warning", reason: "Unhealthy",
                                                                   message: "Liveness probe failed: HTTP probe failed with statuscode: 500"))
        }
    }

    @Test("an HTTP probe resolves a named container port and defaults the host to the pod IP")
    func httpNamedPort() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let container = Self.container(ports: [CoreV1.ContainerPort(name: "web", containerPort: server.port)])
            let probe = CoreV1.Probe(httpGet: CoreV1.HTTPGetAction(path: "/healthz", port: "web"))
            let attempt = await prober.probe(probe, container: container, containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .success)
            #expect(server.requests.last?.uri == "/healthz")

            let missing = CoreV1.Probe(httpGet: CoreV1.HTTPGetAction(path: "/", port: "nope"))
            let errored = await prober.probe(missing, container: container, containerID: "c1", podIP: "127.0.0.1")
            #expect(errored.error == "strconv.Atoi: parsing \"nope\": invalid syntax")
            #expect(errored.counted == nil)
            #expect(errored.event(for: .readiness)?.message
                == "Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing \"nope\": invalid syntax")
        }
    }

    @Test("an HTTP probe follows a redirect on the same host")
    func httpSameHostRedirect() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let to = server.url("/status/200").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let attempt = await prober.probe(Self.httpProbe("/redirect?to=\(to)", port: server.port), container: Self.container(),
                                             containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .success)
            #expect(attempt.output == "status 200")
            #expect(server.requests.map(\.uri).last == "/status/200")
        }
    }

    @Test("an HTTP probe stops at a redirect to another host: success with a ProbeWarning")
    func httpOtherHostRedirect() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let to = "http://127.0.0.2:\(server.port)/status/500".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let attempt = await prober.probe(Self.httpProbe("/redirect?to=\(to)", port: server.port), container: Self.container(),
                                             containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .warning)
            #expect(attempt.counted == .success)
            #expect(attempt.output == "Probe terminated redirects, Response body: moved")
            #expect(attempt.event(for: .readiness) == KubeletEvent(type: "Warning", reason: "ProbeWarning",
                                                                    message: "Readiness probe warning: Probe terminated redirects, Response body: moved"))
            #expect(server.requests.count == 1)
        }
    }

    @Test("an HTTP probe reads at most 10 KiB of body")
    func httpBodyLimit() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let attempt = await prober.probe(Self.httpProbe("/big", port: server.port), container: Self.container(),
                                             containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .success)
            #expect(attempt.output.utf8.count == 10 * 1024)
        }
    }

    @Test("an HTTP probe that gets no answer in time fails with Go's deadline message")
    func httpTimeout() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.stop() } }
        try await Self.withProber { prober in
            let attempt = await prober.probe(Self.httpProbe("/hang", port: server.port, timeout: 1), container: Self.container(),
                                             containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .failure)
            #expect(attempt.output == "Get \"http://127.0.0.1:\(server.port)/hang\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
        }
    }

    @Test("an HTTP probe of a closed port fails with connection refused")
    func httpRefused() async throws {
        let port = try await closedLoopbackPort()
        try await Self.withProber { prober in
            let attempt = await prober.probe(Self.httpProbe("/healthz", port: port), container: Self.container(),
                                             containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .failure)
            #expect(attempt.output == "Get \"http://127.0.0.1:\(port)/healthz\": dial tcp 127.0.0.1:\(port): connect: connection refused")
        }
    }

    @Test("a TCP probe passes when the port accepts and fails with Go's text when it refuses")
    func tcp() async throws {
        let listener = try await TestTCPListener.start()
        let closed = try await closedLoopbackPort()
        try await Self.withProber { prober in
            let open = CoreV1.Probe(tcpSocket: CoreV1.TCPSocketAction(port: .int(listener.port)))
            let ok = await prober.probe(open, container: Self.container(), containerID: "c1", podIP: "127.0.0.1")
            #expect(ok.result == .success)
            #expect(ok.output == "")

            let refused = CoreV1.Probe(tcpSocket: CoreV1.TCPSocketAction(port: .int(closed)))
            let failed = await prober.probe(refused, container: Self.container(), containerID: "c1", podIP: "127.0.0.1")
            #expect(failed.result == .failure)
            #expect(failed.output == "dial tcp 127.0.0.1:\(closed): connect: connection refused")

            let outOfRange = CoreV1.Probe(tcpSocket: CoreV1.TCPSocketAction(port: .int(70000)))
            let invalid = await prober.probe(outOfRange, container: Self.container(), containerID: "c1", podIP: "127.0.0.1")
            #expect(invalid.error == "invalid port number: 70000")
        }
        await listener.stop()
    }

    @Test("an exec probe passes on exit 0, fails otherwise with the combined output, and expands static env")
    func exec() async throws {
        let runtime = FakeRuntime { _, command, _ in
            if command.last == "fail" { return ExecResult(exitCode: 1, stdout: Array("out ".utf8), stderr: Array("err".utf8)) }
            return ExecResult(exitCode: 0, stdout: Array("fine".utf8), stderr: [])
        }
        try await Self.withProber(runtime: runtime) { prober in
            let env = [CoreV1.EnvVar(name: "MODE", value: "check"),
                       CoreV1.EnvVar(name: "SECRET", valueFrom: CoreV1.EnvVarSource())]
            let container = Self.container(env: env)
            let good = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["probe", "$(MODE)", "$(SECRET)", "$$(MODE)"]), timeoutSeconds: 3)
            let ok = await prober.probe(good, container: container, containerID: "c9", podIP: "")
            #expect(ok.result == .success)
            #expect(ok.output == "fine")
            let call = try #require(runtime.execCalls.first)
            #expect(call.id == "c9")
            #expect(call.command == ["probe", "check", "$(SECRET)", "$(MODE)"])
            #expect(call.timeout == .seconds(3))

            let bad = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["probe", "fail"]))
            let failed = await prober.probe(bad, container: container, containerID: "c9", podIP: "")
            #expect(failed.result == .failure)
            #expect(failed.output == "out err")
            #expect(failed.event(for: .liveness)?.message == "Liveness probe failed: out err")
        }
    }

    @Test("an exec probe that times out fails with kubelet's message; a runtime error is retried three times")
    func execTimeoutAndError() async throws {
        let runtime = FakeRuntime { _, command, _ in
            if command.first == "boom" { throw RuntimeError.failed("container is not running") }
            return ExecResult(exitCode: -1, stdout: [], stderr: [], timedOut: true)
        }
        try await Self.withProber(runtime: runtime) { prober in
            let slow = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["sh", "-c", "sleep 5"]))
            let timedOut = await prober.probe(slow, container: Self.container(), containerID: "c1", podIP: "")
            #expect(timedOut.result == .failure)
            #expect(timedOut.output == "command \"sh -c sleep 5\" timed out")

            let broken = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["boom"]))
            let errored = await prober.probe(broken, container: Self.container(), containerID: "c1", podIP: "")
            #expect(errored.error == "container is not running")
            #expect(runtime.execCalls.filter { $0.command == ["boom"] }.count == 3)
        }
    }

    @Test("a gRPC probe fails clearly, and a probe without a handler errors")
    func grpcAndMissingHandler() async throws {
        try await Self.withProber { prober in
            let grpc = CoreV1.Probe(grpc: CoreV1.GRPCAction(port: 9090))
            let attempt = await prober.probe(grpc, container: Self.container(), containerID: "c1", podIP: "127.0.0.1")
            #expect(attempt.result == .failure)
            #expect(attempt.output.contains("gRPC probes are not supported yet"))

            let empty = await prober.probe(CoreV1.Probe(), container: Self.container(), containerID: "c1", podIP: "127.0.0.1")
            #expect(empty.error == "missing probe handler for container app")
        }
    }

    @Test("the Killing message names the container and says whether it restarts")
    func killingMessage() {
        #expect(ProbeMessages.killing(container: "web", type: .liveness, willRestart: true)
            == KubeletEvent(type: "Normal", reason: "Killing", message: "Container web failed liveness probe, will be restarted"))
        #expect(ProbeMessages.killing(container: "web", type: .startup, willRestart: false)?.message == "Container web failed startup probe")
        #expect(ProbeMessages.killing(container: "web", type: .readiness, willRestart: true) == nil)
    }
}
