import Foundation
import LatchkeyCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Sends a request to a URL at an address already checked (`OutboundPolicy`), so the connection
/// goes where the check looked and nowhere a second look-up of the name might lead. HTTPS names
/// the URL's host for SNI and verifies the certificate against it (against the address for a
/// literal address). A redirect is an answer, never followed.
struct PinnedHTTPClient: Sendable {
    let tls: NIOSSLContext
    let timeout: TimeAmount

    init(timeout: Duration) throws {
        tls = try NIOSSLContext(configuration: .makeClientConfiguration())
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    enum Failure: Error {
        case notHTTP
        case timedOut
        case closedBeforeAnswer
        case tooLarge
    }

    /// What came back: the status, and the body when it was asked for.
    struct Answer: Sendable {
        let status: Int
        let body: Data
    }

    /// The status of the answer to a POST of `body` to `url` at `address`; the body is not read.
    func post(_ url: URL, to address: IPAddress, headers: [(String, String)], body: Data) async throws -> Int {
        try await send(.POST, url, to: address, headers: headers, body: body, bodyLimit: nil).status
    }

    /// Sends the request; reads the answer's body up to `bodyLimit` bytes (more is `tooLarge`),
    /// or, when `nil`, only its status.
    func send(_ method: HTTPMethod, _ url: URL, to address: IPAddress, headers: [(String, String)], body: Data?, bodyLimit: Int?) async throws -> Answer {
        guard let host = url.host, let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw Failure.notHTTP
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let socket = try SocketAddress(ipAddress: address.description, port: port)
        let isLiteral = IPAddress.isLiteral(host)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Answer.self)
        let tls = scheme == "https" ? self.tls : nil
        let bootstrap = ClientBootstrap(group: group).connectTimeout(timeout).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tls {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: isLiteral ? nil : host))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(AnswerReader(promise: promise, bodyLimit: bodyLimit))
            }
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: socket).get()
        } catch {
            promise.fail(error)
            throw error
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        var fields = HTTPHeaders([("Host", url.port.map { "\(host):\($0)" } ?? host), ("Connection", "close")])
        if let body { fields.add(name: "Content-Length", value: String(body.count)) }
        fields.add(contentsOf: headers)
        var target = url.path.isEmpty ? "/" : url.path
        if let query = url.query { target += "?" + query }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: fields)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    /// Completes with the answer (at its head when no body is wanted, else at its end), then
    /// closes the connection.
    final class AnswerReader: ChannelInboundHandler, @unchecked Sendable {
        // Used on its channel's event loop only.
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Answer>
        let bodyLimit: Int?
        var status = 0
        var body = Data()

        init(promise: EventLoopPromise<Answer>, bodyLimit: Int?) {
            self.promise = promise
            self.bodyLimit = bodyLimit
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                status = Int(head.status.code)
                if bodyLimit == nil {
                    promise.succeed(Answer(status: status, body: Data()))
                    context.close(promise: nil)
                }
            case .body(let buffer):
                guard let bodyLimit else { return }
                guard body.count + buffer.readableBytes <= bodyLimit else {
                    promise.fail(Failure.tooLarge)
                    context.close(promise: nil)
                    return
                }
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                promise.succeed(Answer(status: status, body: body))
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure.closedBeforeAnswer)
        }
    }
}

extension IPAddress {
    /// Whether a URL's host is written as an address rather than a name.
    static func isLiteral(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
