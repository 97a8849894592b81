import Foundation

/// What a node needs installed to run real containers (containerd with ctr, runc, the CNI
/// plugins the conflist and CRI's loopback use), and which Debian packages bring what is missing.
public struct HostPrerequisites: Sendable, Hashable {
    /// One thing a node needs, the place it was looked for and the Debian package providing it.
    public struct Requirement: Sendable, Hashable {
        public var name: String
        /// An absolute path, or a bare command name looked up on the search path.
        public var path: String
        public var debianPackage: String
    }

    /// The outcome of `check()`.
    public struct Report: Sendable, Hashable {
        public var missing: [Requirement]
        /// Where each present requirement was found, by name.
        public var found: [String: String]

        public var isSatisfied: Bool { missing.isEmpty }

        /// The packages that bring what is missing, in a stable order.
        public var packagesToInstall: [String] {
            var seen: [String] = []
            for requirement in missing where !seen.contains(requirement.debianPackage) {
                seen.append(requirement.debianPackage)
            }
            return seen
        }

        /// Nil when nothing is missing; otherwise says what is missing and the apt-get line to fix it.
        public var message: String? {
            guard !missing.isEmpty else { return nil }
            let names = missing.map { $0.path.hasPrefix("/") ? $0.path : $0.name }.joined(separator: ", ")
            return "real containers need \(names), which \(missing.count == 1 ? "is" : "are") not installed; "
                + "install with: apt-get install \(packagesToInstall.joined(separator: " "))"
        }
    }

    public static let cniPlugins = ["bridge", "host-local", "portmap", "loopback"]

    public var requirements: [Requirement]
    /// Directories searched for bare command names, after `PATH`.
    public var searchDirectories: [String]

    public init(cniBinDirectory: String = ContainerdConfig.defaultCNIBinDirectory,
                searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) {
        requirements = [
            Requirement(name: "containerd", path: "containerd", debianPackage: "containerd"),
            Requirement(name: "ctr", path: "ctr", debianPackage: "containerd"),
            Requirement(name: "containerd-shim-runc-v2", path: "containerd-shim-runc-v2", debianPackage: "containerd"),
            Requirement(name: "runc", path: "runc", debianPackage: "runc"),
        ] + Self.cniPlugins.map {
            Requirement(name: "CNI plugin \($0)", path: cniBinDirectory + "/" + $0, debianPackage: "containernetworking-plugins")
        }
        let fromPath = (searchPath ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        // root's PATH usually has the sbin folders, a service's may not: runc lives in /usr/sbin.
        searchDirectories = fromPath + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .filter { !fromPath.contains($0) }
    }

    public func check() -> Report {
        var missing: [Requirement] = []
        var found: [String: String] = [:]
        for requirement in requirements {
            if let location = locate(requirement.path) {
                found[requirement.name] = location
            } else {
                missing.append(requirement)
            }
        }
        return Report(missing: missing, found: found)
    }

    /// The executable's full path: itself when absolute, else the first match on the search directories.
    public func locate(_ command: String) -> String? {
        let fm = FileManager.default
        if command.hasPrefix("/") {
            return fm.isExecutableFile(atPath: command) ? command : nil
        }
        for directory in searchDirectories {
            let candidate = directory + "/" + command
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               fm.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// `check()`, throwing the report's message when something is missing.
    @discardableResult
    public func require() throws -> Report {
        let report = check()
        if let message = report.message { throw ContainerdError(message) }
        return report
    }
}
