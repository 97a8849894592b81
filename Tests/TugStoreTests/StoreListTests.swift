import Testing
import TugStore

@Suite("Store list and history")
struct StoreListTests {
    @Test(arguments: Backend.allCases)
    func listMatchesPrefixOnly(_ backend: Backend) async throws {
        let store = try backend.make()
        for k in ["/registry/pods/default/b", "/registry/pods/default/a", "/registry/pods/default2/a",
                  "/registry/pods/defaul/x", "/registry/pods/kube-system/c", "/registry/nodes/n1"] {
            _ = try await store.create(k, bytes(k))
        }
        let deleted = try await store.create("/registry/pods/default/c", bytes("c"))
        _ = try await store.delete("/registry/pods/default/c", expectedRevision: deleted)

        let list = try await store.list(prefix: "/registry/pods/default/", atRevision: nil, limit: nil, continueAfter: nil)
        #expect(list.items.map(\.key) == ["/registry/pods/default/a", "/registry/pods/default/b"])
        #expect(list.items.map(\.value) == [bytes("/registry/pods/default/a"), bytes("/registry/pods/default/b")])
        #expect(list.revision == 8)
        #expect(!list.more)
        #expect(list.remaining == nil)

        let pods = try await store.list(prefix: "/registry/pods/", atRevision: nil, limit: 0, continueAfter: nil)
        #expect(pods.items.map(\.key) == ["/registry/pods/defaul/x", "/registry/pods/default/a", "/registry/pods/default/b",
                                          "/registry/pods/default2/a", "/registry/pods/kube-system/c"])
        #expect(try await store.count(prefix: "/registry/pods/default/") == 2)
        #expect(try await store.count(prefix: "/registry/") == 6)
        #expect(try await store.list(prefix: "", atRevision: nil, limit: nil, continueAfter: nil).items.count == 6)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func paginationStaysAtTheFirstPagesRevision(_ backend: Backend) async throws {
        let store = try backend.make()
        let prefix = "/registry/configmaps/ns/"
        for i in 0..<10 { _ = try await store.create(prefix + "cm-\(i)", bytes("v\(i)")) }

        let page1 = try await store.list(prefix: prefix, atRevision: nil, limit: 4, continueAfter: nil)
        #expect(page1.items.map(\.key) == (0..<4).map { prefix + "cm-\($0)" })
        #expect(page1.more)
        #expect(page1.remaining == 6)
        let rev = page1.revision
        #expect(rev == 10)

        // Writes after the first page must not show up in later pages at its revision.
        _ = try await store.create(prefix + "cm-5a", bytes("new"))
        _ = try await store.update(prefix + "cm-6", bytes("changed"), expectedRevision: 7)
        _ = try await store.delete(prefix + "cm-7", expectedRevision: nil)

        let page2 = try await store.list(prefix: prefix, atRevision: rev, limit: 4, continueAfter: page1.items.last!.key)
        #expect(page2.items.map(\.key) == (4..<8).map { prefix + "cm-\($0)" })
        #expect(page2.items.first { $0.key == prefix + "cm-6" }?.value == bytes("v6"))
        #expect(page2.revision == rev)
        #expect(page2.more)
        #expect(page2.remaining == 2)

        let page3 = try await store.list(prefix: prefix, atRevision: rev, limit: 4, continueAfter: page2.items.last!.key)
        #expect(page3.items.map(\.key) == [prefix + "cm-8", prefix + "cm-9"])
        #expect(!page3.more)
        #expect(page3.remaining == nil)

        // The newest view has the later writes.
        let now = try await store.list(prefix: prefix, atRevision: nil, limit: nil, continueAfter: nil)
        #expect(now.items.count == 10)
        #expect(now.items.contains { $0.key == prefix + "cm-5a" })
        #expect(!now.items.contains { $0.key == prefix + "cm-7" })
        #expect(now.revision == 13)
        await store.close()
    }

    @Test(arguments: Backend.allCases)
    func readsAtOldRevisions(_ backend: Backend) async throws {
        let store = try backend.make()
        let key = "/registry/secrets/default/s"
        let r1 = try await store.create(key, bytes("one"))
        let r2 = try await store.update(key, bytes("two"), expectedRevision: r1)
        let other = try await store.create("/registry/secrets/default/t", bytes("t"))
        let d = try await store.delete(key, expectedRevision: r2)

        #expect(try await store.get(key, atRevision: r1)?.value == bytes("one"))
        #expect(try await store.get(key, atRevision: r2)?.value == bytes("two"))
        #expect(try await store.get(key, atRevision: other)?.modRevision == r2)
        #expect(try await store.get(key, atRevision: d.revision) == nil)
        #expect(try await store.get(key) == nil)

        let atR1 = try await store.list(prefix: "/registry/secrets/", atRevision: r1, limit: nil, continueAfter: nil)
        #expect(atR1.items.map(\.value) == [bytes("one")])
        let atOther = try await store.list(prefix: "/registry/secrets/", atRevision: other, limit: nil, continueAfter: nil)
        #expect(atOther.items.map(\.key) == [key, "/registry/secrets/default/t"])
        #expect(atOther.revision == other)

        await #expect(throws: StoreError.futureRevision(requested: 99, current: d.revision)) {
            try await store.get(key, atRevision: 99)
        }
        await #expect(throws: StoreError.futureRevision(requested: 99, current: d.revision)) {
            try await store.list(prefix: "/registry/", atRevision: 99, limit: nil, continueAfter: nil)
        }
        await store.close()
    }
}
