#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An OCI platform (`linux/amd64`): what the pause image is built for and what ctr imports.
public struct ImagePlatform: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String

    public init(os: String, architecture: String) {
        self.os = os
        self.architecture = architecture
    }

    /// This machine, with the kernel's machine name mapped to OCI's architecture name.
    public static var host: ImagePlatform {
        var names = utsname()
        uname(&names)
        let machine = withUnsafeBytes(of: &names.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return ImagePlatform(os: "linux", architecture: ociArchitecture(machine: machine))
    }

    static func ociArchitecture(machine: String) -> String {
        switch machine {
        case "x86_64": "amd64"
        case "aarch64", "arm64": "arm64"
        case "i386", "i686": "386"
        case "armv7l", "armv6l": "arm"
        case "ppc64le": "ppc64le"
        case "s390x": "s390x"
        case "riscv64": "riscv64"
        default: machine
        }
    }

    /// `os/architecture`, the form ctr's `--platform` takes.
    public var description: String { "\(os)/\(architecture)" }
}
