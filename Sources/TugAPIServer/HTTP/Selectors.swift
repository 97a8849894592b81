import Foundation
import TugAPI

/// `labelSelector` and `fieldSelector` query parameters as an `ObjectFilter`.
enum SelectorQuery {
    static func filter(namespace: String?, query: [String: String], handler: ResourceHandler) throws -> ObjectFilter {
        var label: Labels.Selector?
        var field: Fields.Selector?
        if let ls = query["labelSelector"], !ls.isEmpty {
            do { label = try Labels.Selector(parsing: ls) } catch {
                throw APIError.badRequest("unable to parse requirement: \(error)")
            }
        }
        if let fs = query["fieldSelector"], !fs.isEmpty {
            let parsed: Fields.Selector
            do { parsed = try Fields.Selector(parsing: fs) } catch {
                throw APIError.badRequest("invalid field selector: \(error)")
            }
            if let bad = parsed.unsupportedField(supported: Set(handler.selectableFieldNames)) {
                throw APIError.badRequest("field label not supported: \(bad)")
            }
            field = parsed
        }
        if label == nil && field == nil { return ObjectFilter(namespace: namespace) }
        let l = label, f = field
        return ObjectFilter(namespace: namespace) { labels, fields in
            (l?.matches(labels: labels) ?? true) && (f?.matches(fields: fields) ?? true)
        }
    }
}
