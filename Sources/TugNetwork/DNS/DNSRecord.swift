/// A resource record type (RFC 1035 §3.2.2 and later RFCs); unknown types pass through.
public struct DNSType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSType(rawValue: 1)
    public static let ns = DNSType(rawValue: 2)
    public static let cname = DNSType(rawValue: 5)
    public static let soa = DNSType(rawValue: 6)
    public static let ptr = DNSType(rawValue: 12)
    public static let mx = DNSType(rawValue: 15)
    public static let txt = DNSType(rawValue: 16)
    public static let aaaa = DNSType(rawValue: 28)
    public static let srv = DNSType(rawValue: 33)
    public static let opt = DNSType(rawValue: 41)
    public static let any = DNSType(rawValue: 255)

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .any: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}

/// Record classes; the cluster zone is `IN` only.
public enum DNSClass {
    public static let internet: UInt16 = 1
    public static let chaos: UInt16 = 3
    public static let any: UInt16 = 255
}

/// Response codes (RFC 1035 §4.1.1; BADVERS from RFC 6891 needs the OPT record's upper bits).
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)
    public static let badVersion = DNSResponseCode(rawValue: 16)

    public var description: String {
        switch self {
        case .noError: "NOERROR"
        case .formatError: "FORMERR"
        case .serverFailure: "SERVFAIL"
        case .nameError: "NXDOMAIN"
        case .notImplemented: "NOTIMP"
        case .refused: "REFUSED"
        case .badVersion: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}

/// The data of one record, decoded for the types the cluster zone serves; anything else
/// (including TXT from upstreams, which stays decoded as its strings) passes through intact.
public enum DNSRecordData: Hashable, Sendable {
    /// 4 bytes.
    case a([UInt8])
    /// 16 bytes.
    case aaaa([UInt8])
    case cname(DNSName)
    case ns(DNSName)
    case ptr(DNSName)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case soa(DNSStartOfAuthority)
    /// Character strings of at most 255 bytes each.
    case txt([[UInt8]])
    /// Bytes of a type this codec does not interpret.
    case opaque([UInt8])
}

/// SOA fields (RFC 1035 §3.3.13).
public struct DNSStartOfAuthority: Hashable, Sendable {
    public var primary: DNSName
    public var mailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.primary = primary
        self.mailbox = mailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// One resource record of an answer, authority or additional section (never OPT: see `DNSEDNS`).
public struct DNSRecord: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSType
    public var recordClass: UInt16
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, type: DNSType, recordClass: UInt16 = DNSClass.internet, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    public static func a(_ name: DNSName, _ address: [UInt8], ttl: UInt32) -> DNSRecord {
        DNSRecord(name: name, type: address.count == 16 ? .aaaa : .a, ttl: ttl, data: address.count == 16 ? .aaaa(address) : .a(address))
    }
}

/// One question (RFC 1035 §4.1.2).
public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSType
    public var questionClass: UInt16

    public init(name: DNSName, type: DNSType, questionClass: UInt16 = DNSClass.internet) {
        self.name = name
        self.type = type
        self.questionClass = questionClass
    }
}

/// The OPT pseudo-record of EDNS(0) (RFC 6891): the sender's UDP payload size, version, DO bit
/// and options, kept apart from the additional section.
public struct DNSEDNS: Hashable, Sendable {
    public struct Option: Hashable, Sendable {
        public var code: UInt16
        public var data: [UInt8]
        public init(code: UInt16, data: [UInt8]) { self.code = code; self.data = data }
    }

    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code.
    public var extendedResponseCode: UInt8
    public var version: UInt8
    public var dnssecOK: Bool
    public var options: [Option]

    public init(udpPayloadSize: UInt16, extendedResponseCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false, options: [Option] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCode = extendedResponseCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }

    /// Bytes the OPT record takes on the wire.
    var encodedSize: Int { 11 + options.reduce(0) { $0 + 4 + $1.data.count } }
}
