import LatchkeyStorage
import ServiceLifecycle

/// A service whose database work is background work (`BackgroundWork`): batches of last-used
/// writes, sweeps of expired rows, deliveries' bookkeeping. On SQLite its statements then run on
/// a thread of the pool, not on an event loop whose requests would wait for them.
struct InBackground: Service, CustomStringConvertible {
    let service: any Service

    init(_ service: any Service) {
        self.service = service
    }

    func run() async throws {
        try await BackgroundWork.run { try await service.run() }
    }

    var description: String { String(describing: service) }
}
