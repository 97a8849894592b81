import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TugAPI

/// `GET pods/{name}/log`: checks the pod and container, then relays the agent's
/// `/containerLogs/...` answer (streamed while following). The agent validates the log options
/// (`tailLines`, `sinceTime`, …) and its errors are passed on as they are.
enum PodLogProxy {
    static func serve(_ core: APIServerCore, namespace: String, name: String, query rawQuery: String?) async throws -> Response {
        let query = StreamingQuery(rawQuery)
        guard let target = try await PodStreamingTarget.resolve(core, namespace: namespace, name: name, container: query["container"],
                                                                kind: .log, previous: query.flag("previous")) else {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init())
        }
        let forwarded = StreamingQuery(items: query.items.filter { $0.name != "container" && $0.name != "insecureSkipTLSVerifyBackend" })
        var url = target.url(scheme: "http", path: "/containerLogs/\(encodePathSegment(namespace))/\(encodePathSegment(name))/\(encodePathSegment(target.container ?? ""))")
        if !forwarded.items.isEmpty { url += "?" + forwarded.encoded }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), deadline: .distantFuture)
        } catch {
            throw APIError.internalError("error dialing backend: \(error) (the node agent at \(target.host):\(target.port))")
        }
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            if (try? APICoding.decode(JSONValue.self, from: bytes))?["kind"]?.stringValue == "Status" {
                return HTTPReply.json(bytes, code: Int(response.status.code))
            }
            throw APIError(code: Int(response.status.code), reason: "InternalError", message: String(decoding: bytes, as: UTF8.self))
        }
        let body = ResponseBody { writer in
            for try await chunk in response.body {
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
    }
}
