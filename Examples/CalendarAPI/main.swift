// The platform's calendar API, built on LatchkeyResourceKit: the seed's trip-calendar data,
// read and written by apps acting for a user with the permissions the user consented to.
//
//   LATCHKEY_ISSUER=http://127.0.0.1:8080 swift run CalendarAPI      (listens on 127.0.0.1:8090)
//
// Environment: CALENDAR_PORT (8090); CALENDAR_INTROSPECTION_CLIENT_ID and _SECRET, a Client ID
// allowed to introspect, to refuse revoked tokens at once instead of at their expiry.
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
api.get("me/events") { _, context -> Listing in
    let token = try context.requireAny(of: "Calendars.Read", "Calendars.ReadWrite")
    guard !token.isAppOnly else { throw BearerError.insufficientScope(["Calendars.Read"]) }
    return Listing(events: calendars.events(of: "\(token.tenantID ?? "")/\(token.subject)"))
}
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

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "calendar-api"))
try await app.runService()
