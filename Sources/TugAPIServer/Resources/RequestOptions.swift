import Foundation
import TugAPI

/// Query options of a write (`dryRun`, `fieldManager`, `fieldValidation`, `force`).
public struct WriteOptions: Sendable {
    public enum FieldValidation: String, Sendable { case strict = "Strict", warn = "Warn", ignore = "Ignore" }
    public var dryRun = false
    public var fieldManager: String?
    public var fieldValidation: FieldValidation = .warn
    public var force = false
    public init() {}

    public init(query: [String: String], userAgent: String?) throws {
        if let d = query["dryRun"] {
            guard d == "All" || d.isEmpty else { throw APIError.badRequest("dryRun: Unsupported value: \"\(d)\": supported values: \"All\"") }
            dryRun = d == "All"
        }
        if let m = query["fieldManager"] {
            guard m.utf8.count <= 128 else { throw APIError.badRequest("fieldManager: Too long: must have at most 128 bytes") }
            fieldManager = m
        } else if let ua = userAgent {
            // Kubernetes names the manager after the client's user agent up to the first '/'.
            fieldManager = String(ua.prefix { $0 != "/" }.prefix(128))
        }
        if let v = query["fieldValidation"] {
            guard let fv = FieldValidation(rawValue: v) else {
                throw APIError.badRequest("fieldValidation: Unsupported value: \"\(v)\": supported values: \"Ignore\", \"Strict\", \"Warn\"")
            }
            fieldValidation = fv
        }
        if let f = query["force"] { force = f == "true" || f == "1" }
    }
}

/// Body and query of a DELETE (`DeleteOptions`).
public struct DeleteOptions: Sendable {
    public var gracePeriodSeconds: Int?
    public var propagationPolicy: String?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var dryRun = false
    public init() {}

    public init(query: [String: String], body: JSONValue?) throws {
        if let g = query["gracePeriodSeconds"] {
            guard let v = Int(g) else { throw APIError.badRequest("gracePeriodSeconds must be an integer, got \"\(g)\"") }
            gracePeriodSeconds = v
        }
        propagationPolicy = query["propagationPolicy"]
        if query["dryRun"] == "All" { dryRun = true }
        if let b = body, case .object(let o) = b {
            if let k = o["kind"]?.stringValue, k != "DeleteOptions" {
                throw APIError.badRequest("a DELETE body must be a DeleteOptions, got kind \"\(k)\"")
            }
            if let g = o["gracePeriodSeconds"] {
                guard let v = g.intValue else { throw APIError.badRequest("gracePeriodSeconds must be an integer") }
                gracePeriodSeconds = Int(v)
            }
            if let p = o["propagationPolicy"]?.stringValue { propagationPolicy = p }
            if let orphan = o["orphanDependents"]?.boolValue, propagationPolicy == nil {
                propagationPolicy = orphan ? "Orphan" : "Background"
            }
            if let pre = o["preconditions"] {
                preconditionUID = pre["uid"]?.stringValue
                preconditionResourceVersion = pre["resourceVersion"]?.stringValue
            }
            if let d = o["dryRun"]?.arrayValue, d.contains(.string("All")) { dryRun = true }
        }
        if let p = propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
            throw APIError.badRequest("propagationPolicy: Unsupported value: \"\(p)\": supported values: \"Orphan\", \"Background\", \"Foreground\"")
        }
        if let g = gracePeriodSeconds, g < 0 { gracePeriodSeconds = 1 }
    }
}

/// The answer to a write: the object's JSON (with resourceVersion) and the HTTP code.
public struct WriteResult: Sendable {
    public var bytes: [UInt8]
    public var code: Int
    public var warnings: [String] = []
    public init(bytes: [UInt8], code: Int, warnings: [String] = []) {
        self.bytes = bytes
        self.code = code
        self.warnings = warnings
    }
}

/// A PATCH body with its type.
public struct PatchRequest: Sendable {
    public enum Kind: String, Sendable {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }
    public var kind: Kind
    /// The patch document (JSON Patch array, merge or strategic patch object, or apply configuration).
    public var body: JSONValue
    public init(kind: Kind, body: JSONValue) {
        self.kind = kind
        self.body = body
    }
}
