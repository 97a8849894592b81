#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TugRuntime
import TugShimKit
@testable import TugRuntimeProcess

@Suite("Process runtime: mounts, limits, stats")
struct IsolationTests {
    static let isRoot = geteuid() == 0
    static let hasCgroups = CgroupSystem.detect() != nil

    @Test("as root, a bind mount is visible at its container path, read-only when asked, and its mount point is removed after",
          .enabled(if: isRoot))
    func bindMounts() async throws {
        try await Harness.with { h in
            let source = h.root + "/data"
            try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            try Data("from the host\n".utf8).write(to: URL(fileURLWithPath: source + "/file.txt"))
            let writable = h.root + "/scratch"
            try FileManager.default.createDirectory(atPath: writable, withIntermediateDirectories: true)
            let target = h.root + "/mnt/inside/data", scratchTarget = h.root + "/mnt/inside/scratch"
            let pod = try await h.sandbox()
            let id = try await h.run("cat \(target)/file.txt; touch \(target)/new 2>/dev/null && echo ro-broken || echo read-only; "
                                     + "touch \(scratchTarget)/made && echo writable; sleep 60", in: pod) {
                $0.mounts = [Mount(containerPath: target, hostPath: source, readOnly: true),
                             Mount(containerPath: scratchTarget, hostPath: writable)]
            }
            let path = try await h.runtime.containerStatus(id).logPath
            #expect(await h.eventually { h.logText(path).contains("writable") })
            let text = h.logText(path)
            #expect(text.contains("from the host"))
            #expect(text.contains("read-only"))
            #expect(!text.contains("ro-broken"))
            #expect(FileManager.default.fileExists(atPath: writable + "/made"))
            // The mount is private to the container: the host sees an empty mount point.
            #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
            let exec = try await h.runtime.execSync(id, command: ["cat", target + "/file.txt"], timeout: .seconds(10))
            #expect(String(decoding: exec.stdout, as: UTF8.self) == "from the host\n")
            try await h.runtime.removeContainer(id)
            #expect(!FileManager.default.fileExists(atPath: h.root + "/mnt"))
        }
    }

    @Test("without root, a missing mount path becomes a symlink; an existing one is refused")
    func symlinkMounts() throws {
        let root = NSTemporaryDirectory() + "tug-mounts-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/host", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try MountPlanner.prepare([Mount(containerPath: root + "/link", hostPath: root + "/host")], asRoot: false)
        #expect(plan.bindMounts.isEmpty)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/link") == root + "/host")
        MountPlanner.cleanUp(plan.createdPaths)
        #expect(!FileManager.default.fileExists(atPath: root + "/link"))

        #expect(throws: RuntimeError.self) {
            _ = try MountPlanner.prepare([Mount(containerPath: "/etc", hostPath: root + "/host")], asRoot: false)
        }
        do {
            _ = try MountPlanner.prepare([Mount(containerPath: root + "/missing/deeper", hostPath: root + "/host")], asRoot: false)
            Issue.record("a symlink was planned under a missing folder")
        } catch RuntimeError.invalidConfig(let message) {
            #expect(message.contains("needs root"))
        }
        #expect(throws: RuntimeError.self) {
            _ = try MountPlanner.prepare([Mount(containerPath: root + "/x", hostPath: root + "/no-such-source")], asRoot: false)
        }
    }

    @Test("as root with cgroups, a container over its memory limit is OOMKilled", .enabled(if: isRoot && hasCgroups))
    func memoryLimit() async throws {
        try await Harness.with { h in
            #expect(h.runtime.capabilities.enforcesLimits)
            let pod = try await h.sandbox()
            // Grows a shell variable by doubling until the 16 MiB limit stops it (at most 2^26 bytes).
            let id = try await h.run("x=aaaaaaaaaaaaaaaa; i=0; while [ $i -lt 22 ]; do x=\"$x$x\"; i=$((i+1)); done; echo survived", in: pod) {
                $0.resources = LinuxResources(memoryLimitInBytes: 16 * 1024 * 1024)
            }
            let status = try await h.waitForExit(id, within: .seconds(60))
            #expect(status.reason == "OOMKilled")
            #expect(status.exitCode == 137)
            #expect(!h.logText(status.logPath).contains("survived"))
        }
    }

    @Test("as root, runAsUser/runAsGroup/supplementalGroups apply to the container and its execs", .enabled(if: isRoot))
    func runAsUser() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("id -u; id -g; id -G; pwd; sleep 60", in: pod) {
                $0.security = SecurityConfig(runAsUser: 65534, runAsGroup: 65533, supplementalGroups: [4242])
            }
            let path = try await h.runtime.containerStatus(id).logPath
            #expect(await h.eventually { h.logLines(path).count >= 4 })
            let lines = h.logLines(path).map { String(decoding: $0.content, as: UTF8.self) }
            #expect(Array(lines.prefix(4)) == ["65534", "65533", "65533 4242", "/"])
            let exec = try await h.runtime.execSync(id, command: ["id", "-u"], timeout: .seconds(10))
            #expect(String(decoding: exec.stdout, as: UTF8.self) == "65534\n")
        }
    }

    @Test("runAsNonRoot without a non-root user is refused")
    func runAsNonRoot() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            var config = ContainerConfig(name: "c", image: "x", command: ["true"], logPath: "c/0.log",
                                         security: SecurityConfig(runAsNonRoot: true))
            if geteuid() != 0 { config.security?.runAsUser = 0 }
            await #expect(throws: RuntimeError.self) {
                _ = try await h.runtime.createContainer(in: pod, config, sandboxConfig: h.sandboxConfig())
            }
        }
    }

    @Test("stats report CPU and memory for a busy container")
    func stats() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("i=0; while [ $i -lt 100000000 ]; do i=$((i+1)); done", in: pod)
            #expect(try await h.eventually {
                let stats = try await h.runtime.containerStats(id)
                return stats.cpuUsageCoreNanoSeconds > 0 && stats.memoryWorkingSetBytes > 0
            })
            try await h.runtime.stopContainer(id, timeout: .zero)
        }
    }

    @Test("as root with cgroups, the container's cgroup is made with its limits and removed with it", .enabled(if: isRoot && hasCgroups))
    func cgroupFolders() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod) {
                $0.resources = LinuxResources(cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 64 * 1024 * 1024, pidsLimit: 20)
            }
            let record = try h.runtime.store.container(id)
            let cgroup = try #require(record.cgroup)
            let started = try #require(try h.runtime.observe(record).started)
            #expect(cgroup.processes().contains(started.pid))
            if cgroup.version == .v1 {
                #expect(Sys.readText(cgroup.directories["memory"]! + "/memory.limit_in_bytes") == "67108864\n")
                #expect(Sys.readText(cgroup.directories["cpu"]! + "/cpu.cfs_quota_us") == "50000\n")
                #expect(Sys.readText(cgroup.directories["pids"]! + "/pids.max") == "20\n")
            }
            try await h.runtime.removeSandbox(pod)
            for directory in cgroup.directories.values { #expect(!FileManager.default.fileExists(atPath: directory)) }
        }
    }
}
