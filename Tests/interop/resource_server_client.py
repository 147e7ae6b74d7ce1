"""Registers the Calendar API's own Client ID (an operator's, marked as a resource server, for
introspection) and the tenant whose site it serves, and prints them as shell variables."""
import sys

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

base, operator = sys.argv[1], sys.argv[2]
platform = Platform(base, operator)
client_id, secret = platform.client(None, domain="calendar.platform.example", resource_server=True)
print(f"RS_CLIENT_ID={client_id}")
print(f"RS_CLIENT_SECRET='{secret}'")
print(f"RS_REALM={platform.tenant()}")
