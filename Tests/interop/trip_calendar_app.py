"""Registers the example TripCalendar app as its seller would (Client ID for localhost:PORT with
redirect URL http://localhost:PORT/launch, an app asking for Calendars.Read, approved), installs
it in the tenant, adds a user, and prints what the app and the tests need as shell variables."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

base, operator, realm, port = sys.argv[1:5]
platform = Platform(base, operator)
seller = platform.seller()
created = platform.call("POST", "/clients", seller, {
    "friendlyName": "trip calendar (local)", "appDomain": f"localhost:{port}", "redirectUrl": f"http://localhost:{port}/launch",
})
app_id = platform.approved_app(seller, created["clientId"], permissions=["Calendars.Read"])
platform.install(realm, app_id)
email, password = platform.user(realm)
print(f"TRIP_CLIENT_ID={created['clientId']}")
print(f"TRIP_CLIENT_SECRET='{created['secret']['value']}'")
print(f"TRIP_APP_ID={app_id}")
print(f"TRIP_USER_EMAIL={email}")
print(f"TRIP_USER_PASSWORD='{password}'")
