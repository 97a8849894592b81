import Foundation
import TugAPI

/// Builds `meta.k8s.io/v1` Tables, the form `kubectl get` asks for
/// (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
enum TableBuilder {
    static func table<S: ResourceStrategy>(strategy: S, objects: [CachedObject], includeObject: String, wide: Bool,
                                           listMeta: JSONValue = .object([:])) -> JSONValue {
        let now = Date()
        let columns = strategy.tableColumns
        var rows: [JSONValue] = []
        rows.reserveCapacity(objects.count)
        for o in objects {
            guard let obj = try? APICoding.decode(S.Object.self, from: Data(o.bytes)) else { continue }
            var row: [String: JSONValue] = ["cells": .array(strategy.tableCells(obj, now: now))]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = (try? JSONValue(parsing: Data(o.bytes))) ?? .null
            default: row["object"] = partialMetadata(obj, revision: o.revision)
            }
            rows.append(.object(row))
        }
        return .object([
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMeta,
            "columnDefinitions": .array(columns.map(columnDefinition)),
            "rows": .array(rows),
        ])
    }

    static func columnDefinition(_ c: TableColumn) -> JSONValue {
        .object(["name": .string(c.name), "type": .string(c.type), "format": .string(c.format),
                 "description": .string(c.description), "priority": .int(Int64(c.priority))])
    }

    /// `PartialObjectMetadata`: what kubectl needs of the object behind a row (name, namespace, labels…).
    static func partialMetadata<O: APIObject>(_ obj: O, revision: Int64) -> JSONValue {
        var meta = (try? JSONValue(encoding: obj.metadata)) ?? .object([:])
        meta["resourceVersion"] = .string(String(revision))
        meta["managedFields"] = nil
        return .object(["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta])
    }
}
