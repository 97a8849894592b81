import Foundation
import TugRuntime

/// The `metav1.Status` a v4 remote-command session ends with on channel 3:
/// `{"status":"Success"}`, or `{"status":"Failure","reason":"NonZeroExitCode","details":
/// {"causes":[{"reason":"ExitCode","message":"3"}]}}` for a command that exited non-zero, or a
/// failure with a message when the command could not run at all.
enum KubernetesStatus {
    /// The command's exit code, or an error with the runtime's message when there is none.
    static func exitCode(from bytes: [UInt8]) throws -> Int32 {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw RuntimeError.failed("the runtime's streaming server sent an unreadable exit status: \(String(decoding: bytes, as: UTF8.self))")
        }
        if object["status"] as? String == "Success" { return 0 }
        if object["reason"] as? String == "NonZeroExitCode",
           let details = object["details"] as? [String: Any],
           let causes = details["causes"] as? [[String: Any]],
           let cause = causes.first(where: { $0["reason"] as? String == "ExitCode" }),
           let text = cause["message"] as? String, let code = Int32(text) {
            return code
        }
        let message = object["message"] as? String ?? String(decoding: bytes, as: UTF8.self)
        throw RuntimeError.failed(message)
    }

    /// A resize message for channel 4: kubelet's TerminalSize in JSON.
    static func resizeMessage(_ size: TerminalSize) -> [UInt8] {
        Array("{\"Width\":\(size.width),\"Height\":\(size.height)}".utf8)
    }
}
