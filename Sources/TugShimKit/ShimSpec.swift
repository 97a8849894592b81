/// What the shim (`tug-shim run DIR`, from `DIR/shim.spec`) needs to run and supervise one
/// container; the launch itself is described by the launch spec the launcher reads.
public struct ShimSpec: Sendable, Equatable {
    /// The launch spec (`DIR/launch.spec`) the launcher follows in the shim's forked child.
    public var launchFile: String
    /// The CRI log file the output goes to.
    public var logPath: String
    public var tty: Bool
    public var stdin: Bool
    public var stdinOnce: Bool
    /// Attach sessions write the container's input here.
    public var stdinFIFO: String
    /// Every process of these is killed when the main process ends.
    public var cgroupProcsFiles: [String]
    /// `memory.oom_control` (v1) or `memory.events` (v2): an `oom_kill` count above zero turns
    /// a failure into OOMKilled.
    public var oomEventsFile: String?

    public init(launchFile: String, logPath: String, tty: Bool, stdin: Bool, stdinOnce: Bool, stdinFIFO: String,
                cgroupProcsFiles: [String], oomEventsFile: String?) {
        self.launchFile = launchFile
        self.logPath = logPath
        self.tty = tty
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.stdinFIFO = stdinFIFO
        self.cgroupProcsFiles = cgroupProcsFiles
        self.oomEventsFile = oomEventsFile
    }

    public var specFile: SpecFile {
        var file = SpecFile()
        file.add("launch-spec", launchFile)
        file.add("log", logPath)
        file.add("tty", tty)
        file.add("stdin", stdin)
        file.add("stdin-once", stdinOnce)
        file.add("stdin-fifo", stdinFIFO)
        for p in cgroupProcsFiles { file.add("cgroup-procs", p) }
        if let oomEventsFile { file.add("oom-events", oomEventsFile) }
        return file
    }

    public init(_ file: SpecFile) throws(ShimError) {
        guard let launch = file.string("launch-spec"), let log = file.string("log"), let fifo = file.string("stdin-fifo") else {
            throw ShimError("shim spec lacks launch-spec, log or stdin-fifo")
        }
        launchFile = launch
        logPath = log
        tty = file.bool("tty")
        stdin = file.bool("stdin")
        stdinOnce = file.bool("stdin-once")
        stdinFIFO = fifo
        cgroupProcsFiles = file.strings("cgroup-procs")
        oomEventsFile = file.string("oom-events")
    }

    /// Where the runtime and the shim keep each piece of a container's state.
    public static func specFile(in directory: String) -> String { directory + "/shim.spec" }
    public static func launchFile(in directory: String) -> String { directory + "/launch.spec" }
    public static func startedFile(in directory: String) -> String { directory + "/started.json" }
    public static func exitFile(in directory: String) -> String { directory + "/exit.json" }
}
