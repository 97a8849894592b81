import Foundation
import TugAPI

/// autoscaling/v1 HorizontalPodAutoscalers, served from v2 storage (`ConvertedResource`): the v2
/// strategy validates after conversion; this one gives kubectl the same columns as v2.
public struct HorizontalPodAutoscalerV1Strategy: ResourceStrategy {
    public typealias Object = AutoscalingV1.HorizontalPodAutoscaler
    public let info: ResourceInfo
    let v2: HorizontalPodAutoscalerStrategy
    public init(info: ResourceInfo, v2: HorizontalPodAutoscalerStrategy) {
        self.info = info
        self.v2 = v2
    }

    public var tableColumns: [TableColumn] { v2.tableColumns }

    public func tableCells(_ obj: AutoscalingV1.HorizontalPodAutoscaler, now: Date) -> [JSONValue] {
        guard let json = try? JSONValue(encoding: obj),
              let converted = try? HorizontalPodAutoscalerConversion().toStorage(json),
              let stored = try? converted.decode(as: AutoscalingV2.HorizontalPodAutoscaler.self)
        else { return [TableFormat.name(obj), TableFormat.age(obj, now)] }
        return v2.tableCells(stored, now: now)
    }
}
