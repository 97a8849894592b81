import TugAPI
@testable import TugScheduler

/// Builders for the plugin tests (namespaced so they cannot clash with other test files).
enum PluginFixtures {
    static func node(
        _ name: String = "n1",
        labels: [String: String]? = nil,
        allocatable: [String: Quantity] = ["cpu": "4", "memory": "8Gi", "pods": "110"],
        taints: [CoreV1.Taint]? = nil,
        unschedulable: Bool? = nil,
        images: [CoreV1.ContainerImage]? = nil
    ) -> CoreV1.Node {
        CoreV1.Node(
            metadata: MetaV1.ObjectMeta(name: name, labels: labels),
            spec: CoreV1.NodeSpec(unschedulable: unschedulable, taints: taints),
            status: CoreV1.NodeStatus(allocatable: allocatable, images: images)
        )
    }

    static func pod(
        _ name: String = "p",
        requests: [String: Quantity]? = nil,
        ports: [CoreV1.ContainerPort]? = nil,
        images: [String] = ["busybox"]
    ) -> CoreV1.Pod {
        let containers = images.enumerated().map { i, image in
            CoreV1.Container(
                name: "c\(i)", image: image, ports: i == 0 ? ports : nil,
                resources: i == 0 && requests != nil ? CoreV1.ResourceRequirements(requests: requests) : nil
            )
        }
        return CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default", uid: "uid-" + name),
            spec: CoreV1.PodSpec(containers: containers)
        )
    }

    static func info(_ node: CoreV1.Node = node(), pods: [CoreV1.Pod] = []) -> NodeInfo {
        NodeInfo(node: node, pods: pods)
    }

    static func hostPort(_ port: Int, ip: String? = nil, proto: String? = nil) -> CoreV1.ContainerPort {
        CoreV1.ContainerPort(hostPort: port, containerPort: port, protocol: proto, hostIP: ip)
    }
}
