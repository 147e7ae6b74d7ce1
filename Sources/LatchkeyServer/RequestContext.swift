import Foundation
import Hummingbird
import LatchkeyCore
import NIOCore

/// What a request carries through the routers: the caller's address, and once the API token
/// is checked, the seller.
public struct LatchkeyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    private let channel: any Channel
    public var seller: Seller?
    public var apiTokenID: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The client's address as a trusted proxy forwarded it (`ForwardedForMiddleware`).
    var forwardedClient: String?

    /// The client's IP address, for rate limits and the audit log: the peer's, or the one a
    /// trusted proxy forwarded. Read only when needed, as formatting it costs.
    public var remoteAddress: String? { forwardedClient ?? peerAddress }

    /// The address of the other end of the connection.
    var peerAddress: String? { channel.remoteAddress?.ipAddress }

    /// JSON bodies of the management API are small.
    public var maxUploadSize: Int { 256 * 1024 }

    public var responseEncoder: JSONEncoder { Self.encoder }

    /// ISO-8601 dates, URLs without escaped slashes, keys in a stable order.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The signed-in seller as the actor of a change; the auth middleware guarantees one.
    func actor() throws -> Actor {
        guard let seller else { throw APIError.unauthenticated }
        return Actor(seller: seller, sourceIP: remoteAddress)
    }
}
