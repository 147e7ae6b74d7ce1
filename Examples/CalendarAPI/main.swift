// The platform's calendar API, built on LatchkeyResourceKit: the seed's trip-calendar data,
// read and written by apps acting for a user with the permissions the user consented to.
//
//   LATCHKEY_ISSUER=http://127.0.0.1:8080 swift run CalendarAPI      (listens on 127.0.0.1:8090)
//
// Environment: CALENDAR_PORT (8090); CALENDAR_INTROSPECTION_CLIENT_ID and _SECRET, a Client ID
// allowed to introspect, to refuse revoked tokens at once instead of at their expiry;
// CALENDAR_REALM (a tenant's id) to also answer as that tenant's site at /sites/{name}, the way
// clients of the seed's system expect (realm discovery, /_api/contextinfo, /_api/web), with
// CALENDAR_SITE_TITLE as its title.
import Foundation
import Hummingbird
import LatchkeyResourceKit
import Synchronization

struct CalendarContext: AccessTokenRequestContext {
    var coreContext: CoreRequestContextStorage
    var accessToken: VerifiedAccessToken?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

struct Event: ResponseCodable, Sendable {
    let id: String
    let title: String
    let start: String
    let end: String
}

struct NewEvent: Decodable {
    let title: String?
    let start: String?
    let end: String?
}

/// Each user's events, in memory, keyed by tenant and user; a user starts with two sample trips.
final class Calendars: Sendable {
    private let events = Mutex<[String: [Event]]>([:])

    func events(of key: String) -> [Event] {
        events.withLock { all in
            if let found = all[key] { return found }
            let samples = [
                Event(id: UUID().uuidString.lowercased(), title: "Flight to Seattle", start: "2027-03-02T08:15:00Z", end: "2027-03-02T11:40:00Z"),
                Event(id: UUID().uuidString.lowercased(), title: "Hotel check-in, Pike Street", start: "2027-03-02T15:00:00Z", end: "2027-03-02T15:30:00Z"),
            ]
            all[key] = samples
            return samples
        }
    }

