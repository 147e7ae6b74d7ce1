import Foundation
import JWTKit
import LatchkeyCore
import LatchkeyWire

/// A claim's value as JSON gave it.
public enum ClaimValue: Sendable, Equatable, Decodable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ClaimValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ClaimValue].self))
        }
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var strings: [String]? {
        if case .array(let values) = self { return values.compactMap(\.string) }
        return nil
    }
}

/// An ID token's payload, every claim kept: which ones matter depends on the provider's mapping.
public struct UpstreamClaims: JWTPayload, Equatable {
    public let values: [String: ClaimValue]

    public init(values: [String: ClaimValue]) {
        self.values = values
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "upstream claims are only read"))
    }

    /// The rules are `UpstreamIDTokenRules`', which name what failed.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    public subscript(_ name: String) -> ClaimValue? { values[name] }
}

/// Why a provider's ID token is not accepted; `reason` goes to the tenant's audit log.
public struct UpstreamTokenRefusal: Error, Sendable, Equatable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}

/// OpenID Connect Core §3.1.3.7: what an ID token from a tenant's provider must say before
/// Latchkey believes it. The signature is checked before (`UpstreamKeys`).
public struct UpstreamIDTokenRules: Sendable {
    public let issuer: String
    public let clientID: String
    public let nonce: String
    public let now: Date
    public let mapping: ClaimMapping
    /// Clock difference tolerated on `exp` and `iat`.
    public var leeway: TimeInterval = 60

    public init(issuer: String, clientID: String, nonce: String, now: Date, mapping: ClaimMapping) {
        self.issuer = issuer
        self.clientID = clientID
        self.nonce = nonce
        self.now = now
        self.mapping = mapping
    }

    public func identity(from claims: UpstreamClaims) throws(UpstreamTokenRefusal) -> UpstreamIdentity {
        guard claims["iss"]?.string == issuer else {
            throw UpstreamTokenRefusal("the ID token's iss is \(claims["iss"]?.string.map { "\"\($0)\"" } ?? "missing"), not the provider's issuer")
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let one): audiences = [one]
        case .array(let many): audiences = many.compactMap(\.string)
        default: audiences = []
        }
        guard audiences.contains(clientID) else { throw UpstreamTokenRefusal("the ID token's aud does not name Latchkey's client id") }
        if let azp = claims["azp"] {
            guard azp.string == clientID else { throw UpstreamTokenRefusal("the ID token's azp names another client") }
        } else if audiences.count > 1 {
            throw UpstreamTokenRefusal("the ID token names several audiences and no azp")
        }
        guard let exp = claims["exp"]?.number else { throw UpstreamTokenRefusal("the ID token has no exp") }
        guard exp + leeway > now.timeIntervalSince1970 else { throw UpstreamTokenRefusal("the ID token has expired") }
        guard let iat = claims["iat"]?.number else { throw UpstreamTokenRefusal("the ID token has no iat") }
        guard iat - leeway <= now.timeIntervalSince1970 else { throw UpstreamTokenRefusal("the ID token's iat is in the future") }
        guard let sent = claims["nonce"]?.string else { throw UpstreamTokenRefusal("the ID token has no nonce") }
        guard SecretDigest(of: sent).constantTimeEquals(SecretDigest(of: nonce)) else { throw UpstreamTokenRefusal("the ID token's nonce is not the one this sign-in sent") }
        guard let subject = claims["sub"]?.string, !subject.isEmpty, subject.utf8.count <= 255 else {
            throw UpstreamTokenRefusal("the ID token has no usable sub")
        }
        let verified: Bool
        switch claims["email_verified"] {
        case .bool(let value): verified = value
        case .string(let text): verified = text == "true"
        default: verified = false
        }
        var isAdmin = false
        if let claim = mapping.adminClaim, let value = mapping.adminValue {
            switch claims[claim] {
            case .string(let text): isAdmin = text == value
            case .array(let values): isAdmin = values.contains(.string(value))
            default: isAdmin = false
            }
        }
        // Some providers write 0 for "not said".
        let authTime = claims["auth_time"]?.number.flatMap { $0 > 0 ? Date(timeIntervalSince1970: $0) : nil }
        return UpstreamIdentity(
            subject: subject, email: claims[mapping.email]?.string, emailVerified: verified, name: claims[mapping.name]?.string, isAdmin: isAdmin,
            authTime: authTime, methods: claims["amr"]?.strings ?? []
        )
    }
}

/// A provider's JWK Set, as JWTKit reads it, with the key ids it holds (JWTKit falls back to
/// its first key for an id it does not know, which would hide a rotation).
public struct UpstreamKeys: Sendable {
    public let collection: JWTKeyCollection
    public let keyIDs: Set<String>

    public init(jwksJSON: Data) async throws {
        let set = try JSONDecoder().decode(JWKS.self, from: jwksJSON)
        // Keys for signing only; a key without an id cannot be chosen by a token's header.
        let usable = set.keys.filter { $0.keyIdentifier != nil }
        collection = try await JWTKeyCollection().add(jwks: JWKS(keys: usable))
        keyIDs = Set(usable.compactMap { $0.keyIdentifier?.string })
    }

    /// The `kid` a compact JWS names in its header, when it names one.
    public static func keyID(of token: String) -> String? {
        guard var header = token.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init),
            let data = header.withUTF8({ Base64URL.decode(UnsafeRawBufferPointer($0)) }),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }

    /// The claims, once the signature verifies under the key the header names.
    public func verify(_ token: String) async throws(UpstreamTokenRefusal) -> UpstreamClaims {
        do {
            return try await collection.verify(token, as: UpstreamClaims.self)
        } catch {
            throw UpstreamTokenRefusal("the ID token's signature does not verify under the provider's keys")
        }
    }
}
