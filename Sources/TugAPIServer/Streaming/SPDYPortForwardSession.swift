import Foundation
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import TugAPI

/// `kubectl port-forward`'s session: SPDY/3.1 tunnelled in a WebSocket
/// (`SPDY/3.1+portforward.k8s.io`). For each local connection kubectl opens two streams with
/// headers `streamType` (`error` or `data`), `port` and `requestID`; each pair becomes one
/// agent `/portForward` WebSocket. Data stream bytes go both ways; the agent's errors are
/// written on the error stream, which is closed (FIN) when the connection ends. PINGs are
/// echoed; window updates are ignored (client-go's SPDY does no flow control).
struct SPDYPortForwardSession: Sendable {
    var target: PodStreamingTarget
    /// The ports the request allowed (`?ports=80,443`); empty allows any.
    var allowedPorts: Set<UInt16>

    /// What the frame reader hands one forwarded connection.
    enum Input: Sendable { case data([UInt8]), eof, reset }

    /// One requestID's pair of streams while they arrive.
    struct Pair {
        var port: UInt16
        var errorStream: UInt32?
        var dataStream: UInt32?
        var input: AsyncStream<Input>.Continuation?
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        let sender: SPDYFrameSender
        var reader: SPDYFrameReader
        do {
            sender = try SPDYFrameSender(outbound: outbound)
            reader = try SPDYFrameReader()
        } catch {
            logger.error("port-forward: \(error)")
            return
        }
        var pairs: [String: Pair] = [:]
        var streamOwner: [UInt32: String] = [:]
        var tasks: [Task<Void, Never>] = []
        do {
            frames: for try await message in inbound.messages(maxSize: 1 << 24) {
                guard case .binary(let bytes) = message else { continue }
                reader.append(bytes.readableBytesView)
                while let frame = try reader.next() {
                    switch frame {
                    case .synStream(let id, _, _, let fin, _, let headers):
                        let port = headers["port"].flatMap { UInt16($0) }
                        let type = headers["streamtype"]
                        guard let port, port > 0, type == "error" || type == "data", allowedPorts.isEmpty || allowedPorts.contains(port) else {
                            try await sender.send(.rstStream(streamID: id, status: .protocolError))
                            continue
                        }
                        try await sender.send(.synReply(streamID: id, fin: false, headers: SPDYHeaders()))
                        let key = "\(headers["requestid"] ?? "port-\(port)")"
                        var pair = pairs[key] ?? Pair(port: port)
                        if type == "error" { pair.errorStream = id } else { pair.dataStream = id }
                        streamOwner[id] = key
                        if let errorID = pair.errorStream, let dataID = pair.dataStream, pair.input == nil {
                            let (stream, input) = AsyncStream<Input>.makeStream()
                            pair.input = input
                            if fin, type == "data" { input.yield(.eof) }
                            let session = self, port = pair.port
                            tasks.append(Task {
                                await session.forward(port: port, errorStream: errorID, dataStream: dataID, input: stream, sender: sender, logger: logger)
                            })
                        }
                        pairs[key] = pair
                    case .data(let id, let fin, let payload):
                        guard let key = streamOwner[id], let pair = pairs[key], pair.dataStream == id else { continue }
                        if !payload.isEmpty { pair.input?.yield(.data(payload)) }
                        if fin { pair.input?.yield(.eof) }
                    case .rstStream(let id, _):
                        guard let key = streamOwner.removeValue(forKey: id), let pair = pairs[key] else { continue }
                        if pair.dataStream == id {
                            pair.input?.yield(.reset)
                            pair.input?.finish()
                        }
                        if streamOwner.values.contains(key) == false { pairs[key] = nil }
                    case .ping(let id):
                        try await sender.send(.ping(id: id))
                    case .goAway:
                        break frames
                    case .synReply, .settings, .headers, .windowUpdate:
                        continue
                    }
                }
            }
        } catch {
            logger.debug("port-forward session ended: \(error)")
        }
        for pair in pairs.values { pair.input?.yield(.reset); pair.input?.finish() }
        for t in tasks { await t.value }
    }

    /// One forwarded connection: an agent WebSocket relayed to the pair of SPDY streams.
    func forward(port: UInt16, errorStream: UInt32, dataStream: UInt32, input: AsyncStream<Input>, sender: SPDYFrameSender, logger: Logger) async {
        let state = ForwardState()
        let session: @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async -> Void = { agentIn, agentOut in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // kubectl to agent, until kubectl resets the data stream, both sides have
                    // finished writing, or the session ends.
                    for await item in input {
                        switch item {
                        case .data(let bytes): try? await agentOut.write(.binary(ByteBuffer(bytes: bytes)))
                        case .eof:
                            try? await agentOut.write(.binary(ByteBuffer()))
                            if await state.clientFinished() { return }
                        case .reset: return
                        }
                    }
                }
                group.addTask {
                    // Agent to kubectl, until the agent closes.
                    do {
                        for try await message in agentIn.messages(maxSize: 1 << 24) {
                            switch message {
                            case .binary(let b) where b.readableBytes == 0:
                                if await state.markDataFinished() { try await sender.send(.data(streamID: dataStream, fin: true, payload: [])) }
                                if await state.clientHasFinished { return }
                            case .binary(let b):
                                try await sender.send(.data(streamID: dataStream, fin: false, payload: Array(b.readableBytesView)))
                            case .text(let error):
                                await state.setError(error)
                            }
                        }
                    } catch {
                        logger.debug("port-forward: agent side ended: \(error)")
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        do {
            try await target.dialAgent(path: target.portForwardPath(port), logger: logger, session)
        } catch {
            await state.setError(target.portForwardDialFailure(port, error))
        }
        if await state.markDataFinished() { try? await sender.send(.data(streamID: dataStream, fin: true, payload: [])) }
        if let error = await state.error { try? await sender.send(.data(streamID: errorStream, fin: false, payload: Array(error.utf8))) }
        try? await sender.send(.data(streamID: errorStream, fin: true, payload: []))
    }
}

/// What one forwarded connection has already told kubectl.
actor ForwardState {
    private(set) var error: String?
    private var dataFinished = false

    private(set) var clientHasFinished = false

    func setError(_ e: String) { if error == nil { error = e } }

    /// kubectl sent its FIN; true when the agent's side had already ended too.
    func clientFinished() -> Bool {
        clientHasFinished = true
        return dataFinished
    }

    /// True the first time: the caller sends the data stream's FIN.
    func markDataFinished() -> Bool {
        defer { dataFinished = true }
        return !dataFinished
    }
}
