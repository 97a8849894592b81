import Foundation
import Synchronization
import Testing
import TugAPI
import TugRuntime
@testable import TugAgent

/// A runtime with only an image store: present images, and pulls that succeed for the images
/// in `anonymous`, or in `authenticated` when given its credentials, and fail otherwise.
final class ImageStoreRuntime: ContainerRuntime, Sendable {
    struct Pull: Sendable { var image: String; var auth: ImageAuth? }
    let state = Mutex<(present: Set<String>, pulls: [Pull])>(([], []))
    let anonymous: Set<String>
    let authenticated: [String: ImageAuth]

    init(present: Set<String> = [], anonymous: Set<String> = [], authenticated: [String: ImageAuth] = [:]) {
        self.anonymous = anonymous
        self.authenticated = authenticated
        state.withLock { $0.present = present }
    }

    var pulls: [Pull] { state.withLock { $0.pulls } }

    func pullImage(_ image: String, auth: ImageAuth?) async throws -> String {
        state.withLock { $0.pulls.append(Pull(image: image, auth: auth)) }
        if let needed = authenticated[image] {
            if needed != auth { throw RuntimeError.failed("pull access denied for \(image)") }
        } else if !anonymous.contains(image) {
            throw RuntimeError.failed("rpc error: code = NotFound desc = \(image): not found")
        }
        state.withLock { _ = $0.present.insert(image) }
        return "sha256:" + image
    }

    func imageStatus(_ image: String) async throws -> ImageInfo? {
        state.withLock { $0.present.contains(image) } ? ImageInfo(id: "sha256:" + image, repoTags: [image]) : nil
    }

    func version() async throws -> RuntimeVersion { RuntimeVersion(runtimeName: "images", runtimeVersion: "1") }
    var capabilities: RuntimeCapabilities { RuntimeCapabilities(runsImages: true, podNetworking: false, enforcesLimits: false) }
    func runSandbox(_ config: SandboxConfig) async throws -> SandboxID { throw RuntimeError.failed("images only") }
    func stopSandbox(_ id: SandboxID) async throws {}
    func removeSandbox(_ id: SandboxID) async throws {}
    func sandboxStatus(_ id: SandboxID) async throws -> SandboxStatus { throw RuntimeError.notFound(id) }
    func listSandboxes() async throws -> [SandboxStatus] { [] }
    func createContainer(in sandbox: SandboxID, _ config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> ContainerID {
        throw RuntimeError.failed("images only")
    }
    func startContainer(_ id: ContainerID) async throws {}
    func stopContainer(_ id: ContainerID, timeout: Duration) async throws {}
    func removeContainer(_ id: ContainerID) async throws {}
    func containerStatus(_ id: ContainerID) async throws -> TugRuntime.ContainerStatus { throw RuntimeError.notFound(id) }
    func listContainers(sandbox: SandboxID?) async throws -> [TugRuntime.ContainerStatus] { [] }
    func execSync(_ id: ContainerID, command: [String], timeout: Duration) async throws -> ExecResult { throw RuntimeError.notFound(id) }
    func exec(_ id: ContainerID, command: [String], streams: ExecStreams) async throws -> Int32 { throw RuntimeError.notFound(id) }
    func attach(_ id: ContainerID, streams: ExecStreams) async throws { throw RuntimeError.notFound(id) }
    func portForward(_ sandbox: SandboxID, port: UInt16) async throws -> any ByteConnection { throw RuntimeError.notFound(sandbox) }
    func containerStats(_ id: ContainerID) async throws -> ContainerStats { throw RuntimeError.notFound(id) }
}

@Suite("Image pulls")
struct ImagePullerTests {
    final class Recorder: Sendable {
        let events = Mutex<[ImagePuller.Event]>([])
        var reasons: [String] { events.withLock { $0.map(\.reason) } }
        func take() -> [ImagePuller.Event] { events.withLock { let e = $0; $0 = []; return e } }
    }

    final class FakeClock: Sendable {
        let instant = Mutex(ContinuousClock.now)
        func advance(_ d: Duration) { instant.withLock { $0 += d } }
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
    }

    static let none: @Sendable () async throws -> RegistryCredentials = { RegistryCredentials() }

