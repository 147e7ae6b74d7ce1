"""A user's browser across Latchkey and an upstream OpenID provider, without JavaScript."""
from urllib.parse import urljoin

import pytest

from html_forms import hidden_fields


def browse(browser, url, email, until, latchkeys, upstream):
    """Follows redirects and pages from URL until a redirect starts with UNTIL. On a Latchkey of
    LATCHKEYS (base URL -> password, or None to leave it empty and be sent on by home-realm
    discovery) the sign-in form gets EMAIL and that password and every consent form is allowed;
    an answer from anywhere else is handed to UPSTREAM(browser, reply), which returns the next
    reply. Returns the final Location and the URLs passed through."""
    seen = []
    reply = browser.get(url, allow_redirects=False)
    for _ in range(24):
        location = reply.headers.get("Location")
        if reply.status_code in (302, 303) and location:
            target = urljoin(reply.url, location)
            if target.startswith(until):
                return target, seen
            seen.append(target.split("?")[0])
            reply = browser.get(target, allow_redirects=False)
            continue
        here = next((base for base in latchkeys if reply.url.startswith(base)), None)
        if here is None:
            reply = upstream(browser, reply)
            continue
        assert reply.status_code == 200, f"{reply.url}: {reply.status_code} {reply.text[:400]}"
        if 'action="/signin"' in reply.text:
            fields = hidden_fields(reply.text, "/signin") + [("email", email), ("password", latchkeys[here] or "")]
            reply = browser.post(f"{here}/signin", data=fields, allow_redirects=False)
        elif 'action="/oauth2/authorize"' in reply.text:
            reply = browser.post(f"{here}/oauth2/authorize", data=hidden_fields(reply.text, "/oauth2/authorize") + [("decision", "allow")], allow_redirects=False)
        else:
            pytest.fail(f"unexpected page at {reply.url}: {reply.status_code} {reply.text[:400]}")
    pytest.fail("the pages never ended")
