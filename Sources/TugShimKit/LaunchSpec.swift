/// What the launcher does before it becomes a container's (or an exec's) process.
public struct LaunchSpec: Sendable, Equatable {
    /// How the process gets its mount namespace.
    public enum MountNamespace: Sendable, Equatable {
        /// The host's (no bind mounts).
        case inherit
        /// A fresh private one, where the bind mounts are made.
        case newPrivate
        /// The running container's with this pid (exec into a container with bind mounts).
        case enter(pid: Int32)
    }

    /// argv; the first is looked up in the PATH of `environment` when it has no slash.
    public var arguments: [String]
    /// `NAME=value`, exactly the container's environment.
    public var environment: [String]
    public var workingDirectory: String
    /// The launcher writes its pid to these before exec, so the process and its children are
    /// accounted and limited from their first instruction.
    public var cgroupProcsFiles: [String]
    public var mountNamespace: MountNamespace
    /// Made in order of depth inside the new namespace.
    public var bindMounts: [BindMount]
    /// Make stdin (a pty) the controlling terminal of the new session.
    public var controllingTerminal: Bool
    /// The identity to switch to before exec (runAsUser/runAsGroup); nil keeps the runtime's.
    public var identity: ProcessIdentity?
    /// Set no_new_privs (allowPrivilegeEscalation: false).
    public var noNewPrivileges: Bool
    /// Delete the spec file once read (exec specs are one-shot).
    public var deleteAfterReading: Bool

    public init(arguments: [String], environment: [String], workingDirectory: String, cgroupProcsFiles: [String] = [],
                mountNamespace: MountNamespace = .inherit, bindMounts: [BindMount] = [], controllingTerminal: Bool = false,
                identity: ProcessIdentity? = nil, noNewPrivileges: Bool = false, deleteAfterReading: Bool = false) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.cgroupProcsFiles = cgroupProcsFiles
        self.mountNamespace = mountNamespace
        self.bindMounts = bindMounts
        self.controllingTerminal = controllingTerminal
        self.identity = identity
        self.noNewPrivileges = noNewPrivileges
        self.deleteAfterReading = deleteAfterReading
    }

    public var specFile: SpecFile {
        var file = SpecFile()
        for a in arguments { file.add("arg", a) }
        for e in environment { file.add("env", e) }
        file.add("cwd", workingDirectory)
        for p in cgroupProcsFiles { file.add("cgroup-procs", p) }
        switch mountNamespace {
        case .inherit: break
        case .newPrivate: file.add("mount-namespace", "new")
        case .enter(let pid): file.add("mount-namespace", "pid:\(pid)")
        }
        for m in bindMounts {
            file.add("bind-source", m.hostPath)
            file.add("bind-target", m.containerPath)
            file.add("bind-read-only", m.readOnly)
        }
        file.add("controlling-terminal", controllingTerminal)
        if let identity {
            file.add("uid", identity.uid)
            file.add("gid", identity.gid)
            for g in identity.groups { file.add("group", g) }
        }
        file.add("no-new-privileges", noNewPrivileges)
        file.add("delete-after-reading", deleteAfterReading)
        return file
    }

    public init(_ file: SpecFile) throws(ShimError) {
        arguments = file.strings("arg")
        environment = file.strings("env")
        guard let cwd = file.string("cwd") else { throw ShimError("launch spec has no cwd") }
        workingDirectory = cwd
        cgroupProcsFiles = file.strings("cgroup-procs")
        switch file.string("mount-namespace") {
        case nil: mountNamespace = .inherit
        case "new": mountNamespace = .newPrivate
        case let value? where value.hasPrefix("pid:"):
            guard let pid = Int32(value.dropFirst(4)) else { throw ShimError("launch spec: bad mount-namespace \(value)") }
            mountNamespace = .enter(pid: pid)
        case let value?: throw ShimError("launch spec: bad mount-namespace \(value)")
        }
        let sources = file.strings("bind-source"), targets = file.strings("bind-target"), readOnly = file.strings("bind-read-only")
        guard sources.count == targets.count, targets.count == readOnly.count else { throw ShimError("launch spec: incomplete bind mount") }
        bindMounts = (0..<sources.count).map { BindMount(hostPath: sources[$0], containerPath: targets[$0], readOnly: readOnly[$0] == "1") }
        controllingTerminal = file.bool("controlling-terminal")
        if let uid = file.string("uid") {
            guard let u = UInt32(uid), let g = file.string("gid").flatMap({ UInt32($0) }) else { throw ShimError("launch spec: bad uid/gid") }
            let groups = file.strings("group").compactMap { UInt32($0) }
            identity = ProcessIdentity(uid: u, gid: g, groups: groups)
        } else {
            identity = nil
        }
        noNewPrivileges = file.bool("no-new-privileges")
        deleteAfterReading = file.bool("delete-after-reading")
    }
}

/// A host path bind-mounted at a path inside the container's mount namespace.
public struct BindMount: Sendable, Equatable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool

    public init(hostPath: String, containerPath: String, readOnly: Bool) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.readOnly = readOnly
    }
}

/// A user, group and supplementary groups to run as.
public struct ProcessIdentity: Sendable, Hashable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]

    public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}
