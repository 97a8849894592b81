/// The caller's side of an exec or attach: what to read as stdin, where output goes.
public struct ExecStreams: Sendable {
    /// Data for the process' stdin; nil when the caller sends none. The stream finishing
    /// closes the process' stdin.
    public var stdin: AsyncStream<[UInt8]>?
    /// Receives stdout (and, with a TTY, stderr too: a terminal has one output).
    public var stdout: (@Sendable ([UInt8]) async -> Void)?
    /// Receives stderr; unused with a TTY.
    public var stderr: (@Sendable ([UInt8]) async -> Void)?
    public var tty: Bool
    /// Terminal size changes (`kubectl exec -it` sends one at start and on each resize).
    public var resize: AsyncStream<TerminalSize>?

    public init(stdin: AsyncStream<[UInt8]>? = nil, stdout: (@Sendable ([UInt8]) async -> Void)? = nil,
                stderr: (@Sendable ([UInt8]) async -> Void)? = nil, tty: Bool = false, resize: AsyncStream<TerminalSize>? = nil) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.tty = tty
        self.resize = resize
    }
}

public struct TerminalSize: Sendable, Hashable, Codable {
    public var width: UInt16
    public var height: UInt16
    public init(width: UInt16, height: UInt16) {
        self.width = width
        self.height = height
    }
}

/// The output of `execSync`.
public struct ExecResult: Sendable, Hashable {
    public var exitCode: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// The command did not finish within its timeout and was killed.
    public var timedOut: Bool
    public init(exitCode: Int32, stdout: [UInt8], stderr: [UInt8], timedOut: Bool = false) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

/// One bidirectional byte stream (a port-forward's TCP connection), whatever carries it.
public protocol ByteConnection: Sendable {
    /// The next bytes; nil once the peer has closed its side.
    func read() async throws -> [UInt8]?
    func write(_ bytes: [UInt8]) async throws
    /// Half-close: no more writes, reads go on.
    func closeWrite() async
    func close() async
}
