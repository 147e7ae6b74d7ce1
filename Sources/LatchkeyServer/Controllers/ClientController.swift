import Foundation
import Hummingbird
import LatchkeyCore

/// Client IDs and their secrets: `/api/v1/clients…` (docs/seed-model.md §1).
struct ClientController {
    let registry: ClientRegistry
    let clock: Clock

    func addRoutes(to group: RouterGroup<LatchkeyRequestContext>) {
        group.post("clients", use: create)
        group.get("clients", use: list)
        group.get("clients/:clientId", use: show)
        group.patch("clients/:clientId", use: update)
        group.delete("clients/:clientId", use: delete)
        group.post("clients/:clientId/secrets", use: addSecret)
        group.delete("clients/:clientId/secrets/:secretId", use: deleteSecret)
        group.put("clients/:clientId/signing-secret", use: setSigningSecret)
    }

    @Sendable func create(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<ClientResponse> {
        let body = try await request.decodeJSON(CreateClientRequest.self, context: context)
        let (client, secret) = try await registry.create(
            .init(friendlyName: body.friendlyName, appDomain: body.appDomain, redirectURL: body.redirectUrl, secretValidityYears: body.secretValidityYears, availability: body.availability,
                idTokenSignedResponseAlg: body.idTokenSignedResponseAlg, isPublic: body.publicClient, isResourceServer: body.resourceServer,
                isPKCEOptional: body.pkceOptional, postLogoutRedirectURIs: body.postLogoutRedirectUris, backchannelLogoutURI: body.backchannelLogoutUri),
            by: try context.actor()
        )
        return EditedResponse(
            status: .created, headers: [.cacheControl: "no-store", .location: "/api/v1/clients/\(client.id)"],
            response: ClientResponse(client, at: clock(), newSecret: secret)
        )
    }

    @Sendable func list(_ request: Request, context: LatchkeyRequestContext) async throws -> ClientListResponse {
        let now = clock()
        return ClientListResponse(clients: try await registry.clients(of: try context.actor().sellerID).map { ClientResponse($0, at: now) })
    }

    @Sendable func show(_ request: Request, context: LatchkeyRequestContext) async throws -> ClientResponse {
        ClientResponse(try await registry.client(try context.parameters.clientID(), of: try context.actor().sellerID), at: clock())
    }

    @Sendable func update(_ request: Request, context: LatchkeyRequestContext) async throws -> ClientResponse {
        let id = try context.parameters.clientID()
        let body = try await request.decodeJSON(UpdateClientRequest.self, context: context)
        let edit = ClientRegistry.ClientEdit(
            friendlyName: body.friendlyName, appDomain: body.appDomain, redirectURL: body.redirectUrl, idTokenSignedResponseAlg: body.idTokenSignedResponseAlg,
            isPublic: body.publicClient, isResourceServer: body.resourceServer, isPKCEOptional: body.pkceOptional,
            postLogoutRedirectURIs: body.postLogoutRedirectUris, backchannelLogoutURI: body.backchannelLogoutUri
        )
        let client = try await registry.update(id, edit, by: try context.actor())
        return ClientResponse(client, at: clock())
    }

    @Sendable func delete(_ request: Request, context: LatchkeyRequestContext) async throws -> HTTPResponse.Status {
        try await registry.delete(try context.parameters.clientID(), by: try context.actor())
        return .noContent
    }

    @Sendable func addSecret(_ request: Request, context: LatchkeyRequestContext) async throws -> EditedResponse<NewSecretResponse> {
        let id = try context.parameters.clientID()
        let body = try await request.decodeJSON(AddSecretRequest.self, context: context, bodyRequired: false)
        let (client, issued) = try await registry.addSecret(to: id, validityYears: body.validityYears, by: try context.actor())
        let now = clock()
        return EditedResponse(
            status: .created, headers: [.cacheControl: "no-store"],
            response: NewSecretResponse(issued, isSigning: client.signingSecret(at: now)?.id == issued.secret.id, at: now)
        )
    }

    @Sendable func deleteSecret(_ request: Request, context: LatchkeyRequestContext) async throws -> ClientResponse {
        let id = try context.parameters.clientID()
        return ClientResponse(try await registry.deleteSecret(try context.parameters.secretID(), of: id, by: try context.actor()), at: clock())
    }

    @Sendable func setSigningSecret(_ request: Request, context: LatchkeyRequestContext) async throws -> ClientResponse {
        let id = try context.parameters.clientID()
        let actor = try context.actor()
        // Whose the client is comes before what the body says: another seller learns nothing.
        _ = try await registry.client(id, of: actor.sellerID)
        let body = try await request.decodeJSON(SigningSecretRequest.self, context: context)
        guard let raw = body.secretId else {
            throw DomainError.invalid(field: "secretId", code: "required", message: "Name the secret that should sign: {\"secretId\": \"…\"}.")
        }
        guard let secretID = ObjectID.canonical(raw) else { throw DomainError.notFound("secret") }
        return ClientResponse(try await registry.makeSigningSecret(secretID, of: id, by: actor), at: clock())
    }
}
