import Foundation
import JWTKit
import LatchkeyWire

/// An RFC 9068 JWT access token's claims (§2.2). Times are NumericDate seconds.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: String
    /// The user, or for an app-only token the client itself.
    public var sub: String
    public var aud: String
    public var exp: Int
    public var iat: Int
    public var jti: String
    public var clientID: String
    /// The tenant (realm) the token is for.
    public var tid: String?
    /// Delegated permissions, space-separated (RFC 9068 §2.2.3 `scope`; named `scp` as the
    /// platform's APIs read it).
    public var scp: String?
    /// App-only permissions (RFC 9068 §2.2.3.1).
    public var roles: [String]?
    /// The id (not the value) of the client secret the token was obtained with: deleting that
    /// secret ends the token. Absent for public clients.
    public var secretID: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, tid, scp, roles
        case clientID = "client_id"
        case secretID = "client_secret_id"
    }

    public init(
        iss: String, sub: String, aud: String, exp: Int, iat: Int, jti: String, clientID: String,
        tid: String? = nil, scp: String? = nil, roles: [String]? = nil
    ) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.jti = jti
        self.clientID = clientID
        self.tid = tid
        self.scp = scp
        self.roles = roles
    }

    /// True for a token an app holds for itself (client credentials).
    public var isAppOnly: Bool { roles != nil }

    public var scopes: [String] { scp?.split(separator: " ").map(String.init) ?? [] }

    /// Lifetime is checked by the caller against its injected clock.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// The claims as JSON, members in lexical order.
    var jsonText: String {
        var members: [(String, JSONText.Value)] = [
            ("aud", .string(aud)), ("client_id", .token(clientID)),
        ]
        if let secretID { members.append(("client_secret_id", .token(secretID))) }
        members += [("exp", .integer(exp)), ("iat", .integer(iat)), ("iss", .string(iss)), ("jti", .token(jti))]
        if let roles { members.append(("roles", .strings(roles))) }
        if let scp { members.append(("scp", .string(scp))) }
        members.append(("sub", .token(sub)))
        if let tid { members.append(("tid", .token(tid))) }
        return JSONText.object(members)
    }
}

/// An OpenID Connect ID token's claims (Core §2), with the profile claims the user consented to.
public struct IDTokenClaims: JWTPayload, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int
    public var iat: Int
    public var authTime: Int
    public var nonce: String?
    public var tid: String
    public var email: String?
    public var name: String?
    /// The tenant's provider the user signed in through (its issuer); absent for a password.
    public var idp: String?
    /// How the user signed in (RFC 8176): `pwd` for Latchkey's password, else as the provider said.
    public var amr: [String]?
    /// The sign-in session (Back-Channel Logout §2.1): a logout token names it.
    public var sid: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, tid, email, name, idp, amr, sid
        case authTime = "auth_time"
    }

    public init(iss: String, sub: String, aud: String, exp: Int, iat: Int, authTime: Int, nonce: String?, tid: String, email: String?, name: String?) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.authTime = authTime
        self.nonce = nonce
        self.tid = tid
        self.email = email
        self.name = name
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    var jsonText: String {
        var members: [(String, JSONText.Value)] = []
        if let amr { members.append(("amr", .strings(amr))) }
        members += [("aud", .string(aud)), ("auth_time", .integer(authTime))]
        if let email { members.append(("email", .string(email))) }
        members += [("exp", .integer(exp)), ("iat", .integer(iat))]
        if let idp { members.append(("idp", .string(idp))) }
        members.append(("iss", .string(iss)))
        if let name { members.append(("name", .string(name))) }
        if let nonce { members.append(("nonce", .string(nonce))) }
        if let sid { members.append(("sid", .string(sid))) }
        members += [("sub", .string(sub)), ("tid", .string(tid))]
        return JSONText.object(members)
    }
}

/// An OpenID Connect Back-Channel Logout 1.0 logout token's claims (§2.4): no `nonce`, the
/// logout event, and the user and session that ended.
public struct LogoutTokenClaims: Sendable, Equatable, Decodable {
    public var iss: String
    public var aud: String
    public var iat: Int
    public var exp: Int
    public var jti: String
    public var sub: String
    public var sid: String?
    public var tid: String

    public static let event = "http://schemas.openid.net/event/backchannel-logout"

    public init(iss: String, aud: String, iat: Int, exp: Int, jti: String, sub: String, sid: String?, tid: String) {
        self.iss = iss
        self.aud = aud
        self.iat = iat
        self.exp = exp
        self.jti = jti
        self.sub = sub
        self.sid = sid
        self.tid = tid
    }

    var jsonText: String {
        var members: [(String, JSONText.Value)] = [
            ("aud", .string(aud)), ("events", .raw("{\"\(Self.event)\":{}}")), ("exp", .integer(exp)), ("iat", .integer(iat)), ("iss", .string(iss)),
            ("jti", .token(jti)),
        ]
        if let sid { members.append(("sid", .string(sid))) }
        members += [("sub", .string(sub)), ("tid", .string(tid))]
        return JSONText.object(members)
    }
}
