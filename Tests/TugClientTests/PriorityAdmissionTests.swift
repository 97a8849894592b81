import Foundation
import Testing
import TugAPI
@testable import TugClient

/// Kubernetes' Priority admission, through the API as a client sees it.
@Suite struct PriorityAdmissionTests {
    func pod(_ name: String, className: String? = nil) -> CoreV1.Pod {
        var p = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"))
        p.spec = CoreV1.PodSpec(containers: [CoreV1.Container(name: "c", image: "nginx")])
        p.spec?.schedulerName = "none"
        p.spec?.priorityClassName = className
        return p
    }

    func priorityClass(_ name: String, value: Int, globalDefault: Bool = false, policy: String? = nil) -> SchedulingV1.PriorityClass {
        var pc = SchedulingV1.PriorityClass(metadata: MetaV1.ObjectMeta(name: name))
        pc.value = value
        pc.globalDefault = globalDefault
        pc.preemptionPolicy = policy
        return pc
    }

    @Test func classesResolveAndTheGlobalDefaultApplies() async throws {
        let c = try await TestCluster()
        defer { c.stop() }
        // No classes yet: priority 0.
        #expect(try await c.client.create(pod("plain")).spec?.priority == 0)
        _ = try await c.client.create(priorityClass("high", value: 1000, policy: "Never"))
        let high = try await c.client.create(pod("high", className: "high"))
        #expect(high.spec?.priority == 1000 && high.spec?.preemptionPolicy == "Never")
        await #expect(throws: APIError.self) { _ = try await c.client.create(pod("unknown", className: "nope")) }

        _ = try await c.client.create(priorityClass("default-low", value: 10, globalDefault: true))
        // The cache learns of the new class through its watch; poll briefly.
        var defaulted: CoreV1.Pod?
        for i in 0..<100 {
            let p = try await c.client.create(pod("d\(i)"))
            if p.spec?.priorityClassName == "default-low" { defaulted = p; break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(defaulted?.spec?.priority == 10)
        #expect(defaulted?.spec?.preemptionPolicy == "PreemptLowerPriority")
        // A named class still wins over the default.
        #expect(try await c.client.create(pod("named", className: "high")).spec?.priority == 1000)
    }
}
