"""Reads Latchkey's pages as a browser without JavaScript would: the hidden fields of a form."""
import html
import re


def hidden_fields(page, action):
    """The hidden inputs of the first form on PAGE that posts to ACTION, as (name, value) pairs."""
    form = page[page.index(f'action="{action}"'):]
    form = form[: form.index("</form>")]
    return [(html.unescape(name), html.unescape(value)) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)]


def browse(session, base, email, password, start, decision="allow"):
    """Follows Latchkey's pages from START as a user's browser would (SESSION, a requests
    session), signing in and answering the consent page with DECISION, until a redirect leaves
    Latchkey or a page is neither form. Returns the last reply."""
    import urllib.parse
    reply = session.get(start, allow_redirects=False)
    for _ in range(8):
        location = reply.headers.get("Location")
        if reply.status_code in (302, 303) and location:
            target = urllib.parse.urljoin(base, location)
            if not target.startswith(base):
                return reply
            reply = session.get(target, allow_redirects=False)
        elif 'action="/signin"' in reply.text:
            reply = session.post(f"{base}/signin", data=hidden_fields(reply.text, "/signin") + [("email", email), ("password", password)], allow_redirects=False)
        elif 'action="/oauth2/authorize"' in reply.text:
            reply = session.post(f"{base}/oauth2/authorize", data=hidden_fields(reply.text, "/oauth2/authorize") + [("decision", decision)], allow_redirects=False)
        else:
            return reply
    raise AssertionError(f"no end to Latchkey's pages from {start}")
