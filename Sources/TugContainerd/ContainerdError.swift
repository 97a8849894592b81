/// Every failure around containerd that a user can cause or has to fix: the message says what
/// was wrong and, where there is one, what to do.
public struct ContainerdError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
