import Testing
@testable import TugContainerd

@Suite("ctr output parsing")
struct CtrOutputTests {
    // Captured from ctr 1.6.20 `images ls` in the k8s.io namespace (columns padded by tabwriter).
    static let listing = """
    REF                                                                     TYPE                                       DIGEST                                                                  SIZE    PLATFORMS   LABELS                          
    127.0.0.1:5000/busybox:1                                                application/vnd.oci.image.manifest.v1+json sha256:86a7148b500ac177068ba71fa14c343b0416c1e97f5a9d4cb1707325f8e61034 1.0 MiB linux/amd64 io.cri-containerd.image=managed 
    docker.io/library/alpine:3                                              application/vnd.docker.distribution.manifest.list.v2+json sha256:8ac2a6a99ca579405ee6afcc581774b4f9b44114ccb6c9640fb373530b831ba1 3.2 MiB linux/386,linux/amd64,linux/arm64 - 
    sha256:cacde0637e02b049962b0cdb45a5b72577273128359ad22ef08284a33309b801 application/vnd.oci.image.manifest.v1+json sha256:86a7148b500ac177068ba71fa14c343b0416c1e97f5a9d4cb1707325f8e61034 1.0 MiB linux/amd64 io.cri-containerd.image=managed 
    """

    @Test("images ls rows become name, digest, size and platforms; CRI's ID names are marked")
    func parsesImageList() throws {
        let images = ImageLister.parse(Self.listing)
        try #require(images.count == 3)
        #expect(images[0] == ImageSummary(
            name: "127.0.0.1:5000/busybox:1",
            digest: "sha256:86a7148b500ac177068ba71fa14c343b0416c1e97f5a9d4cb1707325f8e61034",
            sizeText: "1.0 MiB", sizeBytes: 1_048_576,
            mediaType: "application/vnd.oci.image.manifest.v1+json", platforms: ["linux/amd64"]))
        #expect(images[1].platforms == ["linux/386", "linux/amd64", "linux/arm64"])
        #expect(images[1].sizeBytes == 3_355_443)
        #expect(!images[0].isDigestReference && images[2].isDigestReference)
    }

    @Test("an empty listing or stray lines give no images")
    func ignoresNoise() {
        #expect(ImageLister.parse("REF TYPE DIGEST SIZE PLATFORMS LABELS\n").isEmpty)
        #expect(ImageLister.parse("ctr: some warning\n\n").isEmpty)
    }

    @Test("sizes in ctr's units convert to bytes")
    func sizes() {
        #expect(ImageLister.parseSize("512.0", unit: "B") == 512)
        #expect(ImageLister.parseSize("2.5", unit: "KiB") == 2560)
        #expect(ImageLister.parseSize("1.0", unit: "GiB") == 1_073_741_824)
        #expect(ImageLister.parseSize("x", unit: "MiB") == nil)
        #expect(ImageLister.parseSize("1", unit: "parsecs") == nil)
    }

    @Test("import output names each unpacked image")
    func parsesImportOutput() {
        let output = """
        unpacking tugboat.local/pause:3.10 (sha256:86a7148b500ac177068ba71fa14c343b0416c1e97f5a9d4cb1707325f8e61034)...done
        unpacking import-2026-11-24:1 (sha256:8ac2a6a99ca579405ee6afcc581774b4f9b44114ccb6c9640fb373530b831ba1)...done
        """
        #expect(ImageImporter.importedNames(fromOutput: output) == ["tugboat.local/pause:3.10", "import-2026-11-24:1"])
        #expect(ImageImporter.importedNames(fromOutput: "").isEmpty)
    }
}
