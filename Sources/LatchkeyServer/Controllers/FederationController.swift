import Foundation
import Hummingbird
import LatchkeyCore

/// A tenant's identity providers and email domains, for operators
/// (`/api/v1/tenants/{tenantId}/identity-providers…`, `…/domains…`; docs/federation.md).
struct FederationController: SellerAPIRoutes {
    let federation: FederationDirectory
    /// Latchkey's issuer: the callback each provider must list is under it.
    let issuer: String

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.post("tenants/:tenantId/identity-providers", use: addProvider)
        group.get("tenants/:tenantId/identity-providers", use: listProviders)
        group.get("tenants/:tenantId/identity-providers/:providerId", use: showProvider)
        group.patch("tenants/:tenantId/identity-providers/:providerId", use: updateProvider)
        group.delete("tenants/:tenantId/identity-providers/:providerId", use: removeProvider)
        group.post("tenants/:tenantId/domains", use: addDomain)
        group.get("tenants/:tenantId/domains", use: listDomains)
        group.get("tenants/:tenantId/domains/:domain", use: showDomain)
        group.delete("tenants/:tenantId/domains/:domain", use: removeDomain)
    }

    func response(_ provider: IdentityProvider) -> IdentityProviderResponse {
        IdentityProviderResponse(provider, redirectURI: issuer + FederatedSignIn.callbackPath)
    }

    @Sendable func addProvider(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<IdentityProviderResponse> {
        let tenantID = try context.parameters.tenantID()
        let actor = try context.actor()
        let body = try await request.decodeJSON(IdentityProviderRequest.self, context: context)
        let provider = try await federation.addProvider(
            to: tenantID, issuer: body.issuer, clientID: body.clientId, clientSecret: body.clientSecret, scopes: body.scopes, claims: body.claims?.mapping,
            allowLinking: body.allowLinking, by: actor
        )
        return EditedResponse(
            status: .created, headers: [.location: "/api/v1/tenants/\(tenantID)/identity-providers/\(provider.id)"], response: response(provider)
        )
    }

    @Sendable func listProviders(_ request: Request, context: LatchkeyRequestContext) async throws -> IdentityProviderListResponse {
        let list = try await federation.providers(in: try context.parameters.tenantID(), for: try context.actor())
        return IdentityProviderListResponse(identityProviders: list.map(response))
    }

    @Sendable func showProvider(_ request: Request, context: LatchkeyRequestContext) async throws -> IdentityProviderResponse {
        response(try await federation.provider(try context.parameters.providerID(), in: try context.parameters.tenantID(), for: try context.actor()))
    }

    @Sendable func updateProvider(_ request: Request, context: LatchkeyRequestContext) async throws -> IdentityProviderResponse {
        let tenantID = try context.parameters.tenantID()
        let providerID = try context.parameters.providerID()
        let actor = try context.actor()
        _ = try await federation.provider(providerID, in: tenantID, for: actor)
        let body = try await request.decodeJSON(IdentityProviderRequest.self, context: context)
        return response(
            try await federation.updateProvider(
                providerID, in: tenantID, issuer: body.issuer, clientID: body.clientId, clientSecret: body.clientSecret, scopes: body.scopes,
                claims: body.claims?.mapping, allowLinking: body.allowLinking, by: actor
            )
        )
    }

    @Sendable func removeProvider(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await federation.removeProvider(try context.parameters.providerID(), in: try context.parameters.tenantID(), by: try context.actor())
        return .noContent
    }

    @Sendable func addDomain(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<DomainResponse> {
        let tenantID = try context.parameters.tenantID()
        let actor = try context.actor()
        let body = try await request.decodeJSON(DomainRequest.self, context: context)
        let domain = try await federation.addDomain(body.domain, to: tenantID, by: actor)
        return EditedResponse(status: .created, headers: [.location: "/api/v1/tenants/\(tenantID)/domains/\(domain.domain)"], response: DomainResponse(domain))
    }

    @Sendable func listDomains(_ request: Request, context: LatchkeyRequestContext) async throws -> DomainListResponse {
        DomainListResponse(domains: try await federation.domains(in: try context.parameters.tenantID(), for: try context.actor()).map(DomainResponse.init))
    }

    @Sendable func showDomain(_ request: Request, context: LatchkeyRequestContext) async throws -> DomainResponse {
        let name = (context.parameters.get("domain") ?? "").lowercased()
        guard let found = try await federation.domains(in: try context.parameters.tenantID(), for: try context.actor()).first(where: { $0.domain == name }) else {
            throw DomainError.notFound("domain")
        }
        return DomainResponse(found)
    }

    @Sendable func removeDomain(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await federation.removeDomain(context.parameters.get("domain") ?? "", from: try context.parameters.tenantID(), by: try context.actor())
        return .noContent
    }
}

struct ClaimMappingRequest: Codable, Sendable {
    var email: String?
    var name: String?
    var adminClaim: String?
    var adminValue: String?

    var mapping: ClaimMapping {
        ClaimMapping(email: email ?? "email", name: name ?? "name", adminClaim: adminClaim, adminValue: adminValue)
    }
}

struct IdentityProviderRequest: Decodable {
    var issuer: String?
    var clientId: String?
    var clientSecret: String?
    var scopes: [String]?
    /// Replaces the whole mapping: a claim left out takes its default.
    var claims: ClaimMappingRequest?
    var allowLinking: Bool?
}

/// A provider as the API shows it: never its secret.
struct IdentityProviderResponse: ResponseEncodable {
    let id: String
    let tenantId: String
    let issuer: String
    let clientId: String
    let scopes: [String]
    let claims: ClaimMappingRequest
    let allowLinking: Bool
    /// The callback URL to register for Latchkey's client at the provider.
    let redirectUri: String
    let createdAt: Date

    init(_ provider: IdentityProvider, redirectURI: String) {
        id = provider.id
        tenantId = provider.tenantID
        issuer = provider.issuer
        clientId = provider.clientID
        scopes = provider.scopes
        claims = ClaimMappingRequest(email: provider.claims.email, name: provider.claims.name, adminClaim: provider.claims.adminClaim, adminValue: provider.claims.adminValue)
        allowLinking = provider.allowLinking
        redirectUri = redirectURI
        createdAt = provider.createdAt
    }
}

struct IdentityProviderListResponse: ResponseEncodable {
    let identityProviders: [IdentityProviderResponse]
}

struct DomainRequest: Decodable {
    var domain: String?
}

struct DomainResponse: ResponseEncodable {
    let domain: String
    let tenantId: String
    let verified: Bool
    let verifiedAt: Date

    init(_ domain: TenantDomain) {
        self.domain = domain.domain
        tenantId = domain.tenantID
        verified = true
        verifiedAt = domain.verifiedAt
    }
}

struct DomainListResponse: ResponseEncodable {
    let domains: [DomainResponse]
}
