import Foundation
import TugAPIServer
import TugClient

/// The client transport for components inside `tug server`: requests go to the API server's
/// routes directly, with no socket, and behave exactly as over HTTP.
public struct InProcessTransport: Transport {
    let local: LocalRequests
    let userAgent: String

    public init(core: APIServerCore, userAgent: String = "tug-in-process") {
        local = LocalRequests(core: core)
        self.userAgent = userAgent
    }

    public func send(_ request: ClientRequest) async throws -> ClientResponse {
        let r = await local.send(method: request.method, target: request.target, contentType: request.contentType, body: request.body, userAgent: userAgent)
        var body: [UInt8] = []
        for try await chunk in r.body { body += chunk }
        return ClientResponse(status: r.status, body: body)
    }

    public func stream(_ request: ClientRequest) async throws -> StreamingResponse {
        let r = await local.send(method: request.method, target: request.target, contentType: request.contentType, body: request.body, userAgent: userAgent)
        return StreamingResponse(status: r.status, body: r.body)
    }
}
