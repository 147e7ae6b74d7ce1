import Hummingbird
import LatchkeyCore

/// The ids in route paths (`:clientId`, `:secretId`, `:appId`), read for the API and the
/// dashboard alike: anything that is not a GUID names nothing, so it is a 404.
extension Parameters {
    func clientID() throws(DomainError) -> ClientID {
        guard let id = ClientID(get("clientId") ?? "") else { throw .notFound("client") }
        return id
    }

    func secretID() throws(DomainError) -> String {
        try objectID("secretId", kind: "secret")
    }

    func tokenID() throws(DomainError) -> String {
        try objectID("tokenId", kind: "api token")
    }

    func appID() throws(DomainError) -> String {
        try objectID("appId", kind: "app")
    }

    func tenantID() throws(DomainError) -> String {
        try objectID("tenantId", kind: "tenant")
    }

    func userID() throws(DomainError) -> String {
        try objectID("userId", kind: "user")
    }

    func providerID() throws(DomainError) -> String {
        try objectID("providerId", kind: "identity provider")
    }

    private func objectID(_ name: String, kind: String) throws(DomainError) -> String {
        guard let id = ObjectID.canonical(get(name) ?? "") else { throw .notFound(kind) }
        return id
    }
}
