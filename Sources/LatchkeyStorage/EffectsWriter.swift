import Foundation
import LatchkeyCore
import SQLKit

extension SQLDatabase {
    /// Writes what a use case decided a change brings (`Effects`), inside the change's
    /// transaction: refresh tokens ended, apps back to review, revocation rules, audit entries
    /// and app events. Decides nothing.
    func write(_ effects: Effects) async throws {
        for scope in effects.endedRefreshTokens {
            try await SQLGrantStore.revokeRefreshTokens(at: effects.at, on: self) { query in
                var query = query
                if let clientID = scope.clientID { query = query.where("client_id", .equal, clientID.rawValue) }
                if let appID = scope.appID { query = query.where("app_id", .equal, appID) }
                if let tenantID = scope.tenantID { query = query.where("tenant_id", .equal, tenantID) }
                if let userID = scope.userID { query = query.where("user_id", .equal, userID) }
                return query
            }
        }
        for clientID in effects.appsToReview {
            try await returnAppsToReview(using: clientID)
        }
        for rule in effects.revocations { try await publish(rule) }
        for entry in effects.audit { try await record(entry) }
        for event in effects.events { try await enqueue(event) }
    }

    /// The apps in review or approved with the Client ID count the change (`AppListing.changedMaterially`).
    private func returnAppsToReview(using clientID: ClientID) async throws {
        let affected = try await select().column("*").from("apps").where("client_id", .equal, clientID.rawValue)
            .where("status", .in, [AppStatus.approved.rawValue, AppStatus.submitted.rawValue])
            .all(decoding: AppRow.self, with: rowDecoder).map(\.app)
        for var app in affected {
            app.changedMaterially()
            try await update("apps").set("status", to: app.status.rawValue).set("review_reason", to: app.reviewReason)
                .set("revision", to: app.revision).where("id", .equal, app.id).run()
            try await notify(.app(id: app.id))
        }
    }
}
