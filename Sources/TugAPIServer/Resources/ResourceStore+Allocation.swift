import TugAPI

/// Services take cluster IPs and node ports just before their write and settle once the store
/// has answered (see `ServiceAllocator`); every other kind passes through untouched.
extension ResourceStore {
    func reserveAllocations(_ obj: inout Object, key: String, dryRun: Bool) async throws -> ServiceAllocator.Reservation? {
        guard var svc = obj as? CoreV1.Service else { return nil }
        let reservation = try await admission.services.reserve(&svc, key: key, store: store, dryRun: dryRun)
        obj = svc as! Object
        return reservation
    }

    /// `stored` is what the write put in the store, nil when it failed.
    func settleAllocations(_ reservation: ServiceAllocator.Reservation?, stored: Object?) async {
        guard let reservation else { return }
        if let svc = stored as? CoreV1.Service {
            await admission.services.commit(reservation, stored: svc)
        } else {
            await admission.services.abort(reservation)
        }
    }

    func forgetAllocations(key: String) async {
        guard Object.self == CoreV1.Service.self else { return }
        await admission.services.forget(key: key, store: store)
    }
}
