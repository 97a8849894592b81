import Foundation

/// The node's CNI network list (`10-tugboat.conflist`) that containerd's CRI plugin uses for
/// every pod: a `bridge` (the node's gateway, masquerading traffic leaving the pod CIDR unless the
/// node's `PodMasquerade` does that for the whole pod network, hairpin
/// so a pod reaches itself through a Service) with `host-local` addresses from the node's pod
/// CIDR, then `portmap` for `hostPort`s. The loopback interface is not listed: containerd's CRI
/// brings up `lo` in each pod itself (go-cni's built-in `cni-loopback` network, run with the
/// `loopback` binary from the same bin_dir). cniVersion 1.0.0 is understood by containerd
/// 1.6's libcni and by containernetworking-plugins 1.1.1.
public struct CNIConfig: Sendable, Hashable {
    /// Sorts before podman's `87-podman-bridge.conflist`; CRI loads the first file by name.
    public static let defaultFileName = "10-tugboat.conflist"
    public static let defaultNetworkName = "tugboat"
    public static let defaultBridgeName = "tug0"
    public static let defaultCNIVersion = "1.0.0"

    public var podCIDR: PodCIDR
    public var networkName: String
    public var bridgeName: String
    public var cniVersion: String
    /// host-local's allocation records; nil keeps the plugin's default (/var/lib/cni/networks).
    public var ipamDataDirectory: String?
    /// Bridge and veth MTU; nil lets the plugin choose.
    public var mtu: Int?
    /// The bridge masquerades what leaves the node's pod CIDR, other nodes' pods included; off
    /// when the node's `PodMasquerade` table does it for what leaves the cluster's pod network.
    public var ipMasq: Bool

    public init(
        podCIDR: String,
        networkName: String = CNIConfig.defaultNetworkName,
        bridgeName: String = CNIConfig.defaultBridgeName,
        cniVersion: String = CNIConfig.defaultCNIVersion,
        ipamDataDirectory: String? = nil,
        mtu: Int? = nil,
        ipMasq: Bool = true
    ) throws {
        self.podCIDR = try PodCIDR(podCIDR)
        self.networkName = networkName
        self.bridgeName = bridgeName
        self.cniVersion = cniVersion
        self.ipamDataDirectory = ipamDataDirectory
        self.mtu = mtu
        self.ipMasq = ipMasq
        try validate()
    }

    public func validate() throws {
        let nameCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !networkName.isEmpty, networkName.unicodeScalars.allSatisfy({ $0.isASCII && nameCharacters.contains($0) }) else {
            throw CNIConfigError("CNI network name '\(networkName)' may hold only letters, digits, '-', '_' and '.'")
        }
        // Linux interface names: at most 15 bytes, no '/', no whitespace, not '.' or '..'.
        guard !bridgeName.isEmpty, bridgeName.utf8.count <= 15, !bridgeName.contains("/"),
              !bridgeName.contains(where: \.isWhitespace), bridgeName != ".", bridgeName != ".." else {
            throw CNIConfigError("bridge name '\(bridgeName)' is not a Linux interface name (1 to 15 characters, no '/' or spaces)")
        }
        guard ["0.3.0", "0.3.1", "0.4.0", "1.0.0"].contains(cniVersion) else {
            throw CNIConfigError("cniVersion '\(cniVersion)' is not one the installed plugins support (0.3.0, 0.3.1, 0.4.0, 1.0.0)")
        }
        if let mtu, !(576...65535).contains(mtu) {
            throw CNIConfigError("MTU \(mtu) must be from 576 to 65535")
        }
        if let ipamDataDirectory, !ipamDataDirectory.hasPrefix("/") {
            throw CNIConfigError("IPAM data directory '\(ipamDataDirectory)' must be an absolute path")
        }
    }

    /// The conflist as a JSON object.
    public var networkList: [String: Any] {
        var ipam: [String: Any] = [
            "type": "host-local",
            "ranges": [[["subnet": podCIDR.description, "gateway": podCIDR.gateway]]],
            "routes": [["dst": podCIDR.defaultRoute]],
        ]
        if let ipamDataDirectory { ipam["dataDir"] = ipamDataDirectory }
        var bridge: [String: Any] = [
            "type": "bridge",
            "bridge": bridgeName,
            "isGateway": true,
            "ipMasq": ipMasq,
            "hairpinMode": true,
            "ipam": ipam,
        ]
        if let mtu { bridge["mtu"] = mtu }
        let portmap: [String: Any] = [
            "type": "portmap",
            "capabilities": ["portMappings": true],
        ]
        return [
            "cniVersion": cniVersion,
            "name": networkName,
            "plugins": [bridge, portmap],
        ]
    }

    /// The conflist file's bytes (pretty, sorted keys, trailing newline).
    public func render() throws -> Data {
        try validate()
        var data = try JSONSerialization.data(withJSONObject: networkList,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }

    /// Writes the conflist into `directory` atomically (a temporary file renamed over the old
    /// one, so CRI never reads half a file) and returns its path.
    @discardableResult
    public func write(toDirectory directory: String, fileName: String = CNIConfig.defaultFileName) throws -> String {
        guard fileName.hasSuffix(".conflist"), !fileName.contains("/") else {
            throw CNIConfigError("CNI config file name '\(fileName)' must be a plain name ending in .conflist")
        }
        let data = try render()
        let path = (directory as NSString).appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CNIConfigError("cannot write CNI config \(path): \(error.localizedDescription)")
        }
        return path
    }
}
