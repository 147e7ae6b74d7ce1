import Foundation
import LatchkeyCore
import LatchkeyOAuth
import LatchkeyStorage
import Logging
import ServiceLifecycle

/// Runs the database's change feed: other nodes' notices reach this node's caches.
struct ChangeFollower: Service {
    let database: any DatabaseProvider

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            try await database.followChanges()
        }
    }
}
