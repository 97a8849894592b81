import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TugRuntime
@testable import TugRuntimeCRI

/// What the fake CRI runtime holds and what it was asked: tests read the requests to check
/// the mapping and set objects and failures to check how answers map back.
actor FakeCRIState {
    var sandboxes: [String: Runtime_V1_PodSandboxStatus] = [:]
    var containers: [String: (sandbox: String, status: Runtime_V1_ContainerStatus)] = [:]
    var stats: [String: Runtime_V1_ContainerStats] = [:]
    var images: [String: Runtime_V1_Image] = [:]
    var runSandboxRequests: [Runtime_V1_RunPodSandboxRequest] = []
    var createRequests: [Runtime_V1_CreateContainerRequest] = []
    var stopRequests: [Runtime_V1_StopContainerRequest] = []
    var execSyncRequests: [Runtime_V1_ExecSyncRequest] = []
    var execRequests: [Runtime_V1_ExecRequest] = []
    var portForwardRequests: [Runtime_V1_PortForwardRequest] = []
    var pullRequests: [Runtime_V1_PullImageRequest] = []
    /// Failure for the next call of a method (by CRI method name), then cleared.
    var failures: [String: RPCError] = [:]
    var execSyncAnswer: Result<Runtime_V1_ExecSyncResponse, RPCError> = .success(.init())
    /// The URL Exec, Attach and PortForward return.
    var streamingURL = "http://127.0.0.1:1/none"
    private var nextID = 0

    func fail(_ method: String, with error: RPCError) { failures[method] = error }
    func setExecSync(_ answer: Result<Runtime_V1_ExecSyncResponse, RPCError>) { execSyncAnswer = answer }
    func setStreamingURL(_ url: String) { streamingURL = url }
    func setStats(_ id: String, _ value: Runtime_V1_ContainerStats) { stats[id] = value }
    func setImage(_ name: String, _ image: Runtime_V1_Image) { images[name] = image }
    func update(container id: String, _ change: (inout Runtime_V1_ContainerStatus) -> Void) {
        guard var entry = containers[id] else { return }
        change(&entry.status)
        containers[id] = entry
    }

    func check(_ method: String) throws {
        if let error = failures.removeValue(forKey: method) { throw error }
    }

    func newID(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    func recordRun(_ request: Runtime_V1_RunPodSandboxRequest) -> String {
        runSandboxRequests.append(request)
        let id = newID("sandbox-")
        sandboxes[id] = .with {
            $0.id = id
            $0.metadata = request.config.metadata
            $0.state = .sandboxReady
            $0.createdAt = 1_700_000_000_123_456_789
            $0.network = .with { $0.ip = "10.88.0.5"; $0.additionalIps = [.with { $0.ip = "fd00::5" }] }
            $0.labels = request.config.labels
            $0.annotations = request.config.annotations
        }
        return id
    }

    func recordCreate(_ request: Runtime_V1_CreateContainerRequest) throws -> String {
        createRequests.append(request)
        guard sandboxes[request.podSandboxID] != nil else { throw RPCError(code: .notFound, message: "sandbox \(request.podSandboxID) not found") }
        let id = newID("container-")
        containers[id] = (request.podSandboxID, .with {
            $0.id = id
            $0.metadata = request.config.metadata
            $0.state = .containerCreated
            $0.createdAt = 1_700_000_001_000_000_000
            $0.image = request.config.image
            $0.imageRef = "sha256:abc"
            $0.labels = request.config.labels
            $0.annotations = request.config.annotations
            $0.logPath = request.sandboxConfig.logDirectory + "/" + request.config.logPath
        })
        return id
    }

    func recordStop(_ request: Runtime_V1_StopContainerRequest) { stopRequests.append(request) }
    func recordExecSync(_ request: Runtime_V1_ExecSyncRequest) { execSyncRequests.append(request) }
    func recordExec(_ request: Runtime_V1_ExecRequest) { execRequests.append(request) }
    func recordPortForward(_ request: Runtime_V1_PortForwardRequest) { portForwardRequests.append(request) }
    func recordPull(_ request: Runtime_V1_PullImageRequest) { pullRequests.append(request) }
    func removeSandbox(_ id: String) { sandboxes[id] = nil }
    func removeContainer(_ id: String) { containers[id] = nil }
}

/// The runtime side of the fake, answering like containerd: NOT_FOUND for unknown IDs on
/// status, stop and remove.
struct FakeRuntimeService: Runtime_V1_RuntimeService.SimpleServiceProtocol {
    let state: FakeCRIState

    static func notFound(_ what: String) -> RPCError { RPCError(code: .notFound, message: "an error occurred when try to find \(what): not found") }

    func version(request: Runtime_V1_VersionRequest, context: ServerContext) async throws -> Runtime_V1_VersionResponse {
        try await state.check("Version")
        return .with { $0.version = "0.1.0"; $0.runtimeName = "fakecri"; $0.runtimeVersion = "9.8.7"; $0.runtimeApiVersion = "v1" }
    }

    func runPodSandbox(request: Runtime_V1_RunPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_RunPodSandboxResponse {
        try await state.check("RunPodSandbox")
        let id = await state.recordRun(request)
        return .with { $0.podSandboxID = id }
    }

    func stopPodSandbox(request: Runtime_V1_StopPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_StopPodSandboxResponse {
        try await state.check("StopPodSandbox")
        guard await state.sandboxes[request.podSandboxID] != nil else { throw Self.notFound("sandbox") }
        return .init()
    }

    func removePodSandbox(request: Runtime_V1_RemovePodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_RemovePodSandboxResponse {
        try await state.check("RemovePodSandbox")
        guard await state.sandboxes[request.podSandboxID] != nil else { throw Self.notFound("sandbox") }
        await state.removeSandbox(request.podSandboxID)
        return .init()
    }

    func podSandboxStatus(request: Runtime_V1_PodSandboxStatusRequest, context: ServerContext) async throws -> Runtime_V1_PodSandboxStatusResponse {
        try await state.check("PodSandboxStatus")
        guard let status = await state.sandboxes[request.podSandboxID] else { throw Self.notFound("sandbox") }
        return .with { $0.status = status }
    }

    func listPodSandbox(request: Runtime_V1_ListPodSandboxRequest, context: ServerContext) async throws -> Runtime_V1_ListPodSandboxResponse {
        try await state.check("ListPodSandbox")
        let sandboxes = await state.sandboxes.values.sorted { $0.id < $1.id }
        return .with {
            $0.items = sandboxes.map { status in
                .with { $0.id = status.id; $0.metadata = status.metadata; $0.state = status.state; $0.createdAt = status.createdAt }
            }
        }
    }

    func createContainer(request: Runtime_V1_CreateContainerRequest, context: ServerContext) async throws -> Runtime_V1_CreateContainerResponse {
        try await state.check("CreateContainer")
        let id = try await state.recordCreate(request)
        return .with { $0.containerID = id }
    }

    func startContainer(request: Runtime_V1_StartContainerRequest, context: ServerContext) async throws -> Runtime_V1_StartContainerResponse {
        try await state.check("StartContainer")
        guard await state.containers[request.containerID] != nil else { throw Self.notFound("container") }
        await state.update(container: request.containerID) { $0.state = .containerRunning; $0.startedAt = 1_700_000_002_500_000_000 }
        return .init()
    }

    func stopContainer(request: Runtime_V1_StopContainerRequest, context: ServerContext) async throws -> Runtime_V1_StopContainerResponse {
        try await state.check("StopContainer")
        await state.recordStop(request)
        guard await state.containers[request.containerID] != nil else { throw Self.notFound("container") }
        return .init()
    }

    func removeContainer(request: Runtime_V1_RemoveContainerRequest, context: ServerContext) async throws -> Runtime_V1_RemoveContainerResponse {
        try await state.check("RemoveContainer")
        guard await state.containers[request.containerID] != nil else { throw Self.notFound("container") }
        await state.removeContainer(request.containerID)
        return .init()
    }

    func listContainers(request: Runtime_V1_ListContainersRequest, context: ServerContext) async throws -> Runtime_V1_ListContainersResponse {
        try await state.check("ListContainers")
        let filter = request.filter
        let containers = await state.containers
            .filter { filter.id.isEmpty || $0.key == filter.id }
            .filter { filter.podSandboxID.isEmpty || $0.value.sandbox == filter.podSandboxID }
            .sorted { $0.key < $1.key }
        return .with {
            $0.containers = containers.map { id, entry in
                .with { $0.id = id; $0.podSandboxID = entry.sandbox; $0.metadata = entry.status.metadata; $0.state = entry.status.state }
            }
        }
    }

    func containerStatus(request: Runtime_V1_ContainerStatusRequest, context: ServerContext) async throws -> Runtime_V1_ContainerStatusResponse {
        try await state.check("ContainerStatus")
        guard let entry = await state.containers[request.containerID] else { throw Self.notFound("container") }
        return .with { $0.status = entry.status }
    }

    func execSync(request: Runtime_V1_ExecSyncRequest, context: ServerContext) async throws -> Runtime_V1_ExecSyncResponse {
        try await state.check("ExecSync")
        await state.recordExecSync(request)
        guard await state.containers[request.containerID] != nil else { throw Self.notFound("container") }
        return try await state.execSyncAnswer.get()
    }

    func exec(request: Runtime_V1_ExecRequest, context: ServerContext) async throws -> Runtime_V1_ExecResponse {
        try await state.check("Exec")
        await state.recordExec(request)
        let url = await state.streamingURL
        return .with { $0.url = url + "/exec/token1" }
    }

    func attach(request: Runtime_V1_AttachRequest, context: ServerContext) async throws -> Runtime_V1_AttachResponse {
        try await state.check("Attach")
        let url = await state.streamingURL
        return .with { $0.url = url + "/attach/token2" }
    }

    func portForward(request: Runtime_V1_PortForwardRequest, context: ServerContext) async throws -> Runtime_V1_PortForwardResponse {
        try await state.check("PortForward")
        await state.recordPortForward(request)
        let url = await state.streamingURL
        return .with { $0.url = url + "/portforward/token3" }
    }

    func containerStats(request: Runtime_V1_ContainerStatsRequest, context: ServerContext) async throws -> Runtime_V1_ContainerStatsResponse {
        try await state.check("ContainerStats")
        guard let stats = await state.stats[request.containerID] else { throw Self.notFound("container") }
        return .with { $0.stats = stats }
    }
}

struct FakeImageService: Runtime_V1_ImageService.SimpleServiceProtocol {
    let state: FakeCRIState

    func listImages(request: Runtime_V1_ListImagesRequest, context: ServerContext) async throws -> Runtime_V1_ListImagesResponse {
        let images = await state.images.values.sorted { $0.id < $1.id }
        return .with { $0.images = images }
    }

    /// containerd answers an empty response (no image), not NOT_FOUND, for a missing image.
    func imageStatus(request: Runtime_V1_ImageStatusRequest, context: ServerContext) async throws -> Runtime_V1_ImageStatusResponse {
        guard let image = await state.images[request.image.image] else { return .init() }
        return .with { $0.image = image }
    }

    func pullImage(request: Runtime_V1_PullImageRequest, context: ServerContext) async throws -> Runtime_V1_PullImageResponse {
        await state.recordPull(request)
        try await state.check("PullImage")
        return .with { $0.imageRef = "sha256:pulled" }
    }

    func removeImage(request: Runtime_V1_RemoveImageRequest, context: ServerContext) async throws -> Runtime_V1_RemoveImageResponse {
        .init()
    }

    func imageFsInfo(request: Runtime_V1_ImageFsInfoRequest, context: ServerContext) async throws -> Runtime_V1_ImageFsInfoResponse {
        .with {
            $0.imageFilesystems = [.with {
                $0.fsID = .with { $0.mountpoint = "/var/lib/containerd/snapshots" }
                $0.usedBytes = .with { $0.value = 4096 }
                $0.inodesUsed = .with { $0.value = 12 }
            }]
        }
    }
}

/// Serves the fake over a real unix socket in a temp folder and hands the test a `CRIRuntime`
/// connected to it.
enum FakeCRIServer {
    static func with<T: Sendable>(_ body: (FakeCRIState, CRIRuntime) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tug-fakecri-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let socket = directory + "/cri.sock"
        let state = FakeCRIState()
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [FakeRuntimeService(state: state), FakeImageService(state: state)])
        let serving = Task { try await server.serve() }
        let result: Result<T, any Error>
        do {
            _ = try await transport.listeningAddress
            let runtime = try CRIRuntime(endpoint: "unix://" + socket, requestTimeout: .seconds(10))
            do {
                result = .success(try await body(state, runtime))
            } catch {
                result = .failure(error)
            }
            await runtime.close()
        } catch {
            result = .failure(error)
        }
        // The folder goes only once the server has let go of its socket.
        server.beginGracefulShutdown()
        _ = await serving.result
        try? FileManager.default.removeItem(atPath: directory)
        return try result.get()
    }
}

/// GRPCCore has a `RuntimeError` too; in these tests the name is the protocol's.
typealias RuntimeError = TugRuntime.RuntimeError
