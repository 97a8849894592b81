import Foundation
import TugAPI
import TugClient

/// Creating and deleting a Job's pods.
extension JobController {
    /// Brings the active pods to what the Job wants now; the number active afterwards.
    func manage(_ job: BatchV1.Job, key: String, tally: inout JobTally, now: Date) async throws -> Int {
        let spec = job.spec ?? BatchV1.JobSpec()
        let active = tally.active
        if spec.suspend == true {
            let deleted = try await deletePods(job, key: key, Array(active.prefix(burst)))
            tally.terminating += deleted
            return active.count - deleted
        }
        let parallelism = spec.parallelism ?? 1
        let want: Int
        if let completions = spec.completions {
            want = max(0, min(completions - tally.succeededTotal, parallelism))
        } else {
            // Work-queue style: once one pod succeeded, the rest finish on their own.
            want = tally.succeededTotal > 0 ? active.count : parallelism
        }
        var keep = active
        var surplus: [CoreV1.Pod] = []
        if tally.indexed {
            // Pods for an index that is out of range, already completed or taken go first.
            let completions = spec.completions ?? 0
            var seen = Set<Int>()
            keep = []
            for p in active.sorted(by: { PodState.deletionOrder($1, $0) }) {
                if let ix = Self.index(of: p), ix < completions, !tally.completed.contains(ix), seen.insert(ix).inserted {
                    keep.append(p)
                } else {
                    surplus.append(p)
                }
            }
        }
        if keep.count > want { surplus += keep.sorted(by: PodState.deletionOrder).prefix(keep.count - want) }
        if !surplus.isEmpty {
            let deleted = try await deletePods(job, key: key, Array(surplus.prefix(burst)))
            tally.terminating += deleted
            return active.count - deleted
        }
        guard active.count < want else { return active.count }
        let wait = backoffRemaining(tally.all, now: now)
        if wait > 0 {
            await queue.add(key, after: .milliseconds(Int64(wait * 1000) + 10))
            return active.count
        }
        var indexes: [Int?] = Array(repeating: nil, count: min(want - active.count, burst))
        if tally.indexed {
            let taken = Set(keep.compactMap(Self.index)).union(tally.completed.values)
            indexes = (0..<(spec.completions ?? 0)).filter { !taken.contains($0) }.prefix(indexes.count).map { $0 }
        }
        try await createPods(job, key: key, indexes: indexes)
        return active.count + indexes.count
    }

    /// How long until a failed pod may be replaced: `podBackoff` doubled per failure since the
    /// last success, counted from the newest failure.
    func backoffRemaining(_ pods: [CoreV1.Pod], now: Date) -> TimeInterval {
        func finished(_ p: CoreV1.Pod) -> Date {
            p.status?.containerStatuses?.compactMap { $0.state?.terminated?.finishedAt?.date }.max()
                ?? p.metadata.deletionTimestamp?.date ?? p.metadata.creationTimestamp?.date ?? now
        }
        let lastSuccess = pods.filter { $0.status?.phase == "Succeeded" }.map(finished).max() ?? .distantPast
        let failures = pods.filter { $0.status?.phase == "Failed" }.map(finished).filter { $0 > lastSuccess }
        guard let last = failures.max(), podBackoff > 0 else { return 0 }
        let delay = min(podBackoff * pow(2, Double(failures.count - 1)), maxPodBackoff)
        return last.addingTimeInterval(delay).timeIntervalSince(now)
    }

    /// The completion index of a pod of an Indexed Job (annotation, or label).
    static func index(of pod: CoreV1.Pod) -> Int? {
        guard let text = pod.metadata.annotations?[completionIndex] ?? pod.metadata.labels?[completionIndex],
              let ix = Int(text), ix >= 0 else { return nil }
        return ix
    }

