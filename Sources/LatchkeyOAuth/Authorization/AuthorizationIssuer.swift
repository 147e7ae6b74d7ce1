import Foundation
import LatchkeyCore

/// Carries out what `AuthorizationDecision` answered `issue`: records the consent the user just
/// gave, then issues an authorization code (sign-in) or a context token (launch).
public struct AuthorizationIssuer: Sendable {
    let tenants: TenantDirectory
    let codes: AuthorizationCodeGrant
    let contextTokens: ContextTokenIssuer

    public init(tenants: TenantDirectory, codes: AuthorizationCodeGrant, contextTokens: ContextTokenIssuer) {
        self.tenants = tenants
        self.codes = codes
        self.contextTokens = contextTokens
    }

    /// The redirect that carries a new code for `request` back to the client.
    public func code(for grant: AuthorizationGrant, request: AuthorizationRequest, issuer: String, sourceIP: String?) async throws -> String {
        try await recordConsent(grant, sourceIP: sourceIP)
        let code = try await codes.issue(for: grant, request: request, sourceIP: sourceIP)
        return request.successRedirect(code: code, issuer: issuer)
    }

    /// A context token for the launch; throws `ContextTokenIssuer.Failure.noSigningSecret` when
    /// the Client ID has nothing to sign with.
    public func contextToken(for grant: AuthorizationGrant, sourceIP: String?) async throws -> String {
        try await recordConsent(grant, sourceIP: sourceIP)
        return try contextTokens.issue(client: grant.client, appID: grant.app.id, user: grant.user, scopes: grant.scopes, authTime: grant.authTime)
    }

    private func recordConsent(_ grant: AuthorizationGrant, sourceIP: String?) async throws {
        guard !grant.consenting.isEmpty else { return }
        try await tenants.consent(to: grant.app, permissions: grant.consenting, by: grant.user, forOrganization: grant.forOrganization, sourceIP: sourceIP)
    }
}
