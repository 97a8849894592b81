import Foundation
import TugAPI

/// The query and path parameters of Kubernetes' REST operations, in either OpenAPI dialect
/// (v2 puts `type` on the parameter, v3 wraps it in `schema`).
struct OpenAPIParameters {
    let style: OpenAPIStyle

    func query(_ name: String, _ type: String, _ description: String) -> JSONValue {
        var p: [String: JSONValue] = ["name": .string(name), "in": "query", "description": .string(description), "uniqueItems": true]
        if style == .v2 { p["type"] = .string(type) } else { p["schema"] = ["type": .string(type)] }
        return .object(p)
    }

    func path(_ name: String, _ description: String) -> JSONValue {
        var p: [String: JSONValue] = ["name": .string(name), "in": "path", "required": true, "description": .string(description), "uniqueItems": true]
        if style == .v2 { p["type"] = "string" } else { p["schema"] = ["type": "string"] }
        return .object(p)
    }

    var pretty: JSONValue { query("pretty", "string", "If 'true', then the output is pretty printed.") }
    var dryRun: JSONValue { query("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed") }
    var fieldManager: JSONValue { query("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes.") }
    var fieldValidation: JSONValue {
        query("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict")
    }
    var force: JSONValue { query("force", "boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Must be unset for non-apply patch requests.") }

    var listParameters: [JSONValue] {
        [
            query("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
            query("continue", "string", "The continue option should be set when retrieving more results from the server."),
            query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
            query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
            query("limit", "integer", "limit is a maximum number of responses to return for a list call."),
            query("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
            query("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
            query("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
            query("timeoutSeconds", "integer", "Timeout for the list/watch call."),
            query("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
        ]
    }

    var deleteParameters: [JSONValue] {
        [
            dryRun,
            query("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
            query("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean", "if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error."),
            query("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7."),
            query("propagationPolicy", "string", "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
        ]
    }
}
