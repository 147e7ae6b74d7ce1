import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension URLSession {
    /// `data(for:)` that a cancelled Swift task cannot hang or crash.
    ///
    /// On Linux, cancelling a `URLSessionTask` races the session's own queue. Foundation's async
    /// `data(for:)` cancels it from inside the Swift task's cancellation, holding the task's
    /// status lock, while the session's queue may be resuming that task, which needs the lock:
    /// both wait for ever (seen as a test run that never ended). And a `cancel()` that meets the
    /// task's completion stops the process ("Trying to access a behaviour for a task that in not
    /// in the registry"). So the data task is never cancelled here: a cancelled caller gets
    /// `CancellationError` at once, and the abandoned request runs out in the background (its
    /// answer or the session's timeout), unread.
    public func cancellableData(for request: URLRequest) async throws -> (Data, URLResponse) {
        let pending = PendingRequest()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard pending.wait(with: continuation) else { return }
                dataTask(with: request) { data, response, error in
                    if let error {
                        pending.finish(.failure(error))
                    } else if let response {
                        pending.finish(.success((data ?? Data(), response)))
                    } else {
                        pending.finish(.failure(URLError(.badServerResponse)))
                    }
                }.resume()
            }
        } onCancel: {
            // Not under the cancelling thread's lock: resuming the task needs it.
            DispatchQueue.global().async { pending.finish(.failure(CancellationError())) }
        }
    }
}

/// The caller's continuation, resumed once: by the answer or by the cancellation, whichever
/// comes first.
private final class PendingRequest: @unchecked Sendable {
    typealias Outcome = Result<(Data, URLResponse), any Error>
    private let lock = NSLock()
    private var continuation: CheckedContinuation<(Data, URLResponse), any Error>?
    private var outcome: Outcome?

    /// Keeps the continuation; `false` (the continuation already resumed) when the outcome came
    /// first, which only a cancellation can.
    func wait(with continuation: CheckedContinuation<(Data, URLResponse), any Error>) -> Bool {
        let early: Outcome? = lock.withLock {
            if let outcome { return outcome }
            self.continuation = continuation
            return nil
        }
        guard let early else { return true }
        continuation.resume(with: early)
        return false
    }

    func finish(_ result: Outcome) {
        let waiting: CheckedContinuation<(Data, URLResponse), any Error>? = lock.withLock {
            guard outcome == nil else { return nil }
            outcome = result
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }
}
