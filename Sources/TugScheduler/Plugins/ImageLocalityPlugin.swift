import TugAPI

/// Kubernetes' `ImageLocality`: favours nodes that already hold the pod's images, weighting
/// each image by its size and by how widely it is spread (so one node holding a rare image
/// does not attract every pod that uses it).
public struct ImageLocalityPlugin: ScorePlugin, PreFilterPlugin {
    public let name = "ImageLocality"
    public let weight: Int
    /// Nodes in the cluster, when `preFilter` has not run.
    public let totalNodes: Int

    public static let totalNodesKey = "imageLocality.totalNodes"
    /// `[String: Int]`: normalized image name → number of nodes that hold it.
    public static let imageNodesKey = "imageLocality.imageNodes"

    static let mb: Int64 = 1024 * 1024
    static let minThreshold: Int64 = 23 * mb
    static let maxContainerThreshold: Int64 = 1000 * mb

    public init(totalNodes: Int = 1, weight: Int = 1) {
        self.totalNodes = max(totalNodes, 1)
        self.weight = weight
    }

    /// Counts the nodes holding each image, which the spread ratio needs. Never fails.
    public func preFilter(_ pod: CoreV1.Pod, nodes: [NodeInfo], state: CycleState) -> PluginStatus {
        // Only the pod's own images matter.
        let images = Self.podImages(pod)
        let wanted = Set(images)
        state.write(Self.podImagesKey, images)
        var counts: [String: Int] = [:]
        for node in nodes where !node.imageSizes.isEmpty {
            for image in wanted where node.imageSizes[image] != nil { counts[image, default: 0] += 1 }
        }
        state.write(Self.totalNodesKey, nodes.count)
        state.write(Self.imageNodesKey, counts)
        return .success
    }

    /// The pod's images, one per container (an image used twice counts twice, as in Kubernetes).
    static let podImagesKey = "imageLocality.podImages"

    static func podImages(_ pod: CoreV1.Pod) -> [String] {
        ((pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])).map { normalizedImageName($0.image ?? "") }
    }

    public func score(_ pod: CoreV1.Pod, _ node: NodeInfo, _ state: CycleState) -> Int {
        // A node without images scores the minimum, whatever the pod runs.
        if node.imageSizes.isEmpty { return 0 }
        let total = max(state.read(Self.totalNodesKey, as: Int.self) ?? totalNodes, 1)
        let counts = state.read(Self.imageNodesKey, as: [String: Int].self)
        let sizes = node.imageSizes
        let images = state.read(Self.podImagesKey, as: [String].self) ?? Self.podImages(pod)
        let containers = (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])
        var sum: Int64 = 0
        for image in images {
            guard let size = sizes[image] else { continue }
            // Without preFilter's counts, assume only this node holds the image.
            let holders = min(max(counts?[image] ?? 1, 1), total)
            sum += Int64(Double(size) * (Double(holders) / Double(total)))
        }
        return Int(Self.calculatePriority(sum, containers: containers.count))
    }

    /// Clamps the sum between 23MB and 1000MB per container and scales it to 0...100.
    static func calculatePriority(_ sum: Int64, containers: Int) -> Int64 {
        let maxThreshold = maxContainerThreshold * Int64(containers)
        let clamped = sum < minThreshold ? minThreshold : min(sum, maxThreshold)
        return Int64(maxScore) * (clamped - minThreshold) / (maxThreshold - minThreshold)
    }

    /// The node's images by normalized name (one image may have several names).
    static func images(of node: CoreV1.Node) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for image in node.status?.images ?? [] {
            for name in image.names ?? [] {
                out[normalizedImageName(name)] = Int64(image.sizeBytes ?? 0)
            }
        }
        return out
    }

    /// Kubernetes adds `:latest` when there is neither tag nor digest. Beyond that, both sides
    /// are expanded to the full Docker Hub form (`nginx` = `docker.io/library/nginx`), since
    /// runtimes report full names while pods often use short ones.
    public static func normalizedImageName(_ image: String) -> String {
        var name = image
        let lastColon = name.lastIndex(of: ":")
        let lastSlash = name.lastIndex(of: "/")
        if lastColon == nil || (lastSlash != nil && lastColon! < lastSlash!) {
            name += ":latest"
        }
        guard let firstSlash = name.firstIndex(of: "/") else { return "docker.io/library/" + name }
        let domain = name[..<firstSlash]
        let rest = name[name.index(after: firstSlash)...]
        guard domain.contains(".") || domain.contains(":") || domain == "localhost" else {
            return "docker.io/" + name
        }
        if domain == "docker.io" || domain == "index.docker.io" {
            return "docker.io/" + (rest.contains("/") ? "" : "library/") + rest
        }
        return name
    }
}
