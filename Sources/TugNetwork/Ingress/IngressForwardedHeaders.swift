import Foundation
import Hummingbird
import NIOHTTP1

/// The header rewriting of a reverse proxy (RFC 9110 section 7.6.1): hop-by-hop headers, and
/// those the `Connection` header names, stop at the proxy; the backend learns the client's
/// address, the Host it asked for and the scheme through `X-Forwarded-*`.
enum IngressForwardedHeaders {
    /// `HTTPField` of swift-http-types, named through Hummingbird's re-export.
    typealias Field = HTTPFields.Element

    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Names listed in `Connection` (lower case).
    static func connectionTokens<S: Sequence>(_ values: S) -> Set<String> where S.Element == String {
        var tokens: Set<String> = []
        for value in values {
            for token in value.split(separator: ",") {
                let t = token.trimmingCharacters(in: .whitespaces).lowercased()
                if !t.isEmpty { tokens.insert(t) }
            }
        }
        return tokens
    }

    /// The headers to send upstream for a client request.
    static func upstreamRequest(_ fields: HTTPFields, host: String?, clientAddress: String?, scheme: String, port: Int?) -> HTTPHeaders {
        let dropped = hopByHop.union(connectionTokens(fields[values: .connection]))
        var headers = HTTPHeaders()
        headers.reserveCapacity(fields.count + 4)
        var forwardedFor: String?
        for field in fields {
            let name = field.name.canonicalName
            if dropped.contains(name) { continue }
            switch name {
            case "x-forwarded-for":
                forwardedFor = forwardedFor.map { "\($0), \(field.value)" } ?? field.value
            case "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "host":
                continue
            default:
                headers.add(name: field.name.rawName, value: field.value)
            }
        }
        if let host, !host.isEmpty { headers.replaceOrAdd(name: "Host", value: host) }
        if let clientAddress {
            headers.add(name: "X-Forwarded-For", value: forwardedFor.map { "\($0), \(clientAddress)" } ?? clientAddress)
        } else if let forwardedFor {
            headers.add(name: "X-Forwarded-For", value: forwardedFor)
        }
        if let host, !host.isEmpty { headers.add(name: "X-Forwarded-Host", value: host) }
        headers.add(name: "X-Forwarded-Proto", value: scheme)
        if let port { headers.add(name: "X-Forwarded-Port", value: String(port)) }
        return headers
    }

    /// The headers to send the client for a backend response.
    static func downstreamResponse(_ headers: HTTPHeaders) -> HTTPFields {
        let dropped = hopByHop.union(connectionTokens(headers["connection"]))
        var fields = HTTPFields()
        fields.reserveCapacity(headers.count)
        for (name, value) in headers {
            if dropped.contains(name.lowercased()) { continue }
            guard let fieldName = Field.Name(name) else { continue }
            fields.append(Field(name: fieldName, value: value))
        }
        return fields
    }
}
