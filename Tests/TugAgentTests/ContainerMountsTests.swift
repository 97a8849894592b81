import Foundation
import Testing
import TugAPI
@testable import TugAgent
import TugRuntime

struct ContainerMountsTests {
    func mount(_ name: String, at path: String, subPath: String? = nil, expr: String? = nil, readOnly: Bool? = nil) -> CoreV1.VolumeMount {
        var m = CoreV1.VolumeMount()
        m.name = name
        m.mountPath = path
        m.subPath = subPath
        m.subPathExpr = expr
        m.readOnly = readOnly
        return m
    }

    func container(_ mounts: [CoreV1.VolumeMount]) -> CoreV1.Container {
        var c = Fixtures.container()
        c.volumeMounts = mounts
        return c
    }

    func setUp(_ tmp: TempDirectory) async throws -> [String: MountedVolume] {
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("app", ["app.conf": "x"])])
        var data = CoreV1.Volume(), cfg = CoreV1.Volume()
        data.name = "data"
        data.emptyDir = CoreV1.EmptyDirVolumeSource()
        cfg.name = "cfg"
        cfg.configMap = CoreV1.ConfigMapVolumeSource(name: "app")
        return try await PodVolumes(podDirectory: tmp.sub("pod"), source: source, canMountTmpfs: false).setUp(Fixtures.pod(volumes: [data, cfg]))
    }

    @Test func mountsResolveVolumesReadOnlyAndSubPaths() async throws {
        let tmp = try TempDirectory()
        let volumes = try await setUp(tmp)
        let dataDir = try #require(volumes["data"]?.hostPath)
        let cfgDir = try #require(volumes["cfg"]?.hostPath)
        let mounts = try ContainerMounts.make(for: container([
            mount("data", at: "/data"),
            mount("data", at: "/cache", subPath: "cache/nested", readOnly: true),
            mount("cfg", at: "/etc/app"),
            mount("cfg", at: "/etc/app.conf", subPath: "app.conf"),
            mount("data", at: "/logs", expr: "logs/$(POD_NAME)"),
            mount("data", at: "relative"),
        ]), volumes: volumes, env: [TugRuntime.EnvVar("POD_NAME", "web-1")])
        let real = HostFileSystem.realPath(dataDir)!
        #expect(mounts[0] == TugRuntime.Mount(containerPath: "/data", hostPath: dataDir, readOnly: false))
        #expect(mounts[1] == TugRuntime.Mount(containerPath: "/cache", hostPath: real + "/cache/nested", readOnly: true))
        #expect(Files.mode(dataDir + "/cache/nested") == 0o777) // created with the volume's mode
        #expect(mounts[2] == TugRuntime.Mount(containerPath: "/etc/app", hostPath: cfgDir, readOnly: true))
        #expect(mounts[3].readOnly)
        #expect(Files.read(mounts[3].hostPath) == "x")
        #expect(!Files.isSymlink(mounts[3].hostPath))
        #expect(mounts[4] == TugRuntime.Mount(containerPath: "/logs", hostPath: real + "/logs/web-1", readOnly: false))
        #expect(mounts[5].containerPath == "/relative")
    }

    @Test func escapingSubPathsAreRejectedWithTheKubeletsMessages() async throws {
        let tmp = try TempDirectory()
        let volumes = try await setUp(tmp)
        func failure(_ m: CoreV1.VolumeMount, env: [TugRuntime.EnvVar] = []) -> String? {
            do {
                _ = try ContainerMounts.make(for: container([m]), volumes: volumes, env: env)
                return nil
            } catch let e as ContainerConfigError {
                return e.message
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(failure(mount("data", at: "/x", subPath: "/etc")) == "error SubPath `/etc` must not be an absolute path")
        #expect(failure(mount("data", at: "/x", subPath: "a/../../etc")) == "unable to provision SubPath `a/../../etc`: must not contain '..'")
        #expect(failure(mount("data", at: "/x", subPath: "..")) == "unable to provision SubPath `..`: must not contain '..'")
        #expect(failure(mount("data", at: "/x", expr: "$(DIR)"), env: [TugRuntime.EnvVar("DIR", "../up")]) == "unable to provision SubPath `../up`: must not contain '..'")
        #expect(failure(mount("data", at: "/x", expr: "$(A)/$(B)/$(C)"), env: [TugRuntime.EnvVar("B", "")]) == "missing value for A, B, C")
        #expect(failure(mount("nope", at: "/x")) == "cannot find volume \"nope\" to mount into container \"app\"")

        // A symlink inside the volume that points outside it.
        let dataDir = try #require(volumes["data"]?.hostPath)
        try FileManager.default.createSymbolicLink(atPath: dataDir + "/escape", withDestinationPath: "/etc")
        #expect(failure(mount("data", at: "/x", subPath: "escape")) == "failed to prepare subPath for volumeMount \"data\" of container \"app\"")
        #expect(failure(mount("data", at: "/x", subPath: "escape/newdir")) == "failed to create subPath directory for volumeMount \"data\" of container \"app\"")
        #expect(!FileManager.default.fileExists(atPath: "/etc/newdir"))
    }
}
