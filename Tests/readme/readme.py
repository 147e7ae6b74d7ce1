"""The README test's helpers.

    readme.py extract README.md DIR   writes DIR/serve.sh (the first shell block: the server) and
                                      DIR/story.sh (the others, in order, as written, with the two
                                      browser steps done by this script)
    readme.py code URL EMAIL PASSWORD signs in and allows at URL (an authorization request), as the
                                      story's reader does in a browser; prints the code
    readme.py launch BASE EMAIL PASSWORD APP
                                      signs in, clicks APP on /account and follows the launch to the
                                      app; prints the app's page
"""
import html
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from html_forms import hidden_fields  # noqa: E402

# This script, run by the interpreter that extracts (the suite's virtual environment).
TOOL = f'"{sys.executable}" "{os.path.abspath(__file__)}"'
USER = ("uma@fabrikam.example", "a long user password")


def extract(readme, directory):
    blocks = re.findall(r"^```sh\n(.*?)^```", open(readme).read(), flags=re.S | re.M)
    serve, story = blocks[0], blocks[1:]
    assert "latchkey serve" in serve, "the README's first shell block starts the server"
    pasted = [index for index, block in enumerate(story) if "code=PASTE-THE-CODE" in block]
    launched = [index for index, block in enumerate(story) if "TripCalendar &" in block]
    assert len(pasted) == 1 and len(launched) == 1, "the README's two browser steps moved: update Tests/readme/readme.py"
    email, password = USER
    # Where the reader copies the code from the browser's address bar.
    story[pasted[0]] = story[pasted[0]].replace(
        "code=PASTE-THE-CODE", f'code=$({TOOL} code "$url" {email} "{password}")')
    # Where the reader clicks Trip Calendar on /account.
    story[launched[0]] += f'{TOOL} launch "$base" {email} "{password}" "Trip Calendar"\n'
    with open(os.path.join(directory, "serve.sh"), "w") as out:
        out.write(serve)
    with open(os.path.join(directory, "story.sh"), "w") as out:
        out.write("set -euo pipefail\n")
        for number, block in enumerate(story, start=2):
            out.write(f"echo '== README block {number}'\n{block}\n")


def signed_in(requests, base, email, password, start):
    """A browser signed in as EMAIL, and the page where Latchkey's pages from START end."""
    from html_forms import browse
    browser = requests.Session()
    return browser, browse(browser, base, email, password, start)


def code(url, email, password):
    import requests
    base = url.split("/oauth2/")[0]
    _, reply = signed_in(requests, base, email, password, url)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(reply.headers.get("Location", "")).query)
    if "code" not in query:
        sys.exit(f"readme.py: no code in {reply.headers.get('Location')}: {reply.text[:300]}")
    print(query["code"][0])


def launch(base, email, password, app):
    import requests
    browser, account = signed_in(requests, base, email, password, f"{base}/signin?return=/account")
    link = re.search(r'<a href="(/apps/[^"]+/launch)"><strong>' + re.escape(html.escape(app)) + "</strong>", account.text)
    if not link:
        sys.exit(f"readme.py: no {app} on /account: {account.text[:600]}")
    page = browser.get(base + link.group(1))
    action = f'action="{link.group(1)}"'
    if action in page.text:  # consent first
        page = browser.post(base + link.group(1), data=hidden_fields(page.text, link.group(1)) + [("decision", "allow")])
    form = re.search(r'<form method="post" action="([^"]+)" id="launch"', page.text)
    if not form:
        sys.exit(f"readme.py: no launch form: {page.text[:600]}")
    target = html.unescape(form.group(1))
    fields = hidden_fields(page.text, form.group(1))
    for _ in range(600):  # the app may still be building
        try:
            reply = requests.post(target, data=fields)
            break
        except requests.ConnectionError:
            time.sleep(0.5)
    else:
        sys.exit(f"readme.py: the app at {target} never answered")
    text = re.sub(r"<[^>]+>", " ", reply.text)
    print(re.sub(r"\s+", " ", text).strip())
    if reply.status_code != 200 or "Your trips" not in reply.text:
        sys.exit(f"readme.py: the app answered {reply.status_code}")


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    {"extract": extract, "code": code, "launch": launch}[command](*arguments)
