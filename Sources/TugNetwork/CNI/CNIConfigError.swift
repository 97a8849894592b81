/// Bad input to the CNI configuration: the message says what was wrong.
public struct CNIConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
