import Foundation

/// Addresses this node answers on itself, held on the loopback interface: the cluster DNS
/// address. Linux delivers a packet for any local address whatever interface it came in on,
/// so pods reach it through their bridge's gateway and nothing is routed elsewhere. (A dummy
/// interface, as NodeLocal DNSCache uses, would do the same, but not every kernel has the
/// dummy driver; every one has `lo`.) Managed with iproute2's `ip`, as root.
public struct LocalAddresses: Sendable {
    public let interface = "lo"
    /// A named network namespace (`ip netns`) to work in instead of the current one.
    public let namespace: String?

    public init(namespace: String? = nil) { self.namespace = namespace }

    /// Adds each address as a /32 (already there is fine).
    public func add(_ addresses: [String]) throws {
        for address in addresses {
            _ = try ip(["addr", "replace", "\(address)/32", "dev", interface])
        }
    }

    /// Removes each address; one that is not there is fine.
    public func remove(_ addresses: [String]) throws {
        for address in addresses {
            _ = try ip(["addr", "del", "\(address)/32", "dev", interface], allowFailure: true)
        }
    }

    /// The addresses on the interface now.
    public func current() throws -> [String] {
        try ip(["-o", "-4", "addr", "show", "dev", interface]).stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let i = fields.firstIndex(of: "inet"), i + 1 < fields.count else { return nil }
            return fields[i + 1].split(separator: "/").first.map(String.init)
        }
    }

    private func ip(_ arguments: [String], allowFailure: Bool = false) throws -> HostCommand.Output {
        try HostCommand.run("ip", (namespace.map { ["-n", $0] } ?? []) + arguments, allowFailure: allowFailure)
    }
}

/// Runs a host tool (`ip`, `sysctl`) and fails with its stderr when it fails.
enum HostCommand {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], allowFailure: Bool = false) throws -> Output {
        guard let path = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map({ "\($0)/\(tool)" }).first(where: FileManager.default.isExecutableFile) else {
            throw Failure(description: "\(tool) is not installed (Debian package \(tool == "ip" ? "iproute2" : tool))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let result = Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                            stderr: String(decoding: stderr, as: UTF8.self))
        if result.status != 0 && !allowFailure {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed (exit \(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result
    }
}
