import Foundation
import TugAPI

/// The strategy for kinds with no rules beyond object metadata (ConfigMap-like kinds).
public struct GenericStrategy<Object: APIObject>: ResourceStrategy {
    public let info: ResourceInfo
    public init(_ info: ResourceInfo) { self.info = info }
}
