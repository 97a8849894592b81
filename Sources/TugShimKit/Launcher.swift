#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxCalls

/// `tug-shim launch SPEC`: joins the cgroup, enters or makes the mount namespace and its bind
/// mounts, changes directory and execs the command with exactly its environment. When anything
/// fails it writes the reason to descriptor 3 and exits 128; on success descriptor 3
/// (close-on-exec) just closes, which is how the starter learns that the exec happened.
/// Runs single-threaded, which `unshare` and `setns` of a mount namespace require.
public enum Launcher {
    public static let statusDescriptor: Int32 = 3
    public static let failureExitCode: Int32 = 128

    public static func run(specPath: String) -> Never {
        let spec: LaunchSpec
        do {
            spec = try LaunchSpec(SpecFile.read(from: specPath))
        } catch {
            fail("cannot read launch spec \(specPath): \(error)")
        }
        if spec.deleteAfterReading { unlink(specPath) }
        for file in spec.cgroupProcsFiles {
            let fd = open(file, O_WRONLY | O_CLOEXEC)
            if fd < 0 || !Sys.writeAll(fd, Array("\(getpid())".utf8)) { fail(Sys.errorMessage("cannot join cgroup \(file)")) }
            close(fd)
        }
        switch spec.mountNamespace {
        case .inherit: break
        case .newPrivate:
            if LinuxCalls.unshare(LinuxCalls.newMountNamespace) != 0 { fail(Sys.errorMessage("cannot make a mount namespace")) }
            // Private, so the container's mounts never reach the host and the host's unmounts stay ours.
            if mount(nil, "/", nil, UInt(MS_REC) | UInt(MS_PRIVATE), nil) != 0 { fail(Sys.errorMessage("cannot make / private")) }
        case .enter(let pid):
            let fd = open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC)
            if fd < 0 || LinuxCalls.setns(fd, LinuxCalls.newMountNamespace) != 0 { fail(Sys.errorMessage("cannot enter the mount namespace of process \(pid)")) }
            close(fd)
        }
        for mount in spec.bindMounts.sorted(by: { $0.containerPath.split(separator: "/").count < $1.containerPath.split(separator: "/").count }) {
            bindMount(mount)
        }
        if spec.controllingTerminal, ioctl(0, UInt(TIOCSCTTY), 0) != 0 {
            fail(Sys.errorMessage("cannot make the terminal the controlling terminal"))
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

    private static func bindMount(_ bind: BindMount) {
        let flags = UInt(MS_BIND) | UInt(MS_REC)
        if mount(bind.hostPath, bind.containerPath, nil, flags, nil) != 0 {
            fail(Sys.errorMessage("cannot bind-mount \(bind.hostPath) at \(bind.containerPath)"))
        }
        if bind.readOnly {
            let remount = flags | UInt(MS_REMOUNT) | UInt(MS_RDONLY)
            if mount(nil, bind.containerPath, nil, remount, nil) != 0 {
                fail(Sys.errorMessage("cannot make \(bind.containerPath) read-only"))
            }
        }
    }

    /// Drops to the container's user: groups first, then the group, then the user (after which
    /// nothing else may be changed).
    private static func switchIdentity(to identity: ProcessIdentity) {
        var groups = identity.groups.map { gid_t($0) }
        if setgroups(groups.count, &groups) != 0 { fail(Sys.errorMessage("cannot set supplementary groups \(identity.groups)")) }
        if setgid(gid_t(identity.gid)) != 0 { fail(Sys.errorMessage("cannot switch to group \(identity.gid)")) }
        if setuid(uid_t(identity.uid)) != 0 { fail(Sys.errorMessage("cannot switch to user \(identity.uid)")) }
    }

    /// `prctl(PR_SET_NO_NEW_PRIVS, 1)`.
    private static func setNoNewPrivileges() {
        if LinuxCalls.prctl(38, 1) != 0 { fail(Sys.errorMessage("cannot set no_new_privs")) }
    }

    static func lowercasedError(_ code: Int32) -> String {
        let text = Sys.describe(code)
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private static func fail(_ message: String) -> Never {
        Sys.writeAll(statusDescriptor, Array(message.utf8))
        Sys.writeAll(2, Array((message + "\n").utf8))
        exit(failureExitCode)
    }
}

/// Finds a command the way runc does: a name with a slash is a path, else the first executable
/// file of that name in the container's PATH.
public enum ExecutableLookup {
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public static func resolve(_ name: String, environment: [String]) -> Result<String, ShimError> {
        if name.isEmpty { return .failure(ShimError("exec: empty command")) }
        if name.contains("/") {
            guard Sys.fileExists(name) else {
                return .failure(ShimError("exec: \"\(name)\": stat \(name): no such file or directory"))
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
        return .failure(ShimError("exec: \"\(name)\": executable file not found in $PATH"))
    }
}

/// Linux calls Swift's Glibc module hides (GNU extensions, or variadic in C), through CLinuxCalls.
enum LinuxCalls {
    static let newMountNamespace: Int32 = 0x0002_0000  // CLONE_NEWNS

    static func unshare(_ flags: Int32) -> Int32 { tug_unshare(flags) }

    static func setns(_ fd: Int32, _ type: Int32) -> Int32 { tug_setns(fd, type) }

    static func prctl(_ option: Int32, _ arg2: UInt, _ arg3: UInt = 0, _ arg4: UInt = 0, _ arg5: UInt = 0) -> Int32 {
        tug_prctl(option, arg2, arg3, arg4, arg5)
    }
}
