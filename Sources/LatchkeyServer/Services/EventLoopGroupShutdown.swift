import NIOCore
import NIOPosix
import ServiceLifecycle

/// Shuts down the event-loop group a node created for its connections, once everything else has
/// stopped: it is the first service, so the service group stops it last.
struct EventLoopGroupShutdown: Service {
    let group: MultiThreadedEventLoopGroup

    func run() async throws {
        // Until SIGTERM (or cancellation), then the group goes.
        try? await gracefulShutdown()
        try await group.shutdownGracefully()
    }
}
