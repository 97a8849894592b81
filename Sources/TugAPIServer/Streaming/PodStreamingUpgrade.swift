import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import TugAPI

/// Which WebSocket upgrades the API server accepts: `pods/exec` and `pods/attach`
/// (`v5.channel.k8s.io`, `v4.channel.k8s.io`, `v4.base64.channel.k8s.io`) and
/// `pods/portforward` (`SPDY/3.1+portforward.k8s.io`, kubectl's SPDY tunnelled in a WebSocket;
/// or the older channel form with `?ports=`, which the Python client speaks).
/// A request the pod's state refuses is still upgraded for exec and attach, so that the client
/// reads the `Status` on the error channel; port-forward refuses the upgrade (kubectl then retries
/// without WebSocket and gets the `Status` from `plainRequest`).
enum PodStreamingUpgrade {
    static let spdyTunnelProtocol = "SPDY/3.1+portforward.k8s.io"
    static let subresources: Set<String> = ["exec", "attach", "portforward"]

    typealias Result = ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    static func shouldUpgrade(_ head: HTTPRequest, core: APIServerCore, logger: Logger) async -> Result {
        let target = head.path ?? ""
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        guard head.method == .get || head.method == .post,
              case .resource(let rp) = RequestPath.parse(parts.first ?? ""),
              rp.group.isEmpty, rp.version == "v1", rp.resource == "pods", let ns = rp.namespace, let name = rp.name,
              let sub = rp.subresource, subresources.contains(sub), let kind = PodStreamingTarget.Kind(rawValue: sub) else {
            return .dontUpgrade
        }
        let query = StreamingQuery(parts.count > 1 ? parts[1] : nil)
        let offered = ChannelProtocol.offered(head.headerFields[.secWebSocketProtocol])
        if kind == .portforward, !offered.contains(spdyTunnelProtocol) {
            // The older WebSocket port-forward (no subprotocol means its binary form).
            let proto = offered.isEmpty ? .v4 : ChannelProtocol.negotiate(offered)
            guard let proto, let ports = try? WebSocketPortForwardSession.ports(query),
                  let resolved = try? await PodStreamingTarget.resolve(core, namespace: ns, name: name, container: nil, kind: kind) else {
                return .dontUpgrade
            }
            let session = WebSocketPortForwardSession(target: resolved, ports: ports, channelProtocol: proto)
            return .upgrade(offered.isEmpty ? [:] : [.secWebSocketProtocol: proto.rawValue]) { inbound, outbound, context in
                await session.run(inbound: inbound, outbound: outbound, logger: context.logger)
            }
        }
        if kind == .portforward {
            guard let resolved = try? await PodStreamingTarget.resolve(core, namespace: ns, name: name, container: nil, kind: kind) else {
                return .dontUpgrade
            }
            let ports = Set((query["ports"] ?? "").split(separator: ",").compactMap { UInt16($0.trimmingCharacters(in: .whitespaces)) })
            let session = SPDYPortForwardSession(target: resolved, allowedPorts: ports)
            return .upgrade([.secWebSocketProtocol: spdyTunnelProtocol]) { inbound, outbound, context in
                await session.run(inbound: inbound, outbound: outbound, logger: context.logger)
            }
        }
        guard let proto = ChannelProtocol.negotiate(offered) else { return .dontUpgrade }
        let headers: HTTPFields = [.secWebSocketProtocol: proto.rawValue]
        do {
            try checkStreams(query, kind: kind)
            guard let resolved = try await PodStreamingTarget.resolve(core, namespace: ns, name: name, container: query["container"], kind: kind) else {
                return .dontUpgrade
            }
            let relay = ExecRelay(target: resolved, kind: kind, channelProtocol: proto, query: query)
            return .upgrade(headers) { inbound, outbound, context in
                await relay.run(inbound: inbound, outbound: outbound, logger: context.logger)
            }
        } catch {
            let status = (error as? APIError ?? APIError.internalError(String(describing: error))).status
            return .upgrade(headers) { inbound, outbound, _ in
                try await outbound.write(proto.errorFrame(status))
                // kubectl closes once it has read the Status; give it a moment before closing
                // from here (a close racing the upgrade can cost a client the Status).
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { _ = try? await inbound.messages(maxSize: 1 << 20).reduce(0) { n, _ in n + 1 } }
                    group.addTask { try? await Task.sleep(for: .seconds(2)) }
                    await group.next()
                    group.cancelAll()
                }
            }
        }
    }

    /// kube-apiserver's checks of the exec and attach options.
    static func checkStreams(_ query: StreamingQuery, kind: PodStreamingTarget.Kind) throws {
        if kind == .exec, query.all("command").isEmpty {
            throw APIError.badRequest("you must specify at least one command for the container")
        }
        if !query.flag("stdin") && !query.flag("stdout") && !query.flag("stderr") {
            throw APIError.badRequest("you must specify at least 1 of stdin, stdout, stderr")
        }
    }

    /// exec, attach or portforward without a WebSocket upgrade: the pod's checks first (their
    /// `Status` is what a client falling back from WebSocket shows), then why we cannot serve it.
    static func plainRequest(_ core: APIServerCore, request: Request, namespace: String, name: String, kind: PodStreamingTarget.Kind) async throws -> Response {
        let query = StreamingQuery(request.uri.query)
        if kind != .portforward { try checkStreams(query, kind: kind) }
        _ = try await PodStreamingTarget.resolve(core, namespace: namespace, name: name, container: query["container"], kind: kind)
        if let upgrade = request.headers[.upgrade], !upgrade.isEmpty {
            let offer = kind == .portforward ? spdyTunnelProtocol : ChannelProtocol.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("unable to upgrade connection: pods/\(kind.rawValue) is served over WebSocket only (subprotocols \(offer)), not \(upgrade)")
        }
        throw APIError.badRequest("Upgrade request required")
    }
}
