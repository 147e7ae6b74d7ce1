import Foundation
import LatchkeyCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// POSTs to a URL at an address already checked (`OutboundPolicy`), so the connection goes where
/// the check looked and nowhere a second look-up of the name might lead. HTTPS names the URL's
/// host for SNI and verifies the certificate against it (against the address for a literal
/// address). Only the answer's status is read; a redirect is an answer, never followed.
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
    }

    /// The status of the answer to a POST of `body` to `url` at `address`.
    func post(_ url: URL, to address: IPAddress, headers: [(String, String)], body: Data) async throws -> Int {
        guard let host = url.host, let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw Failure.notHTTP
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let socket = try SocketAddress(ipAddress: address.description, port: port)
        let isLiteral = IPAddress.isLiteral(host)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Int.self)
        let tls = scheme == "https" ? self.tls : nil
        let bootstrap = ClientBootstrap(group: group).connectTimeout(timeout).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                if let tls {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: isLiteral ? nil : host))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(StatusReader(promise: promise))
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
        var fields = HTTPHeaders([("Host", url.port.map { "\(host):\($0)" } ?? host), ("Content-Length", String(body.count)), ("Connection", "close")])
        fields.add(contentsOf: headers)
        var target = url.path.isEmpty ? "/" : url.path
        if let query = url.query { target += "?" + query }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target, headers: fields)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    /// Completes with the status of the response head, then closes the connection.
    final class StatusReader: ChannelInboundHandler, @unchecked Sendable {
        // Used on its channel's event loop only.
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Int>

        init(promise: EventLoopPromise<Int>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                promise.succeed(Int(head.status.code))
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
