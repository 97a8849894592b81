import Foundation
import Logging
import TugAPI

/// Keeps the routing table current as Ingresses, IngressClasses, Services, EndpointSlices and
/// TLS Secrets change, doing only the work a change calls for: an Ingress change recompiles
/// that Ingress and re-sorts the rules of the hosts it names; a Service or EndpointSlice change re-resolves only the
/// backends of that Service and reuses the merged rules; a Secret change re-parses that Secret.
/// Bursts of changes (an informer's first list) are coalesced into one publication within a
/// few milliseconds.
public actor IngressRouteBuilder {
    public let store: IngressRoutesStore
    let logger: Logger

    private var policy = IngressClassPolicy(classes: [])
    private var classes: [String: NetworkingV1.IngressClass] = [:]
    private var ingresses: [String: NetworkingV1.Ingress] = [:]
    private var compiled: [String: CompiledIngress] = [:]
    /// Sorted rules per host as the routing table wants them, and which Ingresses name each host.
    private var exactHosts: [String: [IngressPathRule]] = [:]
    private var wildcardHosts: [String: [IngressPathRule]] = [:]
    private var anyHost: [IngressPathRule] = []
    private var ingressesByHost: [String: Set<String>] = [:]
    private var services: [String: CoreV1.Service] = [:]
    /// EndpointSlices by Service key, then slice name.
    private var slices: [String: [String: DiscoveryV1.EndpointSlice]] = [:]
    private var sliceOwner: [String: String] = [:]
    /// How many of our Ingresses use each backend, and the backends of each Service.
    private var refCounts: [IngressBackendRef: Int] = [:]
    private var refsByService: [String: Set<IngressBackendRef>] = [:]
    private var backends: [IngressBackendRef: IngressBackendState] = [:]
    private var secrets: [String: CoreV1.Secret] = [:]
    private var parsedCertificates: [String: (version: String, result: Result<IngressCertificate, IngressCertificateError>)] = [:]

    private var rulesDirty = false
    private var backendsDirty = false
    private var certificatesDirty = false
    private var publishScheduled = false

    public init(store: IngressRoutesStore = IngressRoutesStore(), logger: Logger = Logger(label: "tug.ingress")) {
        self.store = store
        self.logger = logger
    }

    // MARK: Changes

    public func setClass(_ cls: NetworkingV1.IngressClass) {
        guard let name = cls.metadata.name else { return }
        classes[name] = cls
        reevaluateOwnership()
    }

    public func removeClass(named name: String) {
        guard classes.removeValue(forKey: name) != nil else { return }
        reevaluateOwnership()
    }

    public func setIngress(_ ingress: NetworkingV1.Ingress) {
        let key = IngressAge(ingress).key
        ingresses[key] = ingress
        updateCompiled(key)
    }

    public func removeIngress(key: String) {
        guard ingresses.removeValue(forKey: key) != nil else { return }
        updateCompiled(key)
    }

    public func setService(_ service: CoreV1.Service) {
        let key = "\(service.metadata.namespace ?? "")/\(service.metadata.name ?? "")"
        guard services[key] != service else { return }
        services[key] = service
        refreshBackends(ofService: key)
    }

    public func removeService(key: String) {
        guard services.removeValue(forKey: key) != nil else { return }
        refreshBackends(ofService: key)
    }

    public func setSlice(_ slice: DiscoveryV1.EndpointSlice) {
        let sliceKey = "\(slice.metadata.namespace ?? "")/\(slice.metadata.name ?? "")"
        let owner = IngressBackendResolver.serviceKey(of: slice)
        if let old = sliceOwner[sliceKey], old != owner { dropSlice(sliceKey, from: old) }
        guard let owner else { return }
        if slices[owner]?[slice.metadata.name ?? ""] == slice { return }
        sliceOwner[sliceKey] = owner
        slices[owner, default: [:]][slice.metadata.name ?? ""] = slice
        refreshBackends(ofService: owner)
    }

    public func removeSlice(_ slice: DiscoveryV1.EndpointSlice) {
        let sliceKey = "\(slice.metadata.namespace ?? "")/\(slice.metadata.name ?? "")"
        guard let owner = sliceOwner[sliceKey] else { return }
        dropSlice(sliceKey, from: owner)
    }

    public func setSecret(_ secret: CoreV1.Secret) {
        let key = "\(secret.metadata.namespace ?? "")/\(secret.metadata.name ?? "")"
        secrets[key] = secret
        if isReferencedSecret(key) { certificatesDirty = true; schedulePublish() }
    }

    public func removeSecret(key: String) {
        guard secrets.removeValue(forKey: key) != nil else { return }
        parsedCertificates[key] = nil
        if isReferencedSecret(key) { certificatesDirty = true; schedulePublish() }
    }

    /// Keys of the Ingresses we serve now.
    public var ownedIngresses: Set<String> { Set(compiled.keys) }

    /// Publishes pending changes now instead of when the actor is next idle.
    public func flush() { publish() }

    // MARK: Bookkeeping

    private func dropSlice(_ sliceKey: String, from owner: String) {
        sliceOwner[sliceKey] = nil
        let name = String(sliceKey.split(separator: "/", maxSplits: 1).last ?? "")
        slices[owner]?[name] = nil
        if slices[owner]?.isEmpty == true { slices[owner] = nil }
        refreshBackends(ofService: owner)
    }

    private func reevaluateOwnership() {
        let fresh = IngressClassPolicy(classes: Array(classes.values))
        guard fresh != policy else { return }
        policy = fresh
        for key in Set(ingresses.keys).union(compiled.keys) { updateCompiled(key) }
    }

    /// Recompiles one Ingress (or drops it when it is gone or not ours) and keeps the backend
    /// reference counts in step.
    private func updateCompiled(_ key: String) {
        let fresh = ingresses[key].flatMap { policy.owns($0) ? CompiledIngress($0) : nil }
        let old = compiled[key]
        guard fresh != old else { return }
        compiled[key] = fresh
        let oldRefs = old?.backendRefs ?? [], newRefs = fresh?.backendRefs ?? []
        for ref in newRefs.subtracting(oldRefs) {
            refCounts[ref, default: 0] += 1
            if refCounts[ref] == 1 {
                refsByService[ref.serviceKey, default: []].insert(ref)
                backends[ref] = resolve(ref)
            }
        }
        for ref in oldRefs.subtracting(newRefs) {
            refCounts[ref, default: 1] -= 1
            if refCounts[ref] == 0 {
                refCounts[ref] = nil
                refsByService[ref.serviceKey]?.remove(ref)
                if refsByService[ref.serviceKey]?.isEmpty == true { refsByService[ref.serviceKey] = nil }
                backends[ref] = nil
            }
        }
        let oldHosts = Set(old?.hosts.map(\.host) ?? []), newHosts = Set(fresh?.hosts.map(\.host) ?? [])
        for host in oldHosts.subtracting(newHosts) {
            ingressesByHost[host]?.remove(key)
            if ingressesByHost[host]?.isEmpty == true { ingressesByHost[host] = nil }
        }
        for host in newHosts { ingressesByHost[host, default: []].insert(key) }
        for host in oldHosts.union(newHosts) { resortRules(of: host) }
        rulesDirty = true
        if old?.tls != fresh?.tls { certificatesDirty = true }
        schedulePublish()
    }

    /// Rebuilds the sorted rule list of one host from the Ingresses that name it.
    private func resortRules(of host: String) {
        var rules: [IngressPathRule] = []
        for key in ingressesByHost[host] ?? [] {
            for hostRules in compiled[key]?.hosts ?? [] where hostRules.host == host { rules += hostRules.paths }
        }
        rules.sort(by: IngressPathRule.precedes)
        if host.isEmpty {
            anyHost = rules
        } else if host.hasPrefix("*.") {
            wildcardHosts[String(host.dropFirst(2))] = rules.isEmpty ? nil : rules
        } else {
            exactHosts[host] = rules.isEmpty ? nil : rules
        }
    }

    /// The oldest Ingress's default backend.
    private func defaultBackend() -> (target: IngressTarget, ingress: String)? {
        var best: CompiledIngress?
        for ingress in compiled.values where ingress.defaultBackend != nil {
            if best.map({ ingress.age < $0.age }) ?? true { best = ingress }
        }
        return best.flatMap { b in b.defaultBackend.map { ($0, b.key) } }
    }

    private func refreshBackends(ofService serviceKey: String) {
        guard let refs = refsByService[serviceKey] else { return }
        for ref in refs {
            let state = resolve(ref)
            if backends[ref] != state {
                backends[ref] = state
                backendsDirty = true
            }
        }
        if backendsDirty { schedulePublish() }
    }

    private func resolve(_ ref: IngressBackendRef) -> IngressBackendState {
        IngressBackendResolver.resolve(ref, service: services[ref.serviceKey], slices: Array((slices[ref.serviceKey] ?? [:]).values))
    }

    private func isReferencedSecret(_ key: String) -> Bool {
        compiled.values.contains { $0.tls.contains { $0.secretKey == key } }
    }

    private func certificates() -> IngressCertificates {
        var parsed: [String: IngressCertificate] = [:]
        for ingress in compiled.values {
            for entry in ingress.tls where parsed[entry.secretKey] == nil {
                guard let secret = secrets[entry.secretKey] else {
                    logger.warning("ingress \(ingress.key): TLS secret \(entry.secretKey) does not exist (or is not of type kubernetes.io/tls)")
                    continue
                }
                let version = secret.metadata.resourceVersion ?? ""
                let result: Result<IngressCertificate, IngressCertificateError>
                if let cached = parsedCertificates[entry.secretKey], cached.version == version, !version.isEmpty {
                    result = cached.result
                } else {
                    result = Result { () throws(IngressCertificateError) in try IngressCertificate(secret: secret) }
                    parsedCertificates[entry.secretKey] = (version, result)
                    if case .failure(let e) = result { logger.warning("ingress \(ingress.key): \(e.message)") }
                }
                if case .success(let cert) = result { parsed[entry.secretKey] = cert }
            }
        }
        return IngressCertificates(ingresses: Array(compiled.values), secrets: parsed)
    }

    // MARK: Publishing

    /// Publishes after a short window, so that a burst of changes (an informer's first list,
    /// a rollout touching many slices) costs one new table rather than one per change.
    private func schedulePublish() {
        guard !publishScheduled else { return }
        publishScheduled = true
        Task {
            try? await Task.sleep(for: Self.coalescingWindow)
            self.publish()
        }
    }

    static let coalescingWindow: Duration = .milliseconds(5)

    private func publish() {
        publishScheduled = false
        guard rulesDirty || backendsDirty || certificatesDirty else { return }
        let certs = certificatesDirty ? certificates() : nil
        let routes: IngressRoutes
        if rulesDirty {
            routes = IngressRoutes(exactHosts: exactHosts, wildcardHosts: wildcardHosts, anyHost: anyHost,
                                   defaultBackend: defaultBackend(), backends: backends,
                                   certificates: certs ?? store.routes.certificates)
        } else {
            routes = store.routes.with(backends: backendsDirty ? backends : nil, certificates: certs)
        }
        rulesDirty = false
        backendsDirty = false
        certificatesDirty = false
        store.publish(routes)
    }
}
