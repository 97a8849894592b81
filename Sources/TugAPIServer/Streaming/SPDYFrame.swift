import Foundation

/// One SPDY/3.1 frame, as `kubectl port-forward` speaks it (client-go's SPDY connection, tunnelled
/// through a WebSocket or after an HTTP upgrade). Header blocks are kept decoded; `SPDYFramer`
/// does the wire format and the shared zlib contexts.
enum SPDYFrame: Equatable, Sendable {
    case data(streamID: UInt32, fin: Bool, payload: [UInt8])
    case synStream(streamID: UInt32, associatedTo: UInt32, priority: UInt8, fin: Bool, unidirectional: Bool, headers: SPDYHeaders)
    case synReply(streamID: UInt32, fin: Bool, headers: SPDYHeaders)
    case rstStream(streamID: UInt32, status: RstStatus)
    case settings(clearSettings: Bool, entries: [Setting])
    case ping(id: UInt32)
    case goAway(lastGoodStreamID: UInt32, status: UInt32)
    case headers(streamID: UInt32, fin: Bool, headers: SPDYHeaders)
    case windowUpdate(streamID: UInt32, delta: UInt32)

    struct Setting: Equatable, Sendable {
        var flags: UInt8
        var id: UInt32
        var value: UInt32
    }

    /// RST_STREAM status codes (SPDY/3.1 §2.6.3).
    enum RstStatus: UInt32, Sendable {
        case protocolError = 1, invalidStream, refusedStream, unsupportedVersion, cancel, internalError, flowControlError,
             streamInUse, streamAlreadyClosed, invalidCredentials, frameTooLarge
    }

    static let version: UInt16 = 3
    /// Control frame types.
    enum ControlType: UInt16 {
        case synStream = 1, synReply, rstStream, settings, ping = 6, goAway, headers, windowUpdate
    }
    static let flagFin: UInt8 = 0x01
    static let flagUnidirectional: UInt8 = 0x02
    /// The largest payload a frame's 24-bit length allows.
    static let maxPayload = (1 << 24) - 1
}

/// A header block: names lowercase (SPDY requires it), several values of one name joined by NUL.
struct SPDYHeaders: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    private(set) var fields: [(name: String, value: String)] = []

    init(dictionaryLiteral elements: (String, String)...) {
        for (n, v) in elements { self[n] = v }
    }

    init() {}

    subscript(name: String) -> String? {
        get { fields.first { $0.name == name.lowercased() }?.value }
        set {
            let key = name.lowercased()
            fields.removeAll { $0.name == key }
            if let newValue { fields.append((key, newValue)) }
        }
    }

    static func == (a: SPDYHeaders, b: SPDYHeaders) -> Bool {
        a.fields.count == b.fields.count && a.fields.allSatisfy { f in b[f.name] == f.value }
    }
}

enum SPDYError: Error, CustomStringConvertible, Equatable {
    case unsupportedVersion(UInt16)
    case malformed(String)
    case compression(String)

    var description: String {
        switch self {
        case .unsupportedVersion(let v): return "SPDY version \(v) is not supported (only 3)"
        case .malformed(let why): return "malformed SPDY frame: \(why)"
        case .compression(let why): return "SPDY header compression failed: \(why)"
        }
    }
}
