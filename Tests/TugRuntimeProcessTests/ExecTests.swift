import Foundation
import Testing
import TugRuntime
@testable import TugRuntimeProcess

@Suite("Process runtime: exec")
struct ExecTests {
    @Test("execSync returns output and exit code, with the container's environment and folder")
    func execSync() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod) { $0.workingDir = "/tmp" }
            let result = try await h.runtime.execSync(id, command: ["/bin/sh", "-c", "echo $GREETING; pwd; echo oops >&2; exit 7"],
                                                      timeout: .seconds(20))
            #expect(String(decoding: result.stdout, as: UTF8.self) == "hello\n/tmp\n")
            #expect(String(decoding: result.stderr, as: UTF8.self) == "oops\n")
            #expect(result.exitCode == 7)
            #expect(!result.timedOut)
        }
    }

    @Test("execSync kills a command that outlives its timeout")
    func execSyncTimeout() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod)
            let started = ContinuousClock.now
            let result = try await h.runtime.execSync(id, command: ["sleep", "30"], timeout: .milliseconds(500))
            #expect(result.timedOut)
            #expect(result.exitCode == 137)
            #expect(ContinuousClock.now - started < .seconds(25))
        }
    }

    @Test("exec of a missing command fails with the lookup error")
    func execMissing() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod)
            do {
                _ = try await h.runtime.execSync(id, command: ["no-such-tool-tug"], timeout: .seconds(10))
                Issue.record("exec of a missing command succeeded")
            } catch RuntimeError.failed(let message) {
                #expect(message.contains("executable file not found in $PATH"))
            }
        }
    }

    @Test("exec into a stopped container is refused")
    func execStopped() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("true", in: pod)
            try await h.waitForExit(id)
            await #expect(throws: RuntimeError.self) { try await h.runtime.execSync(id, command: ["true"], timeout: .seconds(5)) }
        }
    }

    @Test("exec wires stdin to the command and its output back")
    func execWithStdin() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod)
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            feed.yield(Array("line one\nline two\n".utf8))
            feed.finish()
            let out = Collected(), err = Collected()
            let code = try await h.runtime.exec(id, command: ["/bin/sh", "-c", "tr a-z A-Z; echo done >&2; exit 4"],
                                                streams: ExecStreams(stdin: input, stdout: { await out.add($0) }, stderr: { await err.add($0) }))
            #expect(code == 4)
            #expect(await out.text == "LINE ONE\nLINE TWO\n")
            #expect(await err.text == "done\n")
        }
    }

    @Test("a tty exec gets a terminal of the requested size as its controlling terminal")
    func ttyExec() async throws {
        try await Harness.with { h in
            let pod = try await h.sandbox()
            let id = try await h.run("sleep 60", in: pod)
            let (sizes, resize) = AsyncStream<TerminalSize>.makeStream()
            resize.yield(TerminalSize(width: 91, height: 27))
            let (input, feed) = AsyncStream<[UInt8]>.makeStream()
            let out = Collected()
            let script = "test -t 0 && echo is-a-tty; tty; while read line; do stty size; done; exit 3"
            let session = Task {
                try await h.runtime.exec(id, command: ["/bin/sh", "-c", script],
                                         streams: ExecStreams(stdin: input, stdout: { await out.add($0) }, tty: true, resize: sizes))
            }
            // Each line makes the shell print the terminal's size; the resize lands asynchronously.
            #expect(await h.eventually {
                feed.yield(Array("x\n".utf8))
                try? await Task.sleep(for: .milliseconds(100))
                return await out.text.contains("27 91")
            })
            feed.finish()
            let code = try await session.value
            resize.finish()
            let text = await out.text
            #expect(code == 3)
            #expect(text.contains("is-a-tty"))
            #expect(text.contains("/dev/pts/"))
        }
    }
}
