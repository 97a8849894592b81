import Foundation
import Testing
@testable import TugContainerd

@Suite("containerd config.toml")
struct ContainerdConfigTests {
    let cri = "plugins.\"io.containerd.grpc.v1.cri\""

    @Test("renders a version 2 config with the CRI settings these machines need, all under the data directory")
    func rendersNodeSettings() throws {
        let config = ContainerdConfig(dataDirectory: "/var/lib/tugboat/containerd/", socketPath: "/tmp/tug/ctrd.sock",
                                      sandboxImage: "tugboat.local/pause:3.10")
        let toml = parseSimpleTOML(try config.render())

        #expect(toml[""]?["version"] == "2")
        #expect(toml[""]?["root"] == "\"/var/lib/tugboat/containerd/root\"")
        #expect(toml[""]?["state"] == "\"/var/lib/tugboat/containerd/state\"")
        #expect(toml["grpc"]?["address"] == "\"/tmp/tug/ctrd.sock\"")
        #expect(toml[cri]?["restrict_oom_score_adj"] == "true")
        #expect(toml[cri]?["sandbox_image"] == "\"tugboat.local/pause:3.10\"")
        #expect(toml[cri]?["stream_server_address"] == "\"127.0.0.1\"")
        #expect(toml[cri + ".containerd"]?["default_runtime_name"] == "\"runc\"")
        #expect(toml[cri + ".containerd.runtimes.runc"]?["runtime_type"] == "\"io.containerd.runc.v2\"")
        #expect(toml[cri + ".containerd.runtimes.runc.options"]?["SystemdCgroup"] == "false")
        #expect(toml[cri + ".containerd.runtimes.runc.options"]?["Root"] == "\"/var/lib/tugboat/containerd/state/runc\"")
        #expect(toml[cri + ".cni"]?["bin_dir"] == "\"/usr/lib/cni\"")
        #expect(toml[cri + ".cni"]?["conf_dir"] == "\"/var/lib/tugboat/containerd/cni/net.d\"")
        #expect(toml[cri + ".registry"]?["config_path"] == "\"/var/lib/tugboat/containerd/certs.d\"")
        #expect(config.endpoint == "unix:///tmp/tug/ctrd.sock")
    }

    @Test("the socket defaults to /run/containerd/containerd.sock and accepts a unix:// endpoint")
    func socketForms() throws {
        #expect(ContainerdConfig(dataDirectory: "/d").socketPath == "/run/containerd/containerd.sock")
        #expect(ContainerdConfig(dataDirectory: "/d", socketPath: "unix:///run/x.sock").socketPath == "/run/x.sock")
        #expect(ContainerdConfig.socketPath(fromEndpoint: "unix:/run/y.sock") == "/run/y.sock")
    }

    @Test("strings with quotes and backslashes are escaped so the TOML stays valid")
    func escapesStrings() throws {
        let config = ContainerdConfig(dataDirectory: "/data/we\"ird\\dir")
        let text = try config.render()
        #expect(text.contains("root = \"/data/we\\\"ird\\\\dir/root\""))
    }

    @Test("bad settings are refused with a message saying what is wrong", arguments: [
        (ContainerdConfig(dataDirectory: "relative/dir"), "data directory must be an absolute path"),
        (ContainerdConfig(dataDirectory: "/d", socketPath: "/" + String(repeating: "s", count: 120)), "at most 107"),
        (ContainerdConfig(dataDirectory: "/d", socketPath: "sock"), "socket must be an absolute path"),
        (ContainerdConfig(dataDirectory: "/d", sandboxImage: "two words"), "is not an image reference"),
        (ContainerdConfig(dataDirectory: "/d", logLevel: "loud"), "log level 'loud'"),
    ])
    func refusesBadSettings(config: ContainerdConfig, message: String) {
        #expect {
            try config.render()
        } throws: { error in
            (error as? ContainerdError)?.message.contains(message) == true
        }
    }

    @Test("write() creates the directories and the config file")
    func writesFiles() throws {
        let dir = try TemporaryDirectory("cfg")
        defer { dir.remove() }
        let config = ContainerdConfig(dataDirectory: dir.path + "/containerd", socketPath: dir.path + "/run/c.sock")
        let path = try config.write()
        #expect(path == dir.path + "/containerd/config.toml")
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == (try config.render()))
        for folder in [config.rootDirectory, config.stateDirectory, config.registryConfigDirectory,
                       config.cniConfDirectory, dir.path + "/run"] {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue, "\(folder)")
        }
    }
}
