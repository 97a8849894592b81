#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TugRuntime
import TugShimKit

extension ProcessIdentity {
    /// The identity a container's securityContext asks for, or nil when it asks for none. Without
    /// runAsGroup the group is the user's primary group on the node, else 0 (as runc does for a
    /// user missing from the image's passwd).
    static func from(_ security: SecurityConfig?) -> ProcessIdentity? {
        guard let security, security.runAsUser != nil || security.runAsGroup != nil || !security.supplementalGroups.isEmpty else { return nil }
        let uid = UInt32(truncatingIfNeeded: security.runAsUser ?? Int64(geteuid()))
        let gid = security.runAsGroup.map { UInt32(truncatingIfNeeded: $0) } ?? getpwuid(uid).map { $0.pointee.pw_gid } ?? 0
        return ProcessIdentity(uid: uid, gid: gid, groups: security.supplementalGroups.map { UInt32(truncatingIfNeeded: $0) })
    }
}