    func add(_ event: Event, to key: String) {
        _ = events(of: key)
        events.withLock { $0[key, default: []].append(event) }
    }
}

struct Listing: ResponseEncodable {
    let events: [Event]
}

struct Me: ResponseEncodable {
    let sub: String
    let tenantId: String?
    let clientId: String
    let scopes: [String]
}

let environment = ProcessInfo.processInfo.environment
let issuer = environment["LATCHKEY_ISSUER"] ?? "http://127.0.0.1:8080"
let port = Int(environment["CALENDAR_PORT"] ?? "") ?? 8090
var introspection: (clientID: String, clientSecret: String)?
if let id = environment["CALENDAR_INTROSPECTION_CLIENT_ID"], let secret = environment["CALENDAR_INTROSPECTION_CLIENT_SECRET"] {
    introspection = (id, secret)
}
let verifier = AccessTokenVerifier(configuration: .init(issuer: issuer, introspection: introspection))
let calendars = Calendars()

let router = Router(context: CalendarContext.self)
router.get("healthz") { _, _ in "ok" }
let api = router.group().add(middleware: BearerTokenMiddleware(verifier: verifier, realm: "calendar"))
api.get("me") { _, context -> Me in
    let token = try context.requireAny(of: "openid", "Calendars.Read", "Calendars.ReadWrite")
    return Me(sub: token.subject, tenantId: token.tenantID, clientId: token.clientID, scopes: token.scopes.sorted())
}
/// The user's own events: for a token an app holds for a user, not for itself.
@Sendable func ownEvents(_ request: Request, context: CalendarContext) throws -> Listing {
    let token = try context.requireAny(of: "Calendars.Read", "Calendars.ReadWrite")
    guard !token.isAppOnly else { throw BearerError.insufficientScope(["Calendars.Read"]) }
    return Listing(events: calendars.events(of: "\(token.tenantID ?? "")/\(token.subject)"))
}
api.get("me/events", use: ownEvents)
api.post("me/events") { request, context -> EditedResponse<Event> in
    let token = try context.requireAny(of: "Calendars.ReadWrite")
    guard !token.isAppOnly else { throw BearerError.insufficientScope(["Calendars.ReadWrite"]) }
    let input = try await request.decode(as: NewEvent.self, context: context)
    guard let title = input.title, !title.isEmpty, let start = input.start, let end = input.end else {
        throw HTTPError(.unprocessableContent, message: "An event needs title, start and end (ISO 8601).")
    }
    let event = Event(id: UUID().uuidString.lowercased(), title: title, start: start, end: end)
    calendars.add(event, to: "\(token.tenantID ?? "")/\(token.subject)")
    return EditedResponse(status: .created, response: event)
}

/// The tenant's site, for clients of the ACS profile (docs/acs-wire.md §10): realm discovery on
/// the site and on /_vti_bin/client.svc, a form digest, and the web's title for app-only tokens
/// whose audience is this host (with or without the port) in the tenant's realm.
struct SiteWeb: ResponseEncodable {
    struct Metadata: Encodable { let type: String }
    struct Body: Encodable {
        let __metadata: Metadata
        let Title: String
        let Url: String
    }
    let d: Body
}

struct ContextInfo: ResponseEncodable {
    struct Info: Encodable {
        let FormDigestValue: String
        let FormDigestTimeoutSeconds: Int
        let LibraryVersion: String
        let SiteFullUrl: String
        let WebFullUrl: String
    }
    struct Body: Encodable { let GetContextWebInformation: Info }
    let d: Body
}

if let realm = environment["CALENDAR_REALM"]?.lowercased() {
    let title = environment["CALENDAR_SITE_TITLE"] ?? "Trips"
    var site = AccessTokenVerifier.Configuration(issuer: issuer, introspection: introspection)
    site.additionalAudiences = [
        "00000003-0000-0ff1-ce00-000000000000/127.0.0.1@\(realm)", "00000003-0000-0ff1-ce00-000000000000/127.0.0.1:\(port)@\(realm)",
    ]
    let sites = router.group("sites/:site")
        .add(middleware: RealmChallengeMiddleware(realm: realm))
        .add(middleware: BearerTokenMiddleware(verifier: AccessTokenVerifier(configuration: site), realm: realm))
    let url: @Sendable (CalendarContext) -> String = { context in "http://127.0.0.1:\(port)/sites/\(context.parameters.get("site") ?? "")" }
    for path in ["", "_vti_bin/client.svc"] {
        for method in [HTTPRequest.Method.get, .head, .post] {
            sites.on(RouterPath(path), method: method) { _, context -> HTTPResponse.Status in
                guard context.accessToken?.tenantID == realm else { throw BearerError.insufficientScope(["a token of this realm"]) }
                return .ok
            }
        }
    }
    // User+app tokens from the ACS profile (a launched app's) read the user's events here.
    sites.get("me/events", use: ownEvents)
    for path in ["_api/contextinfo", "_api/contextInfo"] {
        sites.post(RouterPath(path)) { _, context -> ContextInfo in
            guard context.accessToken?.tenantID == realm else { throw BearerError.insufficientScope(["a token of this realm"]) }
            let info = ContextInfo.Info(
                FormDigestValue: "0x\(UUID().uuidString.replacingOccurrences(of: "-", with: "")),\(Date().timeIntervalSince1970)", FormDigestTimeoutSeconds: 1800,
                LibraryVersion: "16.0", SiteFullUrl: url(context), WebFullUrl: url(context)
            )
            return ContextInfo(d: .init(GetContextWebInformation: info))
        }
    }
    for path in ["_api/web", "_api/Web"] {
        sites.get(RouterPath(path)) { _, context -> SiteWeb in
            guard context.accessToken?.tenantID == realm else { throw BearerError.insufficientScope(["a token of this realm"]) }
            return SiteWeb(d: .init(__metadata: .init(type: "SP.Web"), Title: title, Url: url(context)))
        }
    }
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "calendar-api"))
try await app.runService()
