import Foundation
import Testing
@testable import TugAgent
import TugRuntime

/// The node-wide relist wakes exactly the pods whose sandboxes or containers changed.
struct PodLifecycleRelisterTests {
    func sandbox(_ id: String, pod uid: String, _ state: SandboxStatus.State = .ready) -> SandboxStatus {
        SandboxStatus(id: id, name: "p-" + uid, namespace: "default", uid: uid, attempt: 0, state: state, createdAt: Date(),
                      labels: ["io.kubernetes.pod.uid": uid])
    }

    func container(_ id: String, in sandbox: String, _ state: ContainerStatus.State) -> ContainerStatus {
        ContainerStatus(id: id, sandboxID: sandbox, name: "app", attempt: 0, image: "busybox", imageRef: "busybox", state: state,
                        createdAt: Date(), logPath: "/dev/null")
    }

    @Test func onlyPodsWhoseContainersChangedAreWoken() {
        let sandboxes = [sandbox("s1", pod: "a"), sandbox("s2", pod: "b"), sandbox("s3", pod: "c")]
        let before = PodLifecycleRelister.snapshot(sandboxes: sandboxes, containers: [
            container("c1", in: "s1", .running), container("c2", in: "s2", .running), container("c3", in: "s3", .created),
        ])
        #expect(PodLifecycleRelister.changedPods(from: before, to: before).isEmpty)
        // a's container exited, c's started, b is unchanged; d is new.
        let after = PodLifecycleRelister.snapshot(sandboxes: sandboxes + [sandbox("s4", pod: "d")], containers: [
            container("c1", in: "s1", .exited), container("c2", in: "s2", .running), container("c3", in: "s3", .running),
        ])
        #expect(PodLifecycleRelister.changedPods(from: before, to: after) == ["a", "c", "d"])
        // A container removed, and a pod whose sandbox is gone.
        let later = PodLifecycleRelister.snapshot(sandboxes: [sandbox("s1", pod: "a"), sandbox("s2", pod: "b")], containers: [
            container("c1", in: "s1", .exited),
        ])
        #expect(PodLifecycleRelister.changedPods(from: after, to: later) == ["b", "c", "d"])
        // A sandbox whose addresses appear (its worker could not read them) counts as a change.
        var addressed = sandbox("s2", pod: "b")
        addressed.ips = ["10.42.0.7"]
        let withAddress = PodLifecycleRelister.snapshot(sandboxes: [sandbox("s1", pod: "a"), addressed], containers: [
            container("c1", in: "s1", .exited),
        ])
        #expect(PodLifecycleRelister.changedPods(from: later, to: withAddress) == ["b"])
        // Containers of sandboxes the relist does not know are left out (they belong to no pod here).
        let stray = PodLifecycleRelister.snapshot(sandboxes: [], containers: [container("x", in: "nowhere", .running)])
        #expect(stray.isEmpty)
    }
}
