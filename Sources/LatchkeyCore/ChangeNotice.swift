import Foundation

/// What one committed write changed, in the terms of what nodes keep in memory. Stores send one
/// inside the writing transaction; every node (the writer included) drops exactly the entries a
/// notice names. The text form travels between nodes (PostgreSQL NOTIFY payload, SQLite table).
public enum ChangeNotice: Hashable, Sendable {
    /// A Client ID's secrets, redirect URL, domain or existence.
    case client(ClientID)
    /// An app's listing, status or Client ID.
    case app(id: String)
    /// A consent or installation: for one user, or tenant-wide when `userID` is nil.
    case grant(appID: String, tenantID: String, userID: String?)
    /// A platform user (deleted, with their consents).
    case user(id: String)
    /// A browser session (written or removed).
    case session(key: String)
    /// Signing keys were added or retired.
    case signingKeys
    /// An access token was revoked by its `jti`.
    case accessTokenRevoked(id: String)
    /// A revocation rule was published (resource servers waiting on the feed are woken).
    case revocation
    /// Anything may have changed: a node that may have missed notices drops what it holds.
    case everything

    public var text: String {
        switch self {
        case .client(let id): "client:\(id.rawValue)"
        case .app(let id): "app:\(id)"
        case .grant(let appID, let tenantID, let userID): "grant:\(appID):\(tenantID):\(userID ?? "")"
        case .user(let id): "user:\(id)"
        case .session(let key): "session:\(key)"
        case .signingKeys: "keys"
        case .accessTokenRevoked(let id): "jti:\(id)"
        case .revocation: "revocation"
        case .everything: "everything"
        }
    }

    /// Reads `text`; `nil` for anything else (a newer node's notice is then ignored, not misread).
    public init?(text: some StringProtocol) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let argument = parts.count == 2 ? String(parts[1]) : nil
        switch (parts[0], argument) {
        case ("client", let id?):
            guard let clientID = ClientID(id) else { return nil }
            self = .client(clientID)
        case ("app", let id?) where !id.isEmpty: self = .app(id: id)
        case ("grant", let rest?):
            let ids = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard ids.count == 3, !ids[0].isEmpty, !ids[1].isEmpty else { return nil }
            self = .grant(appID: ids[0], tenantID: ids[1], userID: ids[2].isEmpty ? nil : ids[2])
        case ("user", let id?) where !id.isEmpty: self = .user(id: id)
        case ("session", let key?) where !key.isEmpty: self = .session(key: key)
        case ("keys", nil): self = .signingKeys
        case ("jti", let id?) where !id.isEmpty: self = .accessTokenRevoked(id: id)
        case ("revocation", nil): self = .revocation
        case ("everything", nil): self = .everything
        default: return nil
        }
    }
}
