import Foundation
import TugAPI
import TugRuntime

/// Requests and limits as cgroup settings, as kubelet converts them: cpu request -> shares
/// (1024 per core, at least 2), cpu limit -> CFS quota over a 100 ms period, memory limit ->
/// the memory limit in bytes.
enum ContainerResources {
    static let cpuPeriod: Int64 = 100_000

    static func linux(_ container: CoreV1.Container) -> LinuxResources {
        let requests = container.resources?.requests ?? [:], limits = container.resources?.limits ?? [:]
        var r = LinuxResources()
        // Kubernetes: a limit without a request means request = limit.
        if let cpu = (requests["cpu"] ?? limits["cpu"])?.milliValue { r.cpuShares = max(2, cpu * 1024 / 1000) } else { r.cpuShares = 2 }
        if let cpu = limits["cpu"]?.milliValue, cpu > 0 {
            r.cpuPeriod = cpuPeriod
            r.cpuQuota = max(1000, cpu * cpuPeriod / 1000)
        }
        if let memory = limits["memory"]?.value, memory > 0 { r.memoryLimitInBytes = memory }
        return r
    }
}
