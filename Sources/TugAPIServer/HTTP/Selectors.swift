import Foundation
import TugAPI

/// `labelSelector` and `fieldSelector` query parameters as an `ObjectFilter`.
enum SelectorQuery {
    static func filter(namespace: String?, query: [String: String], handler: ResourceHandler) throws -> ObjectFilter {
        var label: LabelSelector?
        var field: FieldSelector?
        if let ls = query["labelSelector"], !ls.isEmpty {
            do { label = try LabelSelector.parse(ls) } catch {
                throw APIError.badRequest("unable to parse requirement: \(error)")
            }
        }
        if let fs = query["fieldSelector"], !fs.isEmpty {
            do { field = try FieldSelector.parse(fs) } catch {
                throw APIError.badRequest("invalid field selector: \(error)")
            }
            let allowed = Set(handler.selectableFieldNames)
            for f in field!.fieldNames where !allowed.contains(f) {
                throw APIError.badRequest("field label not supported: \(f)")
            }
        }
        if label == nil && field == nil { return ObjectFilter(namespace: namespace) }
        let l = label, f = field
        return ObjectFilter(namespace: namespace) { labels, fields in
            (l?.matches(labels) ?? true) && (f?.matches(fields) ?? true)
        }
    }
}
