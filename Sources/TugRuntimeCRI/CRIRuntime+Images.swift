import TugRuntime

extension CRIRuntime: ImageManaging {
    /// Pulls without a deadline (large images take long; kubelet does the same) and returns the
    /// image reference the runtime resolved (`sha256:…`).
    public func pullImage(_ image: String, auth: ImageAuth?) async throws -> String {
        let request = Runtime_V1_PullImageRequest.with {
            $0.image = .with { $0.image = image }
            if let auth {
                $0.auth = .with {
                    $0.username = auth.username
                    $0.password = auth.password
                    $0.serverAddress = auth.serverAddress
                    $0.identityToken = auth.identityToken
                    $0.registryToken = auth.registryToken
                }
            }
        }
        do {
            return try await call("PullImage", subject: "of \(image)") {
                try await imageService.pullImage(request, options: options(extra: nil))
            }.imageRef
        } catch let error as RuntimeError {
            switch error {
            case .notFound(let message), .failed(let message): throw RuntimeError.imagePull(message)
            default: throw error
            }
        }
    }

    /// The image when the node has it; nil when not (containerd answers with no image then).
    public func imageStatus(_ image: String) async throws -> ImageInfo? {
        do {
            let response = try await call("ImageStatus", subject: "image \(image)") {
                try await imageService.imageStatus(.with { $0.image = .with { $0.image = image } }, options: options())
            }
            return response.hasImage ? ContainerMapping.image(response.image) : nil
        } catch RuntimeError.notFound {
            return nil
        }
    }

    /// Every image on the node.
    public func listImages() async throws -> [ImageInfo] {
        try await call("ListImages") {
            try await imageService.listImages(Runtime_V1_ListImagesRequest(), options: options())
        }.images.map(ContainerMapping.image)
    }

    /// Removes the image; one that is not there is fine.
    public func removeImage(_ image: String) async throws {
        try await callIgnoringNotFound("RemoveImage", subject: "image \(image)") {
            _ = try await imageService.removeImage(.with { $0.image = .with { $0.image = image } }, options: options())
        }
    }

    /// Bytes used by the runtime's image filesystem(s), for the node's image-fs stats.
    public func imageFilesystemUsage() async throws -> [ImageFilesystemUsage] {
        try await call("ImageFsInfo") {
            try await imageService.imageFsInfo(Runtime_V1_ImageFsInfoRequest(), options: options())
        }.imageFilesystems.map {
            ImageFilesystemUsage(mountpoint: $0.fsID.mountpoint, usedBytes: $0.usedBytes.value, inodesUsed: $0.inodesUsed.value)
        }
    }
}
