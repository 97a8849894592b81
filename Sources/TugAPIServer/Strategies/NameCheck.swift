import Foundation
import TugAPI

/// Names stricter than a DNS subdomain (namespaces, services, …). The store already checks
/// every name as a subdomain, so these rules report only names that passed that check:
/// one bad name gets one set of errors.
enum NameCheck {
    static func stricter(_ meta: MetaV1.ObjectMeta, _ validator: Validation.NameValidator) -> [FieldError] {
        var errs: [FieldError] = []
        if let g = meta.generateName, !g.isEmpty, Validation.nameIsDNSSubdomain(g, true).isEmpty {
            errs += validator(g, true).map { FieldError.invalid("metadata.generateName", g, $0) }
        }
        if let n = meta.name, !n.isEmpty, Validation.nameIsDNSSubdomain(n, false).isEmpty {
            errs += validator(n, false).map { FieldError.invalid("metadata.name", n, $0) }
        }
        return errs
    }
}
