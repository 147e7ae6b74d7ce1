import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import LatchkeyHTTP
import Synchronization
import Testing

/// Every outgoing request (events and notices, the kits' token and revocation calls) can be
/// cancelled at any moment — at shutdown, or when a long poll is given up — and ends.
@Suite("Cancelled requests end")
struct CancellationTests {
    /// Foundation's own `data(for:)` hung this loop within a minute on Linux (its cancellation
    /// and the session's queue wait for each other), and cancelling the data task from another
    /// queue stopped the process when the cancel met the answer; `cancellableData` runs it in
    /// seconds. A hang stops every thread of Swift's pool, so the watchdog is a thread of its
    /// own: past two minutes it ends the run with a message rather than leave CI waiting.
    @Test func requestsCancelledAtAnyMomentEnd() async throws {
        let done = Atomic<Bool>(false)
        let watchdog = Thread {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if done.load(ordering: .acquiring) { return }
                Thread.sleep(forTimeInterval: 0.5)
            }
            fatalError("a cancelled URLSession request never ended: the session and the task's cancellation wait for each other")
        }
        watchdog.start()
        defer { done.store(true, ordering: .releasing) }

        let router = Router()
        router.get("answer") { _, _ in "hello" }
        try await Application(router: router).test(.live) { client in
            let request = URLRequest(url: URL(string: "http://127.0.0.1:\(try #require(client.port))/answer")!)
            let session = URLSession(configuration: .ephemeral)
            var answered = 0
            var cancelled = 0
            for _ in 0..<1_500 {
                let task = Task { try await session.cancellableData(for: request) }
                try await Task.sleep(for: .microseconds(Int.random(in: 0...3_000)))
                task.cancel()
                switch await task.result {
                case .success(let (data, _)):
                    #expect(String(decoding: data, as: UTF8.self) == "hello")
                    answered += 1
                case .failure:
                    cancelled += 1
                }
            }
            // Both ends of the race were reached: some requests finished first, some were cut.
            #expect(answered > 0 && cancelled > 0, "answered \(answered), cancelled \(cancelled)")
        }
    }
}
