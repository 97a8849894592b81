import Foundation
import Logging
import TugAPI
import TugClient
import TugYAML

/// Static pods: Pod manifests (YAML or JSON, `---` separated) in a folder on the node, run by
/// the agent itself. As kubelet, the agent keeps a mirror pod in the API for each one — named
/// `<name>-<node>`, owned by the Node, annotated `kubernetes.io/config.mirror` — which it
/// recreates when deleted, replaces when the file changes and removes with the file.
struct StaticPods: Sendable {
    static let sourceAnnotation = "kubernetes.io/config.source"
    static let hashAnnotation = "kubernetes.io/config.hash"
    static let mirrorAnnotation = "kubernetes.io/config.mirror"

    let client: APIClient
    let directory: String
    let nodeName: String
    let logger: Logger
    var interval: Duration = .seconds(5)

    func run() async {
        var reported: [String: String] = [:]
        while !Task.isCancelled {
            do {
                try await syncOnce(reported: &reported)
            } catch {
                logger.warning("static pods in \(directory): \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass: what the folder asks for against the mirror pods of this node.
    func syncOnce(reported: inout [String: String]) async throws {
        let desired = manifests(reported: &reported)
        let node = try await client.get(CoreV1.Node.self, name: nodeName)
        let existing = try await client.list(CoreV1.Pod.self, fieldSelector: "spec.nodeName=\(nodeName)").items
            .filter { $0.metadata.annotations?[Self.mirrorAnnotation] != nil && $0.metadata.annotations?[Self.sourceAnnotation] == "file" }
        var byKey: [String: CoreV1.Pod] = [:]
        for p in existing { byKey["\(p.metadata.namespace ?? "")/\(p.metadata.name ?? "")"] = p }
        for (key, pod) in desired {
            let hash = pod.metadata.annotations?[Self.hashAnnotation] ?? ""
            if let current = byKey.removeValue(forKey: key) {
                if current.metadata.annotations?[Self.mirrorAnnotation] == hash && current.metadata.deletionTimestamp == nil { continue }
                if current.metadata.deletionTimestamp == nil {
                    try? await client.delete(CoreV1.Pod.self, namespace: current.metadata.namespace, name: current.metadata.name ?? "")
                }
                continue  // recreated on a later pass, once the old one is gone
            }
            var mirror = pod
            mirror.metadata.ownerReferences = [MetaV1.OwnerReference(apiVersion: "v1", kind: "Node", name: nodeName,
                                                                     uid: node.metadata.uid ?? "", controller: true)]
            do {
                _ = try await client.create(mirror)
                logger.info("static pod \(key) created from \(directory)")
            } catch let e as APIError where e.code == 409 {
            } catch {
                logger.warning("static pod \(key): \(error)")
            }
        }
        for (_, stale) in byKey where stale.metadata.deletionTimestamp == nil {
            try? await client.delete(CoreV1.Pod.self, namespace: stale.metadata.namespace, name: stale.metadata.name ?? "")
        }
    }

    /// The pods the folder's files describe, keyed `namespace/name`; a bad file is reported once
    /// per change and skipped.
    func manifests(reported: inout [String: String]) -> [String: CoreV1.Pod] {
        var out: [String: CoreV1.Pod] = [:]
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json")) }
        for file in files {
            let path = directory + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            do {
                for doc in try YAMLTree.parseAll(text) {
                    let pod = try staticPod(doc, file: file)
                    out["\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"] = pod
                }
                reported[file] = nil
            } catch {
                if reported[file] != text {
                    logger.warning("static pod manifest \(path) is not used: \(error)")
                    reported[file] = text
                }
            }
        }
        return out
    }

    struct ManifestError: Error, CustomStringConvertible {
        var description: String
    }

    /// The mirror pod for one manifest document.
    func staticPod(_ doc: JSONValue, file: String) throws -> CoreV1.Pod {
        guard case .object(let o) = doc else { throw ManifestError(description: "a document is not a YAML mapping") }
        guard o["kind"] == .string("Pod"), o["apiVersion"] == .string("v1") else {
            throw ManifestError(description: "only v1 Pods can be static pods (found \(o["apiVersion"]?.stringValue ?? "?")/\(o["kind"]?.stringValue ?? "?"))")
        }
        var pod = try APICoding.decode(CoreV1.Pod.self, from: JSONWriter.write(doc))
        guard let name = pod.metadata.name, !name.isEmpty else { throw ManifestError(description: "metadata.name is required") }
        let hash = StableHash.hex(JSONWriter.write(doc))
        pod.metadata.name = "\(name)-\(nodeName)"
        pod.metadata.namespace = pod.metadata.namespace ?? "default"
        var annotations = pod.metadata.annotations ?? [:]
        annotations[Self.sourceAnnotation] = "file"
        annotations[Self.hashAnnotation] = hash
        annotations[Self.mirrorAnnotation] = hash
        pod.metadata.annotations = annotations
        pod.metadata.uid = nil
        pod.metadata.resourceVersion = nil
        if pod.spec == nil { throw ManifestError(description: "spec is required") }
        pod.spec?.nodeName = nodeName
        pod.status = nil
        return pod
    }
}
