import NIOCore
import NIOPosix
import ServiceLifecycle

/// Shuts down the event-loop group a node created for its connections, once everything else has
/// stopped: it is the first service, so the service group stops it last.
struct EventLoopGroupShutdown: Service {
    let group: MultiThreadedEventLoopGroup

    func run() async throws {
        // Until SIGTERM, then the group goes: every other service has stopped by then.
        try? await gracefulShutdown()
        // Cancelled instead (a shutdown that ran out of time, a test that failed): the server
        // may still be closing connections on these loops, and shutting them down under it is a
        // crash. The process or test is ending; its threads end with it.
        guard !Task.isCancelled else { return }
        try await group.shutdownGracefully()
    }
}
