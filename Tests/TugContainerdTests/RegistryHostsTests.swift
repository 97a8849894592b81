import Foundation
import Testing
@testable import TugContainerd

@Suite("registry hosts.toml")
struct RegistryHostsTests {
    @Test("an insecure registry gets a hosts.toml that pulls and resolves over plain HTTP")
    func rendersHostsTOML() throws {
        let toml = parseSimpleTOML(try RegistryHosts.hostsTOML(for: "127.0.0.1:5000"))
        #expect(toml[""]?["server"] == "\"http://127.0.0.1:5000\"")
        let host = toml["host.\"http://127.0.0.1:5000\""]
        #expect(host?["capabilities"] == "[\"pull\", \"resolve\"]")
        #expect(host?["skip_verify"] == "true")
    }

    @Test("write() puts each registry in certs.d/HOST:PORT and removes only its own stale files")
    func writesAndPrunes() throws {
        let dir = try TemporaryDirectory("reg")
        defer { dir.remove() }
        let certs = dir.path + "/certs.d"
        let written = try RegistryHosts(directory: certs, insecureRegistries: ["127.0.0.1:5000", "http://registry.local:5001/"]).write()
        #expect(written == [certs + "/127.0.0.1:5000/hosts.toml", certs + "/registry.local:5001/hosts.toml"])
        let text = try String(contentsOfFile: certs + "/registry.local:5001/hosts.toml", encoding: .utf8)
        #expect(text.contains("server = \"http://registry.local:5001\""))

        // A folder someone else wrote (say, a CA for docker.io) is left alone.
        try FileManager.default.createDirectory(atPath: certs + "/docker.io", withIntermediateDirectories: true)
        try Data("server = \"https://registry-1.docker.io\"\n".utf8).write(to: URL(fileURLWithPath: certs + "/docker.io/hosts.toml"))

        try RegistryHosts(directory: certs, insecureRegistries: ["127.0.0.1:5000"]).write()
        let remaining = try FileManager.default.contentsOfDirectory(atPath: certs).sorted()
        #expect(remaining == ["127.0.0.1:5000", "docker.io"])
    }

    @Test("a registry that is not HOST[:PORT] is refused with a message saying why", arguments: [
        ("https://127.0.0.1:5000", "not an https:// URL"),
        ("127.0.0.1:5000/v2", "must be HOST or HOST:PORT"),
        ("127.0.0.1:99999", "port '99999'"),
        ("127.0.0.1:http", "port 'http'"),
        ("", "must be HOST or HOST:PORT"),
        ("host name", "must be HOST or HOST:PORT"),
    ])
    func refusesBadRegistry(input: String, message: String) {
        #expect {
            try RegistryHosts.registryHost(input)
        } throws: { error in
            (error as? ContainerdError)?.message.contains(message) == true
        }
    }
}
