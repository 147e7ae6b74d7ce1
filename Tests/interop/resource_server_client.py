"""Registers the Calendar API's own Client ID (for introspection) and prints it as shell variables."""
import sys

from platform_setup import Platform

base, operator = sys.argv[1], sys.argv[2]
platform = Platform(base, operator)
client_id, secret = platform.client(platform.seller(), domain="calendar.platform.example")
print(f"RS_CLIENT_ID={client_id}")
print(f"RS_CLIENT_SECRET='{secret}'")
