#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import TugRuntime

/// What the launcher does before it becomes a container's (or an exec's) process.
struct LaunchSpec: Codable, Sendable {
    /// argv; the first is looked up in the PATH of `environment` when it has no slash.
    var arguments: [String]
    /// `NAME=value`, exactly the container's environment.
    var environment: [String]
    var workingDirectory: String
    /// The launcher writes its pid to these before exec, so the process and its children are
    /// accounted and limited from their first instruction.
    var cgroupProcsFiles: [String]
    /// Bind mounts to make first; the launcher runs in a fresh private mount namespace then.
    var bindMounts: [Mount]
    /// Make stdin (a pty) the controlling terminal of the new session.
    var controllingTerminal: Bool
    /// Delete the spec file once read (exec specs are one-shot).
    var deleteAfterReading: Bool
    /// The identity to switch to before exec (securityContext runAsUser/runAsGroup); nil keeps the agent's.
    var identity: ProcessIdentity? = nil
    /// Set no_new_privs (allowPrivilegeEscalation: false): setuid binaries stop granting privileges.
    var noNewPrivileges: Bool = false
}

/// A user, group and supplementary groups to run as.
struct ProcessIdentity: Codable, Sendable, Hashable {
    var uid: UInt32
    var gid: UInt32
    var groups: [UInt32]

    /// The identity a container's securityContext asks for, or nil when it asks for none. Without
    /// runAsGroup the group is the user's primary group on the node, else 0 (as runc does for a
    /// user missing from the image's passwd).
    static func from(_ security: SecurityConfig?) -> ProcessIdentity? {
        guard let security, security.runAsUser != nil || security.runAsGroup != nil || !security.supplementalGroups.isEmpty else { return nil }
        let uid = UInt32(truncatingIfNeeded: security.runAsUser ?? Int64(geteuid()))
        let gid = security.runAsGroup.map { UInt32(truncatingIfNeeded: $0) } ?? getpwuid(uid).map { $0.pointee.pw_gid } ?? 0
        return ProcessIdentity(uid: uid, gid: gid, groups: security.supplementalGroups.map { UInt32(truncatingIfNeeded: $0) })
    }
}

/// `tug runtime-shim --launch SPEC`: joins the cgroup, makes the bind mounts, changes directory
/// and execs the container's command with exactly its environment. When anything fails it writes
/// the reason to descriptor 3 and exits 128; on success descriptor 3 (close-on-exec) just
/// closes, which is how the starter learns that the exec happened.
public enum ContainerLauncher {
    public static let statusDescriptor: Int32 = 3
    public static let failureExitCode: Int32 = 128

    public static func run(specPath: String) -> Never {
        let spec: LaunchSpec
        do {
            guard let read = try StateStore.read(LaunchSpec.self, from: specPath) else { fail("launch spec \(specPath) is missing") }
            spec = read
        } catch {
            fail("cannot read launch spec \(specPath): \(error)")
        }
        if spec.deleteAfterReading { unlink(specPath) }
        for file in spec.cgroupProcsFiles {
            let code = CgroupPaths.write("\(getpid())", to: file)
            if code != 0 { fail(Posix.errorMessage("cannot join cgroup \(file)", code)) }
        }
        for mount in spec.bindMounts.sorted(by: { $0.containerPath.split(separator: "/").count < $1.containerPath.split(separator: "/").count }) {
            bindMount(mount)
        }
        if spec.controllingTerminal, ioctl(0, UInt(TIOCSCTTY), 0) != 0 {
            fail(Posix.errorMessage("cannot make the terminal the controlling terminal"))
        }
        if let identity = spec.identity { switchIdentity(to: identity) }
        if spec.noNewPrivileges { setNoNewPrivileges() }
        if chdir(spec.workingDirectory) != 0 {
            fail("chdir to cwd (\"\(spec.workingDirectory)\") set in config failed: \(lowercasedError(errno))")
        }
        guard let name = spec.arguments.first else { fail("no command to run") }
        let path: String
        switch ExecutableLookup.resolve(name, environment: spec.environment) {
        case .success(let found): path = found
        case .failure(let error): fail(error.description)
        }
        _ = fcntl(statusDescriptor, F_SETFD, FD_CLOEXEC)
        withCStringArray(spec.arguments) { argv in
            withCStringArray(spec.environment) { envp in
                _ = execve(path, argv, envp)
            }
        }
        fail("exec: \"\(name)\": \(lowercasedError(errno))")
    }

    private static func bindMount(_ mount: Mount) {
        let flags = UInt(MS_BIND) | UInt(MS_REC)
        if Glibc.mount(mount.hostPath, mount.containerPath, nil, flags, nil) != 0 {
            fail(Posix.errorMessage("cannot bind-mount \(mount.hostPath) at \(mount.containerPath)"))
        }
        if mount.readOnly {
            let remount = flags | UInt(MS_REMOUNT) | UInt(MS_RDONLY)
            if Glibc.mount(nil, mount.containerPath, nil, remount, nil) != 0 {
                fail(Posix.errorMessage("cannot make \(mount.containerPath) read-only"))
            }
        }
    }

    /// Drops to the container's user: groups first, then the group, then the user (after which
    /// nothing else may be changed).
    private static func switchIdentity(to identity: ProcessIdentity) {
        var groups = identity.groups.map { gid_t($0) }
        if setgroups(groups.count, &groups) != 0 { fail(Posix.errorMessage("cannot set supplementary groups \(identity.groups)")) }
        if setgid(gid_t(identity.gid)) != 0 { fail(Posix.errorMessage("cannot switch to group \(identity.gid)")) }
        if setuid(uid_t(identity.uid)) != 0 { fail(Posix.errorMessage("cannot switch to user \(identity.uid)")) }
    }

    private typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    /// `prctl(PR_SET_NO_NEW_PRIVS, 1)`; prctl is variadic in C, so Swift reaches it through dlsym.
    private static func setNoNewPrivileges() {
        let setNoNewPrivs: Int32 = 38
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "prctl") else { fail("prctl is not available") }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        if prctl(setNoNewPrivs, 1, 0, 0, 0) != 0 { fail(Posix.errorMessage("cannot set no_new_privs")) }
    }

    static func lowercasedError(_ code: Int32) -> String {
        let text = Posix.describe(code)
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private static func fail(_ message: String) -> Never {
        Posix.writeAll(statusDescriptor, Array(message.utf8))
        Posix.writeAll(2, Array((message + "\n").utf8))
        exit(failureExitCode)
    }
}

/// Finds a command the way runc does: a name with a slash is a path, else the first executable
/// file of that name in the container's PATH.
enum ExecutableLookup {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func resolve(_ name: String, environment: [String]) -> Result<String, RuntimeProcessError> {
        if name.isEmpty { return .failure(RuntimeProcessError("exec: empty command")) }
        if name.contains("/") {
            guard Posix.fileExists(name) else {
                return .failure(RuntimeProcessError("exec: \"\(name)\": stat \(name): no such file or directory"))
            }
            return .success(name)
        }
        let pathVariable = environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? defaultPath
        for directory in pathVariable.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return .success(candidate)
            }
        }
        return .failure(RuntimeProcessError("exec: \"\(name)\": executable file not found in $PATH"))
    }
}
