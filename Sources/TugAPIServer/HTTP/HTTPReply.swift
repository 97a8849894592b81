import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TugAPI

/// Building Hummingbird responses from JSON bytes and API errors.
enum HTTPReply {
    static let warningHeader = HTTPField.Name("Warning")!

    static func json(_ bytes: [UInt8], code: Int = 200, contentType: String = "application/json", warnings: [String] = []) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        for w in warnings.prefix(20) {
            headers.append(HTTPField(name: warningHeader, value: "299 - \"\(w.replacingOccurrences(of: "\"", with: "'"))\""))
        }
        return Response(status: .init(code: code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: JSONValue, code: Int = 200, contentType: String = "application/json") -> Response {
        json(Array(value.serialized()), code: code, contentType: contentType)
    }

    static func text(_ s: String, code: Int = 200) -> Response {
        Response(status: .init(code: code), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }

    static func error(_ e: APIError) -> Response {
        var r = json(e.status, code: e.code)
        if let after = e.details?.retryAfterSeconds { r.headers[.retryAfter] = String(after) }
        return r
    }
}
