import Crypto
import Foundation
import HTTPTypes
import Testing

/// A user agent for the pages: keeps the session cookie, reads the CSRF token from the forms,
/// and posts them as a plain HTML browser would (no JavaScript).
final class BrowserSession: @unchecked Sendable {
    // Used by one test task at a time, never concurrently.
    let api: API
    var cookie: String?

    init(api: API, cookie: String? = nil) {
        self.api = api
        self.cookie = cookie
    }

    func get(_ path: String) async throws -> Reply {
        try await send(.get, path, body: nil)
    }

    func post(_ path: String, _ fields: [(String, String)]) async throws -> Reply {
        let body = fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return try await send(.post, path, body: body)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: String?) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let reply = try await api.send(method, path, body: body, headers: headers)
        if let setCookie = reply.headers[.setCookie], let pair = setCookie.split(separator: ";").first {
            cookie = String(pair)
        }
        return reply
    }

    /// Signs in on Latchkey's page, following the redirect back.
    func signIn(email: String, password: String, returnTo: String = "/account") async throws -> Reply {
        let page = try await get("/signin?return=" + Self.encode(returnTo))
        return try await post("/signin", [("_csrf", Self.csrf(in: page.body)), ("return", returnTo), ("email", email), ("password", password)])
    }

    /// The hidden fields of the first form posting to `action`, `_csrf` included.
    static func hiddenFields(in html: String, action: String) -> [(String, String)] {
        guard let start = html.range(of: "action=\"\(action)\"") else { return [] }
        let form = html[start.upperBound...].prefix { _ in true }
        let end = form.range(of: "</form>")?.lowerBound ?? form.endIndex
        var fields: [(String, String)] = []
        let pattern = /<input type="hidden" name="([^"]+)" value="([^"]*)">/
        for match in form[..<end].matches(of: pattern) {
            fields.append((unescape(String(match.1)), unescape(String(match.2))))
        }
        return fields
    }

    static func csrf(in html: String) -> String {
        (html.firstMatch(of: /name="_csrf" value="([^"]+)"/)?.1).map { unescape(String($0)) } ?? ""
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#x3D;", with: "=").replacingOccurrences(of: "&#x2F;", with: "/")
            .replacingOccurrences(of: "&#x60;", with: "`").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? text
    }
}

/// A redirect's query parameters.
func queryItems(_ location: String?) -> [String: String] {
    guard let location, let components = URLComponents(string: location) else { return [:] }
    return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
}

/// RFC 7636: a verifier and its S256 challenge.
struct PKCE {
    let verifier: String
    let challenge: String

    init() {
        verifier = (0..<4).map { _ in UUID().uuidString.replacingOccurrences(of: "-", with: "") }.joined().lowercased()
        challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
