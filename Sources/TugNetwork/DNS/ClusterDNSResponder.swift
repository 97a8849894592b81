import Synchronization

/// Turns one query packet into a response: answered from the zone on the spot, or handed to
/// the forwarder for names outside the cluster. Transport-neutral, so UDP, TCP and tests share it.
public struct ClusterDNSResponder: Sendable {
    /// What to do with a packet.
    public enum Outcome: Sendable {
        case reply([UInt8])
        /// Needs the upstreams: finish with `complete(_:)` off the event loop.
        case forward(ForwardRequest)
        /// Not a query (a response, or shorter than a header): no reply, as RFC 1035 servers do.
        case drop
    }

    public struct ForwardRequest: Sendable {
        let query: DNSMessage
        let raw: [UInt8]
        let limit: Int
        /// Set when resolving an ExternalName target: our CNAME answer so far.
        let partial: ClusterZone.Answer?
    }

    public let zone: LiveClusterZone
    public let forwarder: DNSForwarder?
    /// The largest UDP answer sent, and what the OPT record advertises.
    public let maxUDPPayload: Int
    /// Forwarded queries in flight beyond which new ones are refused (CoreDNS' max_concurrent).
    public let maxConcurrentForwards: Int
    private let forwardsInFlight: ForwardCounter

    public init(zone: LiveClusterZone, forwarder: DNSForwarder?, maxUDPPayload: Int = 4096, maxConcurrentForwards: Int = 1000) {
        self.zone = zone
        self.forwarder = forwarder
        self.maxUDPPayload = max(512, min(maxUDPPayload, 65535))
        self.maxConcurrentForwards = maxConcurrentForwards
        forwardsInFlight = ForwardCounter()
    }

    public func respond(to packet: [UInt8], overTCP: Bool) -> Outcome {
        guard packet.count >= 12, packet[2] & 0x80 == 0 else { return .drop }
        let query: DNSMessage
        do {
            query = try DNSMessage(parsing: packet)
        } catch {
            return .reply(errorReply(id: UInt16(packet[0]) << 8 | UInt16(packet[1]), flags: packet[2], code: .formatError, query: nil))
        }
        let limit = overTCP ? 65535 : query.edns.map { max(512, min(Int($0.udpPayloadSize), maxUDPPayload)) } ?? 512
        if let edns = query.edns, edns.version != 0 {
            return .reply(errorReply(id: query.header.id, flags: packet[2], code: .badVersion, query: query))
        }
        guard query.header.opcode == 0 else {
            return .reply(errorReply(id: query.header.id, flags: packet[2], code: .notImplemented, query: query))
        }
        guard query.questions.count == 1 else {
            return .reply(errorReply(id: query.header.id, flags: packet[2], code: .formatError, query: query))
        }
        let question = query.questions[0]
        guard question.questionClass == DNSClass.internet || question.questionClass == DNSClass.any else {
            return .reply(errorReply(id: query.header.id, flags: packet[2], code: .refused, query: query))
        }
        switch zone.zone.lookup(question.name.lowercased(), question.type) {
        case .answer(let answer):
            if answer.externalTarget != nil, forwarder != nil {
                return .forward(ForwardRequest(query: query, raw: packet, limit: limit, partial: answer))
            }
            return .reply(reply(to: query, answer, authoritative: true).encoded(maxSize: limit))
        case .notAuthoritative:
            guard forwarder != nil else {
                return .reply(errorReply(id: query.header.id, flags: packet[2], code: .serverFailure, query: query))
            }
            return .forward(ForwardRequest(query: query, raw: packet, limit: limit, partial: nil))
        }
    }

    /// The answer to a forwarded query: the upstream's, re-encoded (and truncated) when larger
    /// than the client allows; SERVFAIL when no upstream answered, REFUSED when too many
    /// forwards are in flight.
    public func complete(_ request: ForwardRequest) async -> [UInt8] {
        let query = request.query
        guard let forwarder, forwardsInFlight.enter(limit: maxConcurrentForwards) else {
            return errorReply(id: query.header.id, flags: request.raw[2], code: .refused, query: query)
        }
        defer { forwardsInFlight.leave() }
        if let partial = request.partial, let target = partial.externalTarget {
            return await chase(target, partial, request, forwarder)
        }
        do {
            let answer = try await forwarder.forward(request.raw)
            if answer.count <= request.limit { return answer }
            guard var message = try? DNSMessage(parsing: answer) else {
                return errorReply(id: query.header.id, flags: request.raw[2], code: .serverFailure, query: query)
            }
            message.header.id = query.header.id
            return message.encoded(maxSize: request.limit)
        } catch {
            return errorReply(id: query.header.id, flags: request.raw[2], code: .serverFailure, query: query)
        }
    }

    /// An ExternalName answer: our CNAME chain, then what the upstreams say about its target.
    private func chase(_ target: DNSName, _ partial: ClusterZone.Answer, _ request: ForwardRequest, _ forwarder: DNSForwarder) async -> [UInt8] {
        var answer = partial
        let question = request.query.questions[0]
        let lookup = DNSMessage.query(id: request.query.header.id, name: target, type: question.type,
                                      edns: DNSEDNS(udpPayloadSize: UInt16(maxUDPPayload)))
        if let bytes = try? await forwarder.forward(lookup.encoded()), let upstream = try? DNSMessage(parsing: bytes) {
            answer.answers += upstream.answers
            answer.responseCode = upstream.responseCode == .badVersion ? .serverFailure : upstream.responseCode
        }
        return reply(to: request.query, answer, authoritative: false).encoded(maxSize: request.limit)
    }

    private func reply(to query: DNSMessage, _ answer: ClusterZone.Answer, authoritative: Bool) -> DNSMessage {
        var message = DNSMessage(
            header: DNSHeader(id: query.header.id, isResponse: true, authoritative: authoritative, recursionDesired: query.header.recursionDesired,
                              recursionAvailable: forwarder != nil, checkingDisabled: query.header.checkingDisabled),
            questions: query.questions, answers: answer.answers, authorities: answer.authorities, additionals: answer.additionals,
            edns: query.edns.map { _ in DNSEDNS(udpPayloadSize: UInt16(maxUDPPayload)) })
        message.responseCode = answer.responseCode
        return message
    }

    /// An error answer echoing the question when there is a parsed one.
    private func errorReply(id: UInt16, flags: UInt8, code: DNSResponseCode, query: DNSMessage?) -> [UInt8] {
        var message = DNSMessage(header: DNSHeader(id: id, isResponse: true, opcode: (flags >> 3) & 0x0F, recursionDesired: flags & 0x01 != 0,
                                                   recursionAvailable: forwarder != nil))
        if let query, query.header.opcode == 0, query.questions.count == 1 { message.questions = query.questions }
        if query?.edns != nil || code == .badVersion { message.edns = DNSEDNS(udpPayloadSize: UInt16(maxUDPPayload)) }
        message.responseCode = code
        return message.encoded(maxSize: 512)
    }
}

/// Counts forwards in flight across event loops (a hot path: an atomic, not an actor).
final class ForwardCounter: Sendable {
    private let count = Atomic<Int>(0)

    func enter(limit: Int) -> Bool {
        if count.add(1, ordering: .relaxed).newValue > limit {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { count.subtract(1, ordering: .relaxed) }
}
