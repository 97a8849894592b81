import Foundation
import Testing
import TugAPI
@testable import TugAPIServer

@Suite struct PodStreamingTargetTests {
    func pod(_ json: String) throws -> CoreV1.Pod { try APICoding.decode(CoreV1.Pod.self, from: Array(json.utf8)) }

    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as APIError { return e.message } catch { return "\(error)" }
    }

    @Test func containerNameRulesAndMessagesFollowKubeAPIServer() throws {
        let p = try pod(#"{"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"init"}],"containers":[{"name":"a"},{"name":"b"}]}}"#)
        #expect(message { _ = try PodStreamingTarget.validateContainer(nil, pod: p, kind: .exec) }
            == "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]")
        #expect(message { _ = try PodStreamingTarget.validateContainer(nil, pod: p, kind: .log) }
            == "a container name must be specified for pod p, choose one of: [init a b]")
        #expect(message { _ = try PodStreamingTarget.validateContainer("y", pod: p, kind: .attach) } == "container y is not valid for pod p")
        #expect(try PodStreamingTarget.validateContainer("init", pod: p, kind: .log) == "init")
        let single = try pod(#"{"metadata":{"name":"s"},"spec":{"containers":[{"name":"only"}]}}"#)
        #expect(try PodStreamingTarget.validateContainer(nil, pod: single, kind: .exec) == "only")
    }

    @Test func containerStateDecidesWhatCanBeStreamed() throws {
        let p = try pod(#"""
        {"metadata":{"name":"p"},"spec":{"containers":[{"name":"run"},{"name":"wait"},{"name":"done"},{"name":"pull"}]},
         "status":{"phase":"Running","containerStatuses":[
           {"name":"run","state":{"running":{}},"lastState":{"terminated":{"exitCode":1,"containerID":"cri://old"}}},
           {"name":"wait","state":{"waiting":{"reason":"CrashLoopBackOff"}}},
           {"name":"done","state":{"terminated":{"exitCode":0,"containerID":"cri://x"}}},
           {"name":"pull","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}}
        """#)
        #expect(message { try PodStreamingTarget.checkState("run", pod: p, kind: .exec, previous: false) } == nil)
        #expect(message { try PodStreamingTarget.checkState("run", pod: p, kind: .log, previous: true) } == nil)
        #expect(message { try PodStreamingTarget.checkState("done", pod: p, kind: .log, previous: false) } == nil)
        #expect(message { try PodStreamingTarget.checkState("done", pod: p, kind: .exec, previous: false) } == #"container not found ("done")"#)
        #expect(message { try PodStreamingTarget.checkState("wait", pod: p, kind: .attach, previous: false) }
            == #"container "wait" in pod "p" is waiting to start: CrashLoopBackOff"#)
        #expect(message { try PodStreamingTarget.checkState("done", pod: p, kind: .log, previous: true) }
            == #"previous terminated container "done" in pod "p" not found"#)
        #expect(message { try PodStreamingTarget.checkState("pull", pod: p, kind: .log, previous: false) }
            == #"container "pull" in pod "p" is waiting to start: trying and failing to pull image"#)
        let finished = try pod(#"{"metadata":{"name":"f"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Succeeded"}}"#)
        #expect(message { try PodStreamingTarget.checkState("c", pod: finished, kind: .exec, previous: false) }
            == "cannot exec into a container in a completed pod; current phase is Succeeded")
    }
}
