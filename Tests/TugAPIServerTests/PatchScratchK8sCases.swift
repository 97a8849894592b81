import XCTest
import Foundation
import TugAPI
@testable import TugAPIServer

struct ScratchMergeItemMeta: PatchMeta {
    var retainItem = false
    var strategy: PatchStrategy = []
    var mergeKey: String? = nil
    var listType: ListType = .atomic
    var isAtomic = false
    var hasNamedFields = true
    var kind = "item"   // item, list, intlist, map, scalar
    var elementKind = "item"

    func child(_ f: String) -> (any PatchMeta)? {
        if kind == "map" { return ScratchMergeItemMeta(kind: "scalar") }
        if kind != "item" { return nil }
        switch f {
        case "mergingList": return ScratchMergeItemMeta(strategy: .merge, mergeKey: "name", kind: "list")
        case "nonMergingList": return ScratchMergeItemMeta(kind: "list")
        case "mergingIntList": return ScratchMergeItemMeta(strategy: .merge, kind: "list", elementKind: "scalar")
        case "nonMergingIntList": return ScratchMergeItemMeta(kind: "list", elementKind: "scalar")
        case "mergeItemPtr": return ScratchMergeItemMeta(strategy: .merge)
        case "simpleMap": return ScratchMergeItemMeta(hasNamedFields: false, kind: "map")
        case "replacingItem": return ScratchMergeItemMeta(strategy: .replace, kind: "scalar")
        case "retainKeysMap": return ScratchMergeItemMeta(retainItem: true, strategy: .retainKeys)
        case "retainKeysMergingList": return ScratchMergeItemMeta(strategy: [.merge, .retainKeys], mergeKey: "name", kind: "list")
        case "name", "value", "other": return ScratchMergeItemMeta(kind: "scalar")
        default: return nil
        }
    }
    func listElement() -> (any PatchMeta)? {
        kind == "list" ? ScratchMergeItemMeta(kind: elementKind) : nil
    }
}

final class PatchScratchK8sCases: XCTestCase {
    func testK8sCases() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/tmp/k8s_smp_cases.json"))
        guard case .array(let cases) = try JSONValue(parsing: data) else { return XCTFail() }
        var ok = 0, bad = 0
        for c in cases {
            let desc = c["desc"]?.stringValue ?? ""
            let err = c["err"]?.stringValue ?? ""
            var runs: [(String, JSONValue, JSONValue, JSONValue)] = []
            if let o = c["Original"], !o.isNull, let p = c["TwoWay"], !p.isNull {
                let exp = (c["TwoWayResult"].flatMap { $0.isNull ? nil : $0 }) ?? c["Modified"] ?? .null
                runs.append(("2way", o, p, exp))
            }
            if let o = c["Current"], !o.isNull, let p = c["ThreeWay"], !p.isNull, let r = c["Result"], !r.isNull, !desc.contains("conflict") {
                runs.append(("3way", o, p, r))
            }
            for (kind, o, p, exp) in runs {
                do {
                    let out = try StrategicMergePatch.apply(p, to: o, meta: ScratchMergeItemMeta())
                    if !err.isEmpty { print("EXPECTED ERROR \(desc) \(kind): \(err)"); bad += 1; continue }
                    if out.normalizedNumbers != exp.normalizedNumbers {
                        bad += 1
                        print("MISMATCH \(desc) [\(kind)]\n  orig \(o.text)\n  patch \(p.text)\n  want \(exp.text)\n  got  \(out.text)")
                    } else { ok += 1 }
                } catch {
                    if !err.isEmpty && "\(error)".contains(err) { ok += 1; continue }
                    bad += 1
                    print("ERROR \(desc) [\(kind)]: \(error) (want err: \(err))")
                }
            }
        }
        print("K8S CASES ok=\(ok) bad=\(bad)")
    }
}