    @Test("IfNotPresent uses a present image; Always pulls anyway; Never refuses a missing one")
    func policies() async throws {
        let runtime = ImageStoreRuntime(present: ["busybox:1"], anonymous: ["busybox:1"])
        let puller = ImagePuller(runtime: runtime)
        let recorder = Recorder()
        let record: @Sendable (ImagePuller.Event) -> Void = { e in recorder.events.withLock { $0.append(e) } }
        #expect(await puller.ensure("busybox:1", policy: "IfNotPresent", podUID: "p", credentials: Self.none, events: record) == .present)
        #expect(recorder.take() == [.init(type: "Normal", reason: "Pulled", message: "Container image \"busybox:1\" already present on machine")])
        #expect(runtime.pulls.isEmpty)

        #expect(await puller.ensure("busybox:1", policy: "Always", podUID: "p", credentials: Self.none, events: record) == .present)
        #expect(recorder.take().map(\.reason) == ["Pulling", "Pulled"])
        #expect(runtime.pulls.map(\.image) == ["busybox:1"])

        let never = await puller.ensure("httpd:1", policy: "Never", podUID: "p", credentials: Self.none, events: record)
        #expect(never == .waiting(reason: "ErrImageNeverPull", message: "Container image \"httpd:1\" is not present with pull policy of Never",
                                  retryAfter: Duration?.none))
        #expect(recorder.take().map(\.reason) == ["ErrImageNeverPull"])
    }

    @Test("a failed pull is ErrImagePull, then ImagePullBackOff until the back-off ends, which doubles")
    func backoff() async throws {
        let clock = FakeClock()
        let runtime = ImageStoreRuntime()
        let puller = ImagePuller(runtime: runtime, now: { clock.now })
        let recorder = Recorder()
        let record: @Sendable (ImagePuller.Event) -> Void = { e in recorder.events.withLock { $0.append(e) } }
        let first = await puller.ensure("missing:1", policy: "IfNotPresent", podUID: "p", credentials: Self.none, events: record)
        guard case .waiting("ErrImagePull", let message, .seconds(10)?) = first else {
            Issue.record("expected ErrImagePull with a 10 s retry, got \(first)")
            return
        }
        #expect(message.contains("not found"))
        #expect(recorder.take().map { "\($0.type) \($0.reason)" } == ["Normal Pulling", "Warning Failed", "Warning Failed"])

        clock.advance(.seconds(4))
        let waiting = await puller.ensure("missing:1", policy: "IfNotPresent", podUID: "p", credentials: Self.none, events: record)
        guard case .waiting("ImagePullBackOff", let backOffMessage, .seconds(6)?) = waiting else {
            Issue.record("expected ImagePullBackOff with 6 s left, got \(waiting)")
            return
        }
        #expect(backOffMessage.hasPrefix("Back-off pulling image \"missing:1\": ErrImagePull: "))
        #expect(recorder.take().map(\.reason) == ["BackOff"])
        #expect(runtime.pulls.count == 1)

        clock.advance(.seconds(6))
        let second = await puller.ensure("missing:1", policy: "IfNotPresent", podUID: "p", credentials: Self.none, events: record)
        #expect({ if case .waiting("ErrImagePull", _, .seconds(20)?) = second { true } else { false } }())
        #expect(runtime.pulls.count == 2)

        // Another pod's back-off is its own; a forgotten pod starts over.
        let other = await puller.ensure("missing:1", policy: "IfNotPresent", podUID: "q", credentials: Self.none, events: record)
        #expect({ if case .waiting("ErrImagePull", _, .seconds(10)?) = other { true } else { false } }())
        await puller.forget(podUID: "p")
        let again = await puller.ensure("missing:1", policy: "IfNotPresent", podUID: "p", credentials: Self.none, events: record)
        #expect({ if case .waiting("ErrImagePull", _, .seconds(10)?) = again { true } else { false } }())
    }

    @Test("pull secrets give the matching registry's credentials; other registries are pulled anonymously")
    func credentials() async throws {
        let auth = ImageAuth(username: "ci", password: "s3cret", serverAddress: "127.0.0.1:5000")
        let runtime = ImageStoreRuntime(anonymous: ["busybox"], authenticated: ["127.0.0.1:5000/team/app:1": auth])
        let puller = ImagePuller(runtime: runtime)
        var secret = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: "regcred"))
        secret.type = "kubernetes.io/dockerconfigjson"
        let config = #"{"auths":{"http://127.0.0.1:5000":{"auth":"\#(Data("ci:s3cret".utf8).base64EncodedString())"},"# +
            #""https://index.docker.io/v1/":{"username":"hub","password":"pw"}}}"#
        secret.data = [".dockerconfigjson": Data(config.utf8)]
        let credentials = try RegistryCredentials(secrets: [secret])
        let provide: @Sendable () async throws -> RegistryCredentials = { credentials }
        let ignore: @Sendable (ImagePuller.Event) -> Void = { _ in }
        #expect(await puller.ensure("127.0.0.1:5000/team/app:1", policy: "IfNotPresent", podUID: "p", credentials: provide, events: ignore) == .present)
        #expect(runtime.pulls.last?.auth == auth)
        #expect(credentials.credentials(for: ImageReference("busybox")).map(\.username) == ["hub"])
        #expect(credentials.credentials(for: ImageReference("quay.io/x/y")).isEmpty)

        var wrong = CoreV1.Secret(metadata: MetaV1.ObjectMeta(name: "opaque"))
        wrong.data = ["token": Data("x".utf8)]
        #expect(throws: (any Error).self) { try RegistryCredentials(secrets: [wrong]) }
    }

    @Test("image names parse as Docker reads them, and malformed ones are InvalidImageName")
    func names() async throws {
        let hub = ImageReference("busybox")
        #expect(hub.registry == "docker.io" && hub.repository == "library/busybox" && hub.tag == "latest")
        let local = ImageReference("127.0.0.1:5000/team/app:1.2")
        #expect(local.registry == "127.0.0.1:5000" && local.repository == "team/app" && local.tag == "1.2")
        let pinned = ImageReference("localhost/app@sha256:" + String(repeating: "a", count: 64))
        #expect(pinned.registry == "localhost" && pinned.tag == nil && pinned.digest?.hasPrefix("sha256:") == true)
        for good in ["busybox", "busybox:1.36", "127.0.0.1:5000/busybox:1", "quay.io/a/b-c_d.e:v1"] { #expect(ImageReference.isValid(good), "\(good)") }
        for bad in ["", "Busybox", "busy box", "busybox:", "busybox:-x", "a//b", "x@sha256:zz"] { #expect(!ImageReference.isValid(bad), "\(bad)") }
        let puller = ImagePuller(runtime: ImageStoreRuntime())
        let outcome = await puller.ensure("Busybox", policy: "IfNotPresent", podUID: "p", credentials: Self.none, events: { _ in })
        #expect({ if case .waiting("InvalidImageName", _, nil) = outcome { true } else { false } }())
    }
}
