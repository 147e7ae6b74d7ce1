import Foundation
import Hummingbird

/// The OpenAPI 3.1 description of the management API: `Resources/openapi.json`, served as is at
/// `/api/v1/openapi.json`. A test sends a request to every operation it lists and checks the
/// route exists and answers a documented status.
struct OpenAPIDocument: Sendable {
    let text: ByteBuffer

    static func load() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil)?.appendingPathComponent("openapi.json") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return OpenAPIDocument(text: ByteBuffer(bytes: try Data(contentsOf: url)))
    }

    var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"], body: .init(byteBuffer: text))
    }
}