    /// Creates pods in batches of 1, 2, 4, … so a failing template fails once, not n times.
    func createPods(_ job: BatchV1.Job, key: String, indexes: [Int?]) async throws {
        await expectations.expect(key, adds: indexes.count)
        var created = 0
        var batch = 1
        while created < indexes.count {
            let slice = indexes[created..<min(created + batch, indexes.count)]
            let results = await withTaskGroup(of: Bool.self) { group in
                for ix in slice { group.addTask { await createPod(job, index: ix) } }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            created += slice.count
            let failed = results.filter { !$0 }.count
            if failed > 0 {
                await expectations.lowered(key, adds: failed + (indexes.count - created))
                throw ControllerError.createFailed("\(failed) of \(slice.count) pod creations for Job \(key) failed")
            }
            batch *= 2
        }
    }

    func createPod(_ job: BatchV1.Job, index: Int?) async -> Bool {
        let name = job.metadata.name ?? ""
        var pod = PodTemplates.pod(from: job.spec?.template, namespace: job.metadata.namespace,
                                   generateName: index.map { "\(name)-\($0)-" } ?? "\(name)-", owner: OwnerRefs.controllerRef(to: job))
        pod.metadata.finalizers = (pod.metadata.finalizers ?? []) + [Self.trackingFinalizer]
        if let ix = index { Self.addIndex(ix, job: name, to: &pod) }
        do {
            let created = try await client.create(pod)
            await Events.record(client: client, regarding: job, type: "Normal", reason: "SuccessfulCreate",
                                message: "Created pod: \(created.metadata.name ?? "")", component: Self.component)
            return true
        } catch let e as APIError where e.details?.causes.contains(where: { $0.reason == "NamespaceTerminating" }) == true {
            return true
        } catch {
            logger.info("Job \(job.metadata.namespace ?? "")/\(name): creating a pod failed: \(error)")
            await Events.record(client: client, regarding: job, type: "Warning", reason: "FailedCreate",
                                message: "Error creating: \(error)", component: Self.component)
            return false
        }
    }

    /// What an Indexed Job's pod carries: the index as annotation and label, in
    /// `JOB_COMPLETION_INDEX` of every container, and in its hostname `<job>-<index>`.
    static func addIndex(_ ix: Int, job: String, to pod: inout CoreV1.Pod) {
        pod.metadata.annotations = (pod.metadata.annotations ?? [:]).merging([completionIndex: String(ix)]) { $1 }
        pod.metadata.labels = (pod.metadata.labels ?? [:]).merging([completionIndex: String(ix)]) { $1 }
        guard var spec = pod.spec else { return }
        if (spec.hostname ?? "").isEmpty { spec.hostname = "\(job)-\(ix)" }
        let env = CoreV1.EnvVar(name: "JOB_COMPLETION_INDEX", valueFrom: CoreV1.EnvVarSource(
            fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.annotations['\(completionIndex)']")))
        func withIndex(_ c: CoreV1.Container) -> CoreV1.Container {
            var c = c
            if !(c.env ?? []).contains(where: { $0.name == env.name }) { c.env = (c.env ?? []) + [env] }
            return c
        }
        spec.containers = spec.containers?.map(withIndex)
        spec.initContainers = spec.initContainers?.map(withIndex)
        pod.spec = spec
    }

    /// Deletes the pods (each once, by uid); the number deleted (or already gone).
    func deletePods(_ job: BatchV1.Job, key: String, _ victims: [CoreV1.Pod]) async throws -> Int {
        guard !victims.isEmpty else { return 0 }
        await expectations.expect(key, deletes: victims.count)
        let results = await withTaskGroup(of: (String, (any Error)?).self) { group in
            for p in victims {
                group.addTask {
                    let name = p.metadata.name ?? ""
                    do {
                        try await client.delete(CoreV1.Pod.self, namespace: p.metadata.namespace, name: name, preconditionUID: p.metadata.uid)
                        await Events.record(client: client, regarding: job, type: "Normal", reason: "SuccessfulDelete",
                                            message: "Deleted pod: \(name)", component: Self.component)
                        return (name, nil)
                    } catch let e as APIError where e.code == 404 {
                        await expectations.lowered(key, deletes: 1)
                        return (name, nil)
                    } catch {
                        await expectations.lowered(key, deletes: 1)
                        return (name, error)
                    }
                }
            }
            return await group.reduce(into: [(String, (any Error)?)]()) { $0.append($1) }
        }
        if let failure = results.first(where: { $0.1 != nil }), let error = failure.1 {
            throw ControllerError.createFailed("deleting pod \(failure.0) of Job \(key) failed: \(error)")
        }
        return results.count
    }
}
