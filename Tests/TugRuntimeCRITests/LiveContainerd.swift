import Foundation
import TugRuntime

/// A private containerd for the live tests: its own root, state, socket and CNI config under a
/// temp folder, a busybox image built locally with umoci (no registry, no internet) imported
/// into the `k8s.io` namespace, and the same image with a TERM-trapping loop as the pause image.
/// Stopped by pid; never touches a system containerd.
final class LiveContainerd: Sendable {
    static let busyboxImage = "localhost/tug-test-busybox:latest"
    static let pauseImage = "localhost/tug-test-busybox:pause"
    static let tools = ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/bin/umoci", "/bin/busybox",
                        "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/loopback", "/usr/lib/cni/portmap"]

    /// Why the live tests cannot run here, or nil when they can.
    static var unavailableReason: String? {
        if getuid() != 0 { return "live containerd tests need root" }
        let missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        if !missing.isEmpty { return "live containerd tests need \(missing.joined(separator: ", ")) (apt-get install containerd runc umoci busybox-static containernetworking-plugins)" }
        return nil
    }

    static var available: Bool { unavailableReason == nil }

    let directory: String
    let process: Process
    /// The CNI bridge this run's conflist names; CNI leaves it behind, `stop()` removes it.
    let bridge: String
    var socket: String { directory + "/containerd.sock" }
    var endpoint: String { "unix://" + socket }
    var logDirectory: String { directory + "/pod-logs" }

    private init(directory: String, process: Process, bridge: String) {
        self.directory = directory
        self.process = process
        self.bridge = bridge
    }

    /// Starts containerd and imports the test images; throws with containerd's log on failure.
    static func start() throws -> LiveContainerd {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tug-cri-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/cni", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/pod-logs", withIntermediateDirectories: true)
        // A /24 out of 10.89.0.0/16 per run, so two runs at once do not share a bridge range.
        let subnet = Int.random(in: 1...254)
        let bridge = "tugcri\(subnet)"
        try conflist(bridge: bridge, subnet: "10.89.\(subnet).0/24").write(toFile: directory + "/cni/10-tugcri.conflist", atomically: true, encoding: .utf8)
        try config(directory).write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
        guard FileManager.default.createFile(atPath: directory + "/containerd.log", contents: nil),
              let log = FileHandle(forWritingAtPath: directory + "/containerd.log") else {
            throw FixtureError("cannot create \(directory)/containerd.log")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/containerd")
        process.arguments = ["--config", directory + "/config.toml"]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let daemon = LiveContainerd(directory: directory, process: process, bridge: bridge)
        do {
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: daemon.socket) {
                guard process.isRunning, Date() < deadline else {
                    throw FixtureError("containerd did not open \(daemon.socket): \(daemon.log())")
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            try daemon.importImages()
        } catch {
            daemon.stop()
            throw error
        }
        return daemon
    }

    /// Stops containerd by its pid (TERM, then KILL after 10 s), leaving the shims of any
    /// container still running to exit with their containers, and removes the temp folder.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        // Mounts of sandboxes that were not removed (a failed test) must go before the folder.
        _ = try? Self.run("/bin/sh", ["-c", "grep -o ' \(directory)[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"])
        try? FileManager.default.removeItem(atPath: directory)
        _ = try? Self.run("/sbin/ip", ["link", "delete", bridge])
    }

    func log() -> String {
        (try? String(contentsOfFile: directory + "/containerd.log", encoding: .utf8))?.split(separator: "\n").suffix(20).joined(separator: "\n") ?? ""
    }

    /// Builds the busybox image (and its pause tag) as an OCI layout with umoci, tars it and
    /// imports it with `ctr images import`; the layout's tags become `localhost/tug-test-busybox:TAG`.
    private func importImages() throws {
        let layout = directory + "/image/oci"
        let bundle = directory + "/image/bundle"
        try FileManager.default.createDirectory(atPath: directory + "/image", withIntermediateDirectories: true)
        try Self.run("/usr/bin/umoci", ["init", "--layout", layout])
        try Self.run("/usr/bin/umoci", ["new", "--image", layout + ":latest"])
        try Self.run("/usr/bin/umoci", ["unpack", "--image", layout + ":latest", bundle])
        let bin = bundle + "/rootfs/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: bin + "/busybox")
        for applet in try Self.run("/bin/busybox", ["--list"]).split(separator: "\n") where applet != "busybox" {
            try? FileManager.default.createSymbolicLink(atPath: bin + "/" + applet, withDestinationPath: "busybox")
        }
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs/tmp", withIntermediateDirectories: true)
        try Self.run("/usr/bin/umoci", ["repack", "--image", layout + ":latest", bundle])
        let path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        try Self.run("/usr/bin/umoci", ["config", "--image", layout + ":latest", "--config.env", path, "--config.cmd", "sh"])
        try Self.run("/usr/bin/umoci", ["config", "--image", layout + ":latest", "--tag", "pause", "--config.cmd", "sh", "--config.cmd", "-c",
                                        "--config.cmd", "trap 'exit 0' TERM INT; while true; do sleep 1; done"])
        let archive = directory + "/image/images.tar"
        try Self.run("/bin/tar", ["-C", layout, "-cf", archive, "."])
        try Self.run("/usr/bin/ctr", ["-a", socket, "-n", "k8s.io", "images", "import", "--base-name", "localhost/tug-test-busybox", archive])
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(executable) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
        }
        return text
    }

    static func conflist(bridge: String, subnet: String) -> String {
        """
        {"cniVersion": "0.4.0", "name": "tugcri", "plugins": [
          {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": true, "hairpinMode": true,
           "ipam": {"type": "host-local", "ranges": [[{"subnet": "\(subnet)"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
          {"type": "portmap", "capabilities": {"portMappings": true}},
          {"type": "loopback"}
        ]}
        """
    }

    static func config(_ directory: String) -> String {
        """
        version = 2
        root = "\(directory)/root"
        state = "\(directory)/state"
        disabled_plugins = []
        [grpc]
          address = "\(directory)/containerd.sock"
        [ttrpc]
          address = "\(directory)/containerd.sock.ttrpc"
        [debug]
          address = ""
        [metrics]
          address = ""
        [plugins."io.containerd.internal.v1.opt"]
          path = "\(directory)/opt"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "\(pauseImage)"
          restrict_oom_score_adj = true
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "\(directory)/cni"
          [plugins."io.containerd.grpc.v1.cri".containerd]
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
        """
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
