import TugAPI
import TugRuntime

/// Runs probe attempts; the seam between `ProbeWorker` and the network or runtime, so that
/// worker tests can script the outcomes.
public protocol ContainerProber: Sendable {
    /// One probe of `container` (running as `containerID` in a pod with IP `podIP`), retried
    /// like kubelet's (up to 3 tries while it errors).
    func probe(_ probe: CoreV1.Probe, container: CoreV1.Container, containerID: ContainerID, podIP: String) async -> ProbeAttempt
}

/// Kubelet's prober: one attempt of an exec, httpGet, tcpSocket or grpc probe, with kubelet's
/// result rules and output texts.
public struct Prober: ContainerProber {
    /// Kubelet tries a probe this many times while it errors (not while it fails).
    static let maxRetries = 3
    /// Kubelet keeps at most this much exec output.
    static let maxExecOutput = 10 * 1024

    let runtime: any ContainerRuntime
    let http: HTTPGetClient

    public init(runtime: any ContainerRuntime, http: HTTPGetClient) {
        self.runtime = runtime
        self.http = http
    }

    public func probe(_ probe: CoreV1.Probe, container: CoreV1.Container, containerID: ContainerID, podIP: String) async -> ProbeAttempt {
        var attempt = ProbeAttempt.errored("")
        for _ in 0..<Self.maxRetries {
            attempt = await runOnce(probe, container: container, containerID: containerID, podIP: podIP)
            if attempt.error == nil { return attempt }
            if Task.isCancelled { break }
        }
        return attempt
    }

    /// A single attempt, without retries.
    public func runOnce(_ probe: CoreV1.Probe, container: CoreV1.Container, containerID: ContainerID, podIP: String) async -> ProbeAttempt {
        let timeout = Duration.seconds(probe.timeoutSeconds ?? ProbeDefaults.timeoutSeconds)
        if let exec = probe.exec {
            return await runExec(exec, container: container, containerID: containerID, timeout: timeout)
        }
        if let httpGet = probe.httpGet {
            return await runHTTPGet(httpGet, container: container, podIP: podIP, timeout: timeout)
        }
        if let tcp = probe.tcpSocket {
            return await runTCP(tcp, container: container, podIP: podIP, timeout: timeout)
        }
        if let grpc = probe.grpc {
            return await GRPCHealthCheck.probe(host: podIP, port: grpc.port ?? 0, service: grpc.service ?? "", timeout: timeout)
        }
        return .errored("missing probe handler for container \(container.name ?? "")")
    }

    func runExec(_ exec: CoreV1.ExecAction, container: CoreV1.Container, containerID: ContainerID, timeout: Duration) async -> ProbeAttempt {
        let command = StaticEnvExpansion.expand(exec.command ?? [], env: container.env)
        let result: ExecResult
        do {
            result = try await runtime.execSync(containerID, command: command, timeout: timeout)
        } catch {
            return .errored(String(describing: error))
        }
        if result.timedOut {
            return ProbeAttempt(result: .failure, output: "command \(GoQuoting.quote(command.joined(separator: " "))) timed out")
        }
        let output = String(decoding: (result.stdout + result.stderr).prefix(Self.maxExecOutput), as: UTF8.self)
        return ProbeAttempt(result: result.exitCode == 0 ? .success : .failure, output: output)
    }

    func runHTTPGet(_ action: CoreV1.HTTPGetAction, container: CoreV1.Container, podIP: String, timeout: Duration) async -> ProbeAttempt {
        let target: HTTPGetClient.Target
        do {
            target = try HTTPGetActionTarget.make(action, container: container, podIP: podIP, hookPortRules: false)
        } catch {
            return .errored(error.description)
        }
        let headers = (action.httpHeaders ?? []).map { (name: $0.name ?? "", value: $0.value ?? "") }
        switch await http.get(target, headers: headers, userAgentPurpose: "probe", timeout: timeout) {
        case .failure(let failure):
            return ProbeAttempt(result: .failure, output: failure.description)
        case .success(let response):
            switch response.statusCode {
            case 200..<300:
                return ProbeAttempt(result: .success, output: response.body)
            case 300..<400:
                return ProbeAttempt(result: .warning, output: "Probe terminated redirects, Response body: \(response.body)")
            default:
                return ProbeAttempt(result: .failure, output: "HTTP probe failed with statuscode: \(response.statusCode)")
            }
        }
    }

    func runTCP(_ action: CoreV1.TCPSocketAction, container: CoreV1.Container, podIP: String, timeout: Duration) async -> ProbeAttempt {
        let port: Int
        do {
            port = try ContainerPortResolver.probePort(action.port, container: container)
        } catch {
            return .errored(error.description)
        }
        let host = (action.host ?? "").isEmpty ? podIP : action.host!
        if let failure = await TCPDialer.dial(host: host, port: port, timeout: timeout) {
            return ProbeAttempt(result: .failure, output: failure)
        }
        return ProbeAttempt(result: .success, output: "")
    }
}

/// Kubernetes' defaults for unset probe fields (the API server normally fills them in).
public enum ProbeDefaults {
    public static let periodSeconds = 10
    public static let timeoutSeconds = 1
    public static let successThreshold = 1
    public static let failureThreshold = 3
}

/// Builds the URL of an httpGet probe or hook: scheme lower-cased (default http), host
/// defaulting to the pod IP, port by number or container port name.
enum HTTPGetActionTarget {
    static func make(_ action: CoreV1.HTTPGetAction, container: CoreV1.Container, podIP: String,
                     hookPortRules: Bool) throws(ContainerPortResolver.ResolutionError) -> HTTPGetClient.Target {
        let scheme = (action.scheme ?? "").isEmpty ? "http" : action.scheme!.lowercased()
        let host = (action.host ?? "").isEmpty ? podIP : action.host!
        let port = try hookPortRules ? ContainerPortResolver.hookPort(action.port, container: container)
                                     : ContainerPortResolver.probePort(action.port, container: container)
        return HTTPGetClient.Target(scheme: scheme, host: host, port: port, path: action.path ?? "")
    }
}
