import Foundation
import TugAPI
import TugClient
import TugRuntime

extension PodWorker {
    /// Graceful deletion as kubelet does it: preStop hooks and SIGTERM within the grace period,
    /// SIGKILL after, the sandbox stopped, a last status with every container terminated, then
    /// the final delete (grace 0, this pod's UID only) and the pod's files removed.
    func terminate() async {
        let grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
        if let sb = sandbox {
            let running = ((try? await context.runtime.listContainers(sandbox: sb)) ?? []).filter { $0.state == .running || $0.state == .created }
            let specs = (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])
            let context = self.context, identity = self.identity, podIP = podIPs.first ?? context.nodeIP, pod = self.pod, removed = self.removed
            await withTaskGroup(of: Void.self) { group in
                for c in running {
                    let name = c.labels[ContainerLabels.containerName] ?? ""
                    let spec = specs.first { $0.name == name }
                    if !removed { context.event(pod, "Normal", "Killing", "Stopping container \(name)", container: name) }
                    group.addTask {
                        // preStop first, within the grace period; SIGTERM gets what is left (at least 2 s).
                        var timeout = Duration.seconds(max(0, grace))
                        if let hook = spec?.lifecycle?.preStop, let spec, c.state == .running, grace > 0 {
                            let outcome = await context.hooks.runPreStop(hook, pod: identity, podIP: podIP, container: spec, containerID: c.id,
                                                                         gracePeriod: timeout)
                            if let e = outcome.event { context.event(pod, e, container: name) }
                            timeout = outcome.remainingGracePeriod
                        }
                        try? await context.runtime.stopContainer(c.id, timeout: timeout)
                    }
                }
            }
            try? await context.runtime.stopSandbox(sb)
            if !removed {
                await writeFinalStatus(sandbox: sb)
            }
        }
        if !removed {
            do {
                try await context.client.delete(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "",
                                                gracePeriodSeconds: 0, preconditionUID: uid)
            } catch let e as APIError where e.code == 404 || e.code == 409 {
            } catch {
                context.logger.warning("final delete of pod \(podKey): \(error)")
            }
        }
        if let sb = sandbox { try? await context.runtime.removeSandbox(sb) }
        await context.backoff.forgetPod(uid: uid)
        await context.images.forget(podUID: uid)
        await context.preparation.cleanUp(podUID: uid)
        let ns = pod.metadata.namespace ?? "", name = pod.metadata.name ?? ""
        try? FileManager.default.removeItem(atPath: context.paths.podLogDirectory(namespace: ns, name: name, uid: uid))
    }

    /// Every container terminated; the phase is terminal as kubelet reports a deleted pod.
    private func writeFinalStatus(sandbox sb: SandboxID) async {
        guard let all = try? await context.runtime.listContainers(sandbox: sb) else { return }
        let initViews = views(for: pod.spec?.initContainers ?? [], all)
        var appViews = views(for: pod.spec?.containers ?? [], all)
        for i in appViews.indices { appViews[i].waiting = nil }
        var builder = PodStatusBuilder(pod: pod, runtimeName: runtimeScheme, nodeIP: context.nodeIP, podIPs: [], sandboxReady: false,
                                       initContainers: initViews, containers: appViews)
        var status = builder.build()
        let allSucceeded = all.filter { c in (pod.spec?.containers ?? []).contains { $0.name == c.labels[ContainerLabels.containerName] } }
            .allSatisfy { $0.state == .exited && $0.exitCode == 0 }
        status.phase = allSucceeded ? "Succeeded" : "Failed"
        builder.pod.status = status
        status.conditions = builder.conditions(phase: status.phase ?? "Failed", initDone: builder.initialized,
                                               statuses: status.containerStatuses ?? [])
        try? await writeStatus(status)
    }

    /// Writes the status when it differs from what was last written (strategic merge patch on
    /// `pods/status`, conditions and container statuses merged by name/type).
    func writeStatus(_ status: CoreV1.PodStatus) async throws {
        if let last = lastWrittenStatus, last == status { return }
        if lastWrittenStatus == nil, pod.status == status { lastWrittenStatus = status; return }
        var body = try JSONValueEncoder.encode(status)
        // The old pod's lists may have more entries than the new (never for kubelet's own), and
        // a patch must not leave stale container statuses behind.
        if case .object(var o) = body {
            o["$setElementOrder/conditions"] = .array((status.conditions ?? []).map { .object(["type": .string($0.type ?? "")]) })
            // Address lists merge by `ip`: addresses the pod had and no longer has (a new
            // sandbox) are deleted, as kubelet's two-way patch does.
            for (key, old, new) in [("podIPs", pod.status?.podIPs?.compactMap(\.ip), status.podIPs?.compactMap(\.ip)),
                                    ("hostIPs", pod.status?.hostIPs?.compactMap(\.ip), status.hostIPs?.compactMap(\.ip))] {
                guard case .array(let items)? = o[key], let old, let new else { continue }
                let gone = old.filter { !new.contains($0) }
                if !gone.isEmpty { o[key] = .array(items + gone.map { .object(["ip": .string($0), "$patch": "delete"]) }) }
            }
            body = .object(o)
        }
        let patch: JSONValue = .object(["metadata": .object(["uid": .string(uid)]), "status": body])
        do {
            let updated = try await context.client.patch(CoreV1.Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "",
                                                         patch, as: .strategic, subresource: "status")
            lastWrittenStatus = status
            // The answer may be older than an update the informer delivered meanwhile (a
            // deletion, say): keep whichever is newer.
            if updated.metadata.uid == uid, Self.isNewer(updated, than: pod) { pod = updated }
        } catch let e as APIError where e.code == 404 {
            podRemovedQuietly()
        }
    }

    /// Resource versions are the store's revisions: larger is newer.
    static func isNewer(_ a: CoreV1.Pod, than b: CoreV1.Pod) -> Bool {
        guard let x = Int64(a.metadata.resourceVersion ?? ""), let y = Int64(b.metadata.resourceVersion ?? "") else { return false }
        return x > y
    }

    /// A status saying the pod's containers wait (for volumes or the sandbox).
    func writeWaiting(reason: String, message: String?) async throws {
        var status = pod.status ?? CoreV1.PodStatus()
        status.hostIP = context.nodeIP
        status.hostIPs = [CoreV1.HostIP(ip: context.nodeIP)]
        status.containerStatuses = (pod.spec?.containers ?? []).map { c in
            var st = CoreV1.ContainerStatus()
            st.name = c.name
            st.image = c.image
            st.imageID = ""
            st.ready = false
            st.started = false
            st.restartCount = 0
            st.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: reason, message: message))
            st.lastState = CoreV1.ContainerState()
            return st
        }
        try await writeStatus(status)
    }
}
