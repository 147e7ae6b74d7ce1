// The seed's example app: a trip planner that, when a user of the platform opens it, shows
// their calendar's trips — read through the platform's calendar API on the user's behalf.
//
//   TRIP_CLIENT_ID=… TRIP_CLIENT_SECRETS=primary[,secondary] swift run TripCalendar   (listens on 127.0.0.1:8091)
//
// The app is registered with app domain localhost:8091 and redirect URL
// http://localhost:8091/launch. Latchkey posts the launch there; the app validates the context
// token with LatchkeyAppKit (trying each configured secret, so rotating them never breaks a
// launch), exchanges its refresh token for a user+app token for the site it was opened from
// (SPHostUrl), and reads /me/events there. Opened directly, it asks Latchkey for a fresh
// launch at /_layouts/15/AppRedirect.aspx, as apps of the seed's system do.
//
// Environment: TRIP_PORT (8091), TRIP_HOST (localhost:8091, the app's authority as registered),
// LATCHKEY_ISSUER (http://127.0.0.1:8080).
import Foundation
import Hummingbird
import LatchkeyAppKit

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let environment = ProcessInfo.processInfo.environment
let port = Int(environment["TRIP_PORT"] ?? "") ?? 8091
let host = environment["TRIP_HOST"] ?? "localhost:\(port)"
let issuer = environment["LATCHKEY_ISSUER"] ?? "http://127.0.0.1:8080"
guard let clientID = environment["TRIP_CLIENT_ID"], let secretList = environment["TRIP_CLIENT_SECRETS"] else {
    FileHandle.standardError.write(Data("Set TRIP_CLIENT_ID and TRIP_CLIENT_SECRETS (the Client ID's secrets, primary first, comma-separated).\n".utf8))
    exit(64)
}
let secrets = secretList.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
let validator = try await ContextTokenValidator(clientID: clientID, secrets: secrets)
let tokenService = TokenServiceClient(clientID: clientID, clientSecret: secrets[0])

struct Trip: Decodable {
    let title: String
    let start: String
    let end: String
}

struct Trips: Decodable {
    let events: [Trip]
}

@Sendable func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;")
}

@Sendable func page(_ title: String, _ body: String, status: HTTPResponse.Status = .ok) -> Response {
    let html = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Trip Calendar</title></head>
        <body><main><h1>\(escape(title))</h1>\(body)</main></body></html>
        """
    return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: html)))
}

/// The form fields of a launch (application/x-www-form-urlencoded).
@Sendable func fields(of body: ByteBuffer) -> [String: String] {
    var found: [String: String] = [:]
    for pair in String(buffer: body).split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
        }
        found[parts[0]] = parts.count > 1 ? parts[1] : ""
    }
    return found
}

let router = Router()
router.get("healthz") { _, _ in "ok" }

// Opened without a launch: ask the platform for one, as the VS template's SharePointContext does.
let appRedirect: String = {
    var components = URLComponents(string: "\(issuer)/_layouts/15/AppRedirect.aspx") ?? URLComponents()
    components.queryItems = [URLQueryItem(name: "client_id", value: clientID), URLQueryItem(name: "redirect_uri", value: "http://\(host)/launch")]
    return components.string ?? issuer
}()
router.get("launch") { _, _ -> Response in
    .redirect(to: appRedirect, type: .found)
}

router.post("launch") { request, context -> Response in
    let form = fields(of: try await request.body.collect(upTo: 64 * 1024))
    guard let appToken = form["SPAppToken"], !appToken.isEmpty else {
        return page("No launch", "<p>Open Trip Calendar from your apps page on the platform.</p>", status: .badRequest)
    }
    let token: ContextToken
    do {
        token = try await validator.validate(appToken, host: host)
    } catch {
        return page("Launch refused", "<p>\(escape(String(describing: error)))</p>", status: .unauthorized)
    }
    guard let siteURL = request.uri.queryParameters.get("SPHostUrl"), let site = URLComponents(string: siteURL), let siteHost = site.host,
        let events = URL(string: siteURL + "/me/events")
    else {
        return page("No site", "<p>The launch did not say which site it came from (SPHostUrl).</p>", status: .badRequest)
    }
    let authority = siteHost + (site.port.map { ":\($0)" } ?? "")
    do {
        let access = try await tokenService.userAccessToken(for: token, resourceHost: authority)
        var call = URLRequest(url: events)
        call.setValue("Bearer \(access.value)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: call)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            return page("Calendar unavailable", "<p>The calendar API answered \((response as? HTTPURLResponse)?.statusCode ?? 0).</p>", status: .badGateway)
        }
        let trips = try JSONDecoder().decode(Trips.self, from: data).events
        let rows = trips.map { "<li><strong>\(escape($0.title))</strong> <time>\(escape($0.start))</time> – <time>\(escape($0.end))</time></li>" }
        let siteTitle = escape(form["SPSiteTitle"] ?? "")
        return page(
            "Your trips", "<p>In \(siteTitle). Signed with secret \(token.secretIndex + 1) of \(secrets.count).</p><ul class=\"trips\">\(rows.joined())</ul>"
        )
    } catch {
        return page("Calendar unavailable", "<p>\(escape(String(describing: error)))</p>", status: .badGateway)
    }
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "trip-calendar"))
try await app.runService()
