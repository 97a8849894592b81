import Foundation
import Logging
import Testing
import TugAPI
import TugRuntime
@testable import TugAgent

struct PodVolumesTests {
    func volume(_ name: String, _ configure: (inout CoreV1.Volume) -> Void) -> CoreV1.Volume {
        var v = CoreV1.Volume()
        v.name = name
        configure(&v)
        return v
    }

    func key(_ key: String, _ path: String, mode: Int? = nil) -> CoreV1.KeyToPath {
        var k = CoreV1.KeyToPath()
        k.key = key
        k.path = path
        k.mode = mode
        return k
    }

    func volumes(_ tmp: TempDirectory, _ source: InMemoryPodConfigSource, tmpfs: Bool = false) -> PodVolumes {
        PodVolumes(podDirectory: tmp.sub("pod"), source: source, nodeAllocatable: ["memory": "1Gi", "cpu": "2"], canMountTmpfs: tmpfs)
    }

    @Test func configMapVolumeWritesKeysWithDefaultModeAndItemsWithTheirModes() async throws {
        let tmp = try TempDirectory()
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("app", ["app.conf": "port=80", "other": "x"], binary: ["logo.bin": [0, 1, 2]])])
        let all = volume("all") { $0.configMap = CoreV1.ConfigMapVolumeSource(name: "app") }
        let some = volume("some") {
            $0.configMap = CoreV1.ConfigMapVolumeSource(name: "app", items: [key("app.conf", "conf/main.conf", mode: 0o600), key("logo.bin", "logo")],
                                                        defaultMode: 0o440)
        }
        let pv = volumes(tmp, source)
        let mounted = try await pv.setUp(Fixtures.pod(volumes: [all, some]))
        let allDir = tmp.sub("pod/volumes/kubernetes.io~configmap/all")
        let someDir = tmp.sub("pod/volumes/kubernetes.io~configmap/some")
        #expect(mounted["all"] == MountedVolume(name: "all", kind: .configMap, hostPath: allDir))
        #expect(mounted["all"]?.mustMountReadOnly == true)
        #expect(Files.read(allDir + "/app.conf") == "port=80")
        #expect(Files.read(allDir + "/logo.bin").map { Array($0.utf8) } == [0, 1, 2])
        #expect(Files.mode(allDir + "/..data/app.conf") == 0o644)
        #expect(Files.list(someDir).filter { !$0.hasPrefix("..") } == ["conf", "logo"])
        #expect(Files.read(someDir + "/conf/main.conf") == "port=80")
        #expect(Files.mode(someDir + "/..data/conf/main.conf") == 0o600)
        #expect(Files.mode(someDir + "/..data/logo") == 0o440)
        #expect(Files.mode(allDir) == 0o777)
    }

    @Test func configMapUpdatesAppearInTheFilesWithoutTouchingUnchangedVolumes() async throws {
        let tmp = try TempDirectory()
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("app", ["a": "1", "b": "2"]), Fixtures.configMap("static", ["s": "1"])])
        let pod = Fixtures.pod(volumes: [volume("cfg") { $0.configMap = CoreV1.ConfigMapVolumeSource(name: "app") },
                                         volume("fixed") { $0.configMap = CoreV1.ConfigMapVolumeSource(name: "static") }])
        let pv = volumes(tmp, source)
        try await pv.setUp(pod)
        let dir = tmp.sub("pod/volumes/kubernetes.io~configmap/cfg")
        let fixedData = Files.link(tmp.sub("pod/volumes/kubernetes.io~configmap/fixed/..data"))
        let oldData = try #require(Files.link(dir + "/..data"))

        #expect(try await pv.update(pod).isEmpty)
        #expect(Files.link(dir + "/..data") == oldData)

        await source.put(Fixtures.configMap("app", ["a": "1", "c": "3"]))
        #expect(try await pv.update(pod) == ["cfg"])
        let newData = try #require(Files.link(dir + "/..data"))
        #expect(newData != oldData)
        #expect(Files.read(dir + "/a") == "1")
        #expect(Files.read(dir + "/c") == "3")
        #expect(!FileManager.default.fileExists(atPath: dir + "/b"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/" + oldData))
        #expect(Files.link(tmp.sub("pod/volumes/kubernetes.io~configmap/fixed/..data")) == fixedData)
    }

    @Test func secretVolumeOptionalAndMissingCases() async throws {
        let tmp = try TempDirectory()
        let source = InMemoryPodConfigSource(secrets: [Fixtures.secret("tls", ["tls.crt": "CERT", "tls.key": "KEY"])])
        let pv = volumes(tmp, source)
        let ok = volume("tls") {
            $0.secret = CoreV1.SecretVolumeSource(secretName: "tls", items: [key("tls.key", "key.pem", mode: 0o400), key("nope", "x")],
                                                  defaultMode: 0o640, optional: true)
        }
        let optional = volume("maybe") { $0.secret = CoreV1.SecretVolumeSource(secretName: "absent", optional: true) }
        let mounted = try await pv.setUp(Fixtures.pod(volumes: [ok, optional]))
        let dir = try #require(mounted["tls"]?.hostPath)
        #expect(dir == tmp.sub("pod/volumes/kubernetes.io~secret/tls"))
        #expect(Files.read(dir + "/key.pem") == "KEY")
        #expect(Files.mode(dir + "/..data/key.pem") == 0o400)
        #expect(Files.list(dir).filter { !$0.hasPrefix("..") } == ["key.pem"])
        #expect(Files.list(try #require(mounted["maybe"]?.hostPath)).filter { !$0.hasPrefix("..") }.isEmpty)

        let missing = volume("gone") { $0.secret = CoreV1.SecretVolumeSource(secretName: "absent") }
        await #expect(throws: VolumeSetUpError(volume: "gone", message: "secret \"absent\" not found")) {
            try await volumes(tmp, source).setUp(Fixtures.pod(volumes: [missing]))
        }
        let badKey = volume("bad") { $0.secret = CoreV1.SecretVolumeSource(secretName: "tls", items: [key("nope", "x")]) }
        await #expect(throws: VolumeSetUpError(volume: "bad", message: "references non-existent secret key: nope")) {
            try await volumes(tmp, source).setUp(Fixtures.pod(volumes: [badKey]))
        }
        let badCM = volume("badcm") { $0.configMap = CoreV1.ConfigMapVolumeSource(name: "nocm") }
        let error = await #expect(throws: VolumeSetUpError.self) { try await volumes(tmp, source).setUp(Fixtures.pod(volumes: [badCM])) }
        #expect(error?.description == "MountVolume.SetUp failed for volume \"badcm\" : configmap \"nocm\" not found")
    }

    @Test func downwardAPIVolumeWritesSortedQuotedLabelsAndResources() async throws {
        let tmp = try TempDirectory()
        var c = Fixtures.container()
        c.resources = CoreV1.ResourceRequirements(limits: ["cpu": "500m"], requests: ["memory": "32Mi"])
        var pod = Fixtures.pod(containers: [c])
        pod.metadata.labels = ["zone": "us-east", "app": "web", "quote": "say \"hi\"\n"]
        pod.metadata.annotations = ["build": "42"]
        func file(_ path: String, field: String? = nil, resource: CoreV1.ResourceFieldSelector? = nil, mode: Int? = nil) -> CoreV1.DownwardAPIVolumeFile {
            var f = CoreV1.DownwardAPIVolumeFile()
            f.path = path
            f.fieldRef = field.map { CoreV1.ObjectFieldSelector(apiVersion: "v1", fieldPath: $0) }
            f.resourceFieldRef = resource
            f.mode = mode
            return f
        }
        pod.spec?.volumes = [volume("info") {
            $0.downwardAPI = CoreV1.DownwardAPIVolumeSource(items: [
                file("labels", field: "metadata.labels"),
                file("annotations", field: "metadata.annotations", mode: 0o600),
                file("name", field: "metadata.name"),
                file("app", field: "metadata.labels['app']"),
                file("limits/cpu_m", resource: Fixtures.resourceRef("limits.cpu", divisor: "1m", container: "app")),
                file("limits/mem", resource: Fixtures.resourceRef("limits.memory", divisor: "1Mi", container: "app")),
                file("requests/mem", resource: Fixtures.resourceRef("requests.memory", divisor: "1Mi", container: "app")),
            ])
        }]
        let pv = volumes(tmp, InMemoryPodConfigSource())
        let dir = try #require(try await pv.setUp(pod)["info"]?.hostPath)
        #expect(dir == tmp.sub("pod/volumes/kubernetes.io~downward-api/info"))
        #expect(Files.read(dir + "/labels") == "app=\"web\"\nquote=\"say \\\"hi\\\"\\n\"\nzone=\"us-east\"")
        #expect(Files.read(dir + "/annotations") == "build=\"42\"")
        #expect(Files.mode(dir + "/..data/annotations") == 0o600)
        #expect(Files.read(dir + "/name") == "web")
        #expect(Files.read(dir + "/app") == "web")
        #expect(Files.read(dir + "/limits/cpu_m") == "500")
        #expect(Files.read(dir + "/limits/mem") == "1024") // node allocatable 1Gi
        #expect(Files.read(dir + "/requests/mem") == "32")

        // A label change is an update of the labels file only.
        pod.metadata.labels?["zone"] = "eu-west"
        #expect(try await pv.update(pod) == ["info"])
        #expect(Files.read(dir + "/labels") == "app=\"web\"\nquote=\"say \\\"hi\\\"\\n\"\nzone=\"eu-west\"")
    }

    @Test func projectedVolumeMergesSourcesAndRejectsUnsupportedOnes() async throws {
        let tmp = try TempDirectory()
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("cm", ["shared": "from-cm", "cfg": "c"])],
                                             secrets: [Fixtures.secret("s", ["shared": "from-secret", "pw": "p"])])
        var dapi = CoreV1.DownwardAPIProjection()
        var nameFile = CoreV1.DownwardAPIVolumeFile()
        nameFile.path = "meta/name"
        nameFile.fieldRef = CoreV1.ObjectFieldSelector(fieldPath: "metadata.name")
        dapi.items = [nameFile]
        var p1 = CoreV1.VolumeProjection(), p2 = CoreV1.VolumeProjection(), p3 = CoreV1.VolumeProjection(), p4 = CoreV1.VolumeProjection()
        p1.configMap = CoreV1.ConfigMapProjection(name: "cm")
        p2.secret = CoreV1.SecretProjection(name: "s", items: [key("shared", "shared"), key("pw", "secret/pw", mode: 0o400)])
        p3.downwardAPI = dapi
        p4.secret = CoreV1.SecretProjection(name: "absent", optional: true)
        let pod = Fixtures.pod(volumes: [volume("all-in-one") { $0.projected = CoreV1.ProjectedVolumeSource(sources: [p1, p2, p3, p4], defaultMode: 0o444) }])
        let dir = try #require(try await volumes(tmp, source).setUp(pod)["all-in-one"]?.hostPath)
        #expect(dir == tmp.sub("pod/volumes/kubernetes.io~projected/all-in-one"))
        #expect(Files.read(dir + "/shared") == "from-secret")
        #expect(Files.read(dir + "/cfg") == "c")
        #expect(Files.read(dir + "/secret/pw") == "p")
        #expect(Files.mode(dir + "/..data/secret/pw") == 0o400)
        #expect(Files.mode(dir + "/..data/cfg") == 0o444)
        #expect(Files.read(dir + "/meta/name") == "web")

        var token = CoreV1.VolumeProjection()
        token.serviceAccountToken = CoreV1.ServiceAccountTokenProjection(path: "token")
        var bundle = CoreV1.VolumeProjection()
        bundle.clusterTrustBundle = CoreV1.ClusterTrustBundleProjection(path: "ca.crt")
        var missing = CoreV1.VolumeProjection()
        missing.configMap = CoreV1.ConfigMapProjection(name: "nocm")
        let bad = Fixtures.pod(volumes: [volume("sa") { $0.projected = CoreV1.ProjectedVolumeSource(sources: [token, missing, bundle]) }])
        await #expect(throws: VolumeSetUpError(volume: "sa", message: "[serviceAccountToken projections are not supported by this node agent yet, configmap \"nocm\" not found, clusterTrustBundle projections are not supported by this node agent yet]")) {
            try await volumes(tmp, source).setUp(bad)
        }
    }

    @Test func hostPathTypeChecks() async throws {
        let tmp = try TempDirectory()
        let pv = volumes(tmp, InMemoryPodConfigSource())
        func hp(_ name: String, _ path: String, _ type: String?) -> CoreV1.Volume {
            volume(name) { $0.hostPath = CoreV1.HostPathVolumeSource(path: path, type: type) }
        }
        _ = FileManager.default.createFile(atPath: tmp.sub("file"), contents: Data("x".utf8))
        let made = try await pv.setUp(Fixtures.pod(volumes: [
            hp("newdir", tmp.sub("made/deep/dir"), "DirectoryOrCreate"),
            hp("newfile", tmp.sub("made/file"), "FileOrCreate"),
            hp("existing", tmp.sub("file"), "File"),
            hp("any", tmp.sub("whatever"), ""),
            hp("unset", tmp.sub("whatever"), nil),
        ]))
        #expect(made["newdir"] == MountedVolume(name: "newdir", kind: .hostPath, hostPath: tmp.sub("made/deep/dir")))
        #expect(Files.mode(tmp.sub("made/deep/dir")) == 0o755)
        #expect(FileManager.default.fileExists(atPath: tmp.sub("made/file")))
        #expect(made["newdir"]?.mustMountReadOnly == false)

        func failure(_ v: CoreV1.Volume) async -> String? {
            do {
                try await pv.setUp(Fixtures.pod(volumes: [v]))
                return nil
            } catch let e as VolumeSetUpError {
                return e.message
            } catch {
                return "\(error)"
            }
        }
        #expect(await failure(hp("d", tmp.sub("file"), "Directory")) == "hostPath type check failed: \(tmp.sub("file")) is not a directory")
        #expect(await failure(hp("d", tmp.sub("nothing"), "Directory")) == "hostPath type check failed: \(tmp.sub("nothing")) is not a directory")
        #expect(await failure(hp("f", tmp.path, "File")) == "hostPath type check failed: \(tmp.path) is not a file")
        #expect(await failure(hp("f", tmp.sub("file"), "DirectoryOrCreate")) == "hostPath type check failed: \(tmp.sub("file")) is not a directory")
        #expect(await failure(hp("s", tmp.sub("file"), "Socket")) == "hostPath type check failed: \(tmp.sub("file")) is not a socket file")
        #expect(await failure(hp("c", tmp.sub("file"), "CharDevice")) == "hostPath type check failed: \(tmp.sub("file")) is not a character device")
        #expect(await failure(hp("c", "/dev/null", "CharDevice")) == nil)
        #expect(await failure(hp("b", "/dev/null", "BlockDevice")) == "hostPath type check failed: /dev/null is not a block device")
        #expect(await failure(hp("x", tmp.path, "Folder")) == "Folder is an invalid volume type")
    }

    @Test func unsupportedVolumeTypesSayWhat() async throws {
        let tmp = try TempDirectory()
        let pv = volumes(tmp, InMemoryPodConfigSource())
        let pvc = volume("data") { $0.persistentVolumeClaim = CoreV1.PersistentVolumeClaimVolumeSource(claimName: "data-0") }
        await #expect(throws: VolumeSetUpError(volume: "data", message: "persistentVolumeClaim volumes (claim \"data-0\") are not supported by this node agent yet")) {
            try await pv.setUp(Fixtures.pod(volumes: [pvc]))
        }
        let eph = volume("scratch") { $0.ephemeral = CoreV1.EphemeralVolumeSource() }
        await #expect(throws: VolumeSetUpError(volume: "scratch", message: "ephemeral volumes are not supported by this node agent yet")) {
            try await pv.setUp(Fixtures.pod(volumes: [eph]))
        }
        let nfs = volume("share") { $0.nfs = CoreV1.NFSVolumeSource(server: "10.0.0.1", path: "/export") }
        let error = await #expect(throws: VolumeSetUpError.self) { try await pv.setUp(Fixtures.pod(volumes: [nfs])) }
        #expect(error?.message.hasPrefix("volume type nfs is not supported") == true)
    }

    @Test func emptyDirOnDiskAndTeardown() async throws {
        let tmp = try TempDirectory()
        let source = InMemoryPodConfigSource(configMaps: [Fixtures.configMap("app", ["a": "1"])])
        let pv = volumes(tmp, source, tmpfs: false)
        let pod = Fixtures.pod(volumes: [
            volume("scratch") { $0.emptyDir = CoreV1.EmptyDirVolumeSource() },
            volume("fast") { $0.emptyDir = CoreV1.EmptyDirVolumeSource(medium: "Memory", sizeLimit: "64Mi") },
            volume("cfg") { $0.configMap = CoreV1.ConfigMapVolumeSource(name: "app") },
        ])
        let mounted = try await pv.setUp(pod)
        let scratch = tmp.sub("pod/volumes/kubernetes.io~empty-dir/scratch")
        #expect(mounted["scratch"] == MountedVolume(name: "scratch", kind: .emptyDir, hostPath: scratch))
        #expect(mounted["fast"]?.onTmpfs == false) // no mount privileges: a plain directory
        #expect(Files.mode(scratch) == 0o777)
        _ = FileManager.default.createFile(atPath: scratch + "/data", contents: Data("keep".utf8))
        // Setting up again keeps what the containers wrote.
        try await pv.setUp(pod)
        #expect(Files.read(scratch + "/data") == "keep")

        try await pv.tearDown()
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("pod/volumes")))
        #expect(FileManager.default.fileExists(atPath: tmp.sub("pod")))
        #expect(await pv.volumes.isEmpty)
        try await pv.tearDown() // nothing left: still fine
    }

    @Test func memoryEmptyDirIsATmpfsWhenRootAndTeardownUnmountsIt() async throws {
        let tmp = try TempDirectory()
        guard HostFileSystem.isRoot, canMountTmpfs(in: tmp) else { return } // needs mount privileges
        let pv = volumes(tmp, InMemoryPodConfigSource(secrets: [Fixtures.secret("s", ["k": "v"])]), tmpfs: true)
        let pod = Fixtures.pod(volumes: [
            volume("fast") { $0.emptyDir = CoreV1.EmptyDirVolumeSource(medium: "Memory", sizeLimit: "8Mi") },
            volume("creds") { $0.secret = CoreV1.SecretVolumeSource(secretName: "s") },
        ])
        let mounted = try await pv.setUp(pod)
        let fast = try #require(mounted["fast"])
        #expect(fast.onTmpfs)
        #expect(MountTable.isMountPoint(fast.hostPath))
        #expect(mounted["creds"]?.onTmpfs == true)
        #expect(Files.read(try #require(mounted["creds"]?.hostPath) + "/k") == "v")
        let info = try #require(KernelFile.contents("/proc/self/mountinfo"))
        let line = try #require(info.split(separator: "\n").first { $0.contains(fast.hostPath) })
        #expect(line.contains("size=8192k"))
        #expect(Files.mode(fast.hostPath) == 0o777)
        // Set up again: not mounted twice.
        try await pv.setUp(pod)
        #expect(MountTable.mountPoints(under: fast.hostPath).count == 1)

        try await pv.tearDown()
        #expect(MountTable.mountPoints(under: tmp.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("pod/volumes")))
    }

    @Test func emptyDirMemorySizeFollowsTheKubeletsRule() {
        var c = Fixtures.container()
        c.resources = CoreV1.ResourceRequirements(limits: ["memory": "256Mi"])
        let limited = Fixtures.pod(containers: [c])
        let unlimited = Fixtures.pod()
        let node: [String: Quantity] = ["memory": "1Gi"]
        #expect(EmptyDirSetup.memorySize(pod: unlimited, sizeLimit: nil, nodeAllocatable: node) == 1 << 30)
        #expect(EmptyDirSetup.memorySize(pod: limited, sizeLimit: nil, nodeAllocatable: node) == 256 << 20)
        #expect(EmptyDirSetup.memorySize(pod: limited, sizeLimit: "64Mi", nodeAllocatable: node) == 64 << 20)
        #expect(EmptyDirSetup.memorySize(pod: limited, sizeLimit: "2Gi", nodeAllocatable: node) == 256 << 20)
        #expect(EmptyDirSetup.memorySize(pod: unlimited, sizeLimit: nil, nodeAllocatable: [:]) == nil)
    }

    /// Whether this process may mount a tmpfs (root in a container may lack the capability).
    func canMountTmpfs(in tmp: TempDirectory) -> Bool {
        let probe = tmp.sub("probe")
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        guard (try? MountTable.mountTmpfs(at: probe, sizeBytes: 1 << 20)) != nil else { return false }
        try? MountTable.unmount(probe)
        return true
    }
}
