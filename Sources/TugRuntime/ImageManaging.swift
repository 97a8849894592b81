/// What a runtime that keeps images on the node (CRI) offers beyond `ContainerRuntime`, for
/// image garbage collection and `tug images`.
public protocol ImageManaging: Sendable {
    /// Every image on the node.
    func listImages() async throws -> [ImageInfo]
    /// Removes the image; one that is not there is fine.
    func removeImage(_ image: String) async throws
    /// The filesystems holding images and what they use.
    func imageFilesystemUsage() async throws -> [ImageFilesystemUsage]
}

/// One filesystem holding images (CRI's FilesystemUsage).
public struct ImageFilesystemUsage: Sendable, Hashable {
    public var mountpoint: String
    public var usedBytes: UInt64
    public var inodesUsed: UInt64
    public init(mountpoint: String, usedBytes: UInt64, inodesUsed: UInt64) {
        self.mountpoint = mountpoint
        self.usedBytes = usedBytes
        self.inodesUsed = inodesUsed
    }
}
