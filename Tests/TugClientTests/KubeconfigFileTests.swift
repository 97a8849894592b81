import Testing
@testable import TugClient

@Suite struct KubeconfigFileTests {
    @Test func readsTheCurrentContextsServerAndToken() throws {
        let text = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: other
          cluster: {server: "http://10.0.0.1:6443"}
        - name: tugboat
          cluster:
            server: http://127.0.0.1:6443
        contexts:
        - name: other
          context: {cluster: other, user: nobody}
        - name: tugboat
          context: {cluster: tugboat, user: admin}
        current-context: tugboat
        users:
        - name: admin
          user: {token: secret-token}
        """
        let k = try KubeconfigFile.parse(text)
        #expect(k.server == "http://127.0.0.1:6443")
        #expect(k.token == "secret-token")
    }

    @Test func saysWhatIsMissing() {
        #expect(throws: KubeconfigFile.LoadError.self) { try KubeconfigFile.parse("- a list") }
        do {
            _ = try KubeconfigFile.parse("apiVersion: v1\nclusters: []\n")
            Issue.record("accepted a kubeconfig without a server")
        } catch {
            #expect("\(error)".contains("no cluster server"))
        }
        #expect(throws: KubeconfigFile.LoadError.self) { try KubeconfigFile.load("/nonexistent/kubeconfig") }
    }
}
