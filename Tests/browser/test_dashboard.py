"""The Seller Dashboard in a real browser: the seed's flows, end to end."""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BASE, new_email, shot

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

PASSWORD = "a long password"


def navigate(browser, by, locator):
    """Clicks the element found by LOCATOR and waits until the page it leads to has replaced the
    current one. A click that races the page's own start-up is tried again."""
    page = browser.find_element(By.TAG_NAME, "html")
    for attempt in range(3):
        try:
            browser.find_element(by, locator).click()
            break
        except WebDriverException:
            if attempt == 2:
                raise
            time.sleep(0.2)
    wait = WebDriverWait(browser, 10)
    wait.until(lambda driver: is_gone(page))
    wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")


def is_gone(element):
    """True once ELEMENT's document has been replaced. (This ChromeDriver reports a replaced
    document's nodes with a generic error, not the stale-element one staleness_of expects.)"""
    try:
        element.tag_name
        return False
    except WebDriverException:
        return True


def sign_up(browser, email, name="Contoso"):
    """Sign-up does not tell whether the email had an account: it sends everyone to sign in."""
    browser.get(f"{BASE}/dashboard/signup")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "displayName").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    navigate(browser, By.CSS_SELECTOR, "form button[type=submit]")
    assert browser.current_url.endswith("/dashboard/signin")
    assert f"If {email} had no account, it has one now" in browser.page_source
    sign_in(browser, email)
    assert browser.current_url.endswith("/dashboard/clients")


def sign_in(browser, email, password=PASSWORD):
    browser.get(f"{BASE}/dashboard/signin")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    navigate(browser, By.CSS_SELECTOR, "main form button[type=submit]")


def api_token(email):
    """An API token for the seller, as a program obtains one."""
    reply = urllib.request.urlopen(urllib.request.Request(
        f"{BASE}/api/v1/tokens", data=json.dumps({"email": email, "password": PASSWORD}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    ))
    return json.load(reply)["token"]


def enable(email, client_id):
    """What a Client ID needs before it obtains tokens (docs/seed-model.md §1): an approved service app asking
    for an app-only permission, installed in a tenant whose admin consented to it. Returns the
    tenant. The seller acts through the API with their dashboard password."""
    platform = Platform(BASE, os.environ["OPERATOR_TOKEN"])
    seller = api_token(email)
    app_id = platform.approved_app(seller, client_id, app_only=["Calendars.Read.All"])
    tenant = platform.tenant()
    platform.install(tenant, app_id)
    platform.call("POST", f"/tenants/{tenant}/installations/{app_id}/app-only-consent", platform.operator)
    TENANTS[client_id] = tenant


TENANTS = {}


def token_status(client_id, secret):
    """POSTs client_credentials with client_secret_basic for the client's tenant; returns the HTTP status."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(
        f"{BASE}/oauth2/token", data=f"grant_type=client_credentials&tenant={TENANTS.get(client_id, '')}".encode(), method="POST",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            assert json.load(response)["token_type"] == "Bearer"
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def add_client(browser, name, domain, china=False):
    """Runs the ADD A CLIENT ID wizard through to the shown-once page; returns (client id, secret)."""
    browser.get(f"{BASE}/dashboard/clients/new")
    fill(browser, "friendlyName", name)
    fill(browser, "appDomain", domain)
    fill(browser, "redirectUrl", f"https://{domain}/cb")
    if china:
        browser.find_element(By.CSS_SELECTOR, "input[name=availability][value=china]").click()
    navigate(browser, By.XPATH, "//button[text()='GENERATE CLIENT ID']")
    return (browser.find_element(By.ID, "client-id").get_attribute("value"),
            browser.find_element(By.ID, "client-secret").get_attribute("value"))


def dialog_visible(browser, dialog_id):
    return browser.execute_script(f"var d = document.getElementById('{dialog_id}'); return d.open || d.matches(':target');")


def fill(browser, field, value):
    element = browser.find_element(By.ID, field)
    element.clear()
    element.send_keys(value)


def test_client_id_lifecycle(browser):
    browser.get(f"{BASE}/dashboard/signup")
    shot(browser, "00-sign-up")
    email = new_email()
    sign_up(browser, email)
    shot(browser, "01-client-ids-empty")
    navigate(browser, By.LINK_TEXT, "add a new oauth client id")
    shot(browser, "02-add-client-id")

    # First with mistakes: the errors sit beside their fields and what was typed stays.
    fill(browser, "friendlyName", "calendar app")
    fill(browser, "appDomain", "https://app.contoso.com")
    fill(browser, "redirectUrl", "http://app.contoso.com/auth")
    navigate(browser, By.XPATH, "//button[text()='GENERATE CLIENT ID']")
    errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".field-error")]
    assert any("without http://" in e for e in errors), errors
    assert any("must start with https://" in e for e in errors), errors
    assert browser.find_element(By.ID, "appDomain").get_attribute("value") == "https://app.contoso.com"
    assert browser.find_element(By.ID, "friendlyName").get_attribute("value") == "calendar app"
    assert browser.find_element(By.ID, "appDomain").get_attribute("aria-invalid") == "true"
    shot(browser, "03-add-client-id-errors")

    fill(browser, "appDomain", "app.contoso.com")
    fill(browser, "redirectUrl", "https://app.contoso.com/auth")
    navigate(browser, By.XPATH, "//button[text()='GENERATE CLIENT ID']")

    # Obtain client secret: copy it from the page.
    client_id = browser.find_element(By.ID, "client-id").get_attribute("value")
    first_secret = browser.find_element(By.ID, "client-secret").get_attribute("value")
    assert len(first_secret) == 44 and len(client_id) == 36
    assert "will not be shown in the Seller Dashboard again" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "button[data-copy=client-secret]").click()
    shot(browser, "04-obtain-client-secret")

    # DONE asks "have you copied your client secret?": cancel stays, YES leaves.
    browser.find_element(By.ID, "done").click()
    assert dialog_visible(browser, "confirm-copied")
    shot(browser, "05-have-you-copied-dialog")
    browser.find_element(By.ID, "copied-cancel").click()
    assert not dialog_visible(browser, "confirm-copied")
    assert browser.find_element(By.ID, "client-secret").get_attribute("value") == first_secret
    browser.find_element(By.ID, "done").click()
    navigate(browser, By.ID, "copied-yes")
    assert browser.current_url.endswith(f"/dashboard/clients/{client_id}")
    assert first_secret not in browser.page_source

    # The copied secret obtains a token once the Client ID's app is approved and installed.
    assert token_status(client_id, first_secret) == 400
    enable(email, client_id)
    assert token_status(client_id, first_secret) == 200

    # A second secret, made the signing one.
    navigate(browser, By.LINK_TEXT, "ADD NEW CLIENT SECRET")
    shot(browser, "07-add-client-secret")
    navigate(browser, By.XPATH, "//button[text()='GENERATE CLIENT SECRET']")
    second_secret = browser.find_element(By.ID, "client-secret").get_attribute("value")
    assert "active now" in browser.page_source
    browser.find_element(By.ID, "done").click()
    navigate(browser, By.ID, "copied-yes")
    assert token_status(client_id, second_secret) == 200

    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 2
    first_row, second_row = rows
    assert first_row.find_elements(By.CSS_SELECTOR, ".check")
    navigate(browser, By.CSS_SELECTOR, "tbody tr:nth-child(2) button.make-signing")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert not rows[0].find_elements(By.CSS_SELECTOR, ".check")
    assert rows[1].find_elements(By.CSS_SELECTOR, ".check")
    shot(browser, "06-client-id-summary")

    # Delete the first secret: the dialog asks, NO keeps it, YES deletes it.
    first_id = rows[0].get_attribute("id").removeprefix("secret-")
    rows[0].find_element(By.CSS_SELECTOR, "a.remove").click()
    assert dialog_visible(browser, f"delete-secret-{first_id}")
    shot(browser, "08-delete-secret-dialog")
    browser.find_element(By.CSS_SELECTOR, f"#delete-secret-{first_id} [data-close]").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2
    browser.find_element(By.CSS_SELECTOR, f"#secret-{first_id} a.remove").click()
    navigate(browser, By.CSS_SELECTOR, f"#delete-secret-{first_id} button[type=submit]")
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1
    assert token_status(client_id, first_secret) == 401
    assert token_status(client_id, second_secret) == 200

    # Delete the Client ID: the friendly name must be typed.
    browser.find_element(By.ID, "delete-client-open").click()
    assert dialog_visible(browser, "delete-client")
    assert "every app using it loses access" in browser.find_element(By.ID, "delete-client").text
    shot(browser, "09-delete-client-id-dialog")
    browser.find_element(By.ID, "confirm-name").send_keys("calendar")
    navigate(browser, By.CSS_SELECTOR, "#delete-client button[type=submit]")
    assert "Type the friendly name exactly" in browser.page_source
    assert token_status(client_id, second_secret) == 200
    browser.find_element(By.ID, "confirm-name").send_keys("calendar app")
    navigate(browser, By.CSS_SELECTOR, "#delete-client button[type=submit]")
    assert browser.current_url.endswith("/dashboard/clients")
    assert "was deleted" in browser.page_source
    assert token_status(client_id, second_secret) == 401


def test_another_seller_cannot_open_my_pages(browser):
    sign_up(browser, new_email(), "First seller")
    client_id, _ = add_client(browser, "private app", "private.contoso.com")
    browser.delete_all_cookies()

    sign_up(browser, new_email(), "Second seller")
    browser.get(f"{BASE}/dashboard/clients/{client_id}")
    assert "Not found" in browser.find_element(By.TAG_NAME, "h1").text
    assert "private app" not in browser.page_source
    shot(browser, "18-not-found")
    browser.get(f"{BASE}/dashboard/clients")
    assert "private app" not in browser.page_source

    browser.delete_all_cookies()
    browser.get(f"{BASE}/dashboard/clients/{client_id}")
    assert browser.current_url.endswith("/dashboard/signin")
    shot(browser, "00-sign-in")


def test_form_without_csrf_token_is_refused(browser):
    sign_up(browser, new_email())
    browser.get(f"{BASE}/dashboard/clients/new")
    fill(browser, "friendlyName", "forged")
    fill(browser, "appDomain", "forged.contoso.com")
    fill(browser, "redirectUrl", "https://forged.contoso.com/cb")
    browser.execute_script("document.querySelector('main input[name=_csrf]').remove()")
    navigate(browser, By.XPATH, "//button[text()='GENERATE CLIENT ID']")
    assert "This form has expired" in browser.page_source
    shot(browser, "17-form-refused-without-csrf-token")
    browser.get(f"{BASE}/dashboard/clients")
    assert "forged" not in browser.page_source


def test_apps_review_and_activity(browser):
    sign_up(browser, new_email(), "Trip Co")
    add_client(browser, "trip worldwide", "trip.contoso.com")
    add_client(browser, "trip china", "cn.trip.contoso.com", china=True)
    browser.get(f"{BASE}/dashboard/clients")
    shot(browser, "10-client-ids")

    browser.get(f"{BASE}/dashboard/apps/new")
    picker = browser.find_element(By.ID, "client-picker")
    assert not picker.is_displayed()
    browser.find_element(By.ID, "requiresServerToServerAuth").click()
    assert picker.is_displayed()
    groups = [g.get_attribute("label") for g in browser.find_elements(By.CSS_SELECTOR, "#clientId optgroup")]
    assert groups == ["Client IDs", "Client IDs for Apps in China"]
    fill(browser, "name", "Trip calendar")
    fill(browser, "description", "Trips on a shared calendar.")
    fill(browser, "markets", "US, FR, CN")
    browser.find_element(By.XPATH, "//select[@id='clientId']/optgroup[@label='Client IDs']/option[text()='trip worldwide']").click()
    shot(browser, "11-add-app")
    navigate(browser, By.XPATH, "//button[text()='save app']")
    assert "China-only Client ID" in browser.page_source
    assert browser.find_element(By.ID, "markets").get_attribute("value") == "US, FR, CN"
    fill(browser, "markets", "US, FR")
    navigate(browser, By.XPATH, "//button[text()='save app']")
    navigate(browser, By.XPATH, "//button[text()='submit for approval']")
    assert "submitted" in browser.find_element(By.CSS_SELECTOR, ".status").text
    browser.get(f"{BASE}/dashboard/apps")
    shot(browser, "12-apps")

    browser.get(f"{BASE}/dashboard/activity")
    actions = browser.find_element(By.TAG_NAME, "tbody").text
    assert "app.submit" in actions and "client.create" in actions
    shot(browser, "14-activity")
    browser.get(f"{BASE}/dashboard/review")
    assert "Not allowed" in browser.page_source

    browser.delete_all_cookies()
    sign_in(browser, os.environ["OPERATOR_EMAIL"], os.environ["OPERATOR_PASSWORD"])
    browser.get(f"{BASE}/dashboard/review")
    browser.find_element(By.XPATH, "//article[h2[text()='Trip calendar']]")
    shot(browser, "13-review-queue")
    navigate(browser, By.XPATH, "//article[h2[text()='Trip calendar']]//button[text()='approve']")
    assert "Trip calendar was approved" in browser.page_source


def test_narrow_screen(narrow_browser):
    sign_up(narrow_browser, new_email())
    client_id, _ = add_client(narrow_browser, "phone app", "m.contoso.com")
    scroll_width = narrow_browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll_width <= 360, scroll_width
    shot(narrow_browser, "15-obtain-client-secret-360px")
    narrow_browser.get(f"{BASE}/dashboard/clients/{client_id}")
    shot(narrow_browser, "16-client-id-summary-360px")


def test_security_headers_and_no_store(browser):
    request = urllib.request.Request(f"{BASE}/dashboard/signin")
    with urllib.request.urlopen(request) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"] and "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_public_client_and_id_token_algorithm(browser):
    """The Client ID summary sets what the authorization service needs to know of the app:
    whether it is a public client (PKCE, no secret) and how its ID tokens are signed."""
    email = new_email()
    sign_up(browser, email)
    client_id, secret = add_client(browser, "spa", "spa.contoso.com")
    browser.get(f"{BASE}/dashboard/clients/{client_id}")
    assert not browser.find_element(By.ID, "publicClient").is_selected()
    browser.find_element(By.ID, "publicClient").click()
    browser.find_element(By.CSS_SELECTOR, "#idTokenSignedResponseAlg option[value=RS256]").click()
    navigate(browser, By.XPATH, "//button[text()='save details']")
    assert "Details saved." in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert browser.find_element(By.ID, "publicClient").is_selected()
    assert browser.find_element(By.CSS_SELECTOR, "#idTokenSignedResponseAlg option[value=RS256]").is_selected()
    token = api_token(email)
    client = json.load(urllib.request.urlopen(urllib.request.Request(f"{BASE}/api/v1/clients/{client_id}", headers={"Authorization": f"Bearer {token}"})))
    assert client["publicClient"] is True and client["idTokenSignedResponseAlg"] == "RS256"

    # PKCE is required of every client; only a confidential one may be marked as an earlier
    # era's app without it, and the page says why a public one may not.
    assert not browser.find_element(By.ID, "pkceOptional").is_selected()
    browser.find_element(By.ID, "pkceOptional").click()
    navigate(browser, By.XPATH, "//button[text()='save details']")
    assert "must use PKCE" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.ID, "publicClient").click()
    navigate(browser, By.XPATH, "//button[text()='save details']")
    assert "Details saved." in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert browser.find_element(By.ID, "pkceOptional").is_selected() and not browser.find_element(By.ID, "publicClient").is_selected()
    client = json.load(urllib.request.urlopen(urllib.request.Request(f"{BASE}/api/v1/clients/{client_id}", headers={"Authorization": f"Bearer {token}"})))
    assert client["pkceOptional"] is True and client["publicClient"] is False


def test_expiry_notice_webhook(browser):
    sign_up(browser, new_email())
    navigate(browser, By.LINK_TEXT, "NOTICES")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Expiry notices"
    url = browser.find_element(By.ID, "url")
    url.send_keys("ftp://ops.contoso.com/notices")
    navigate(browser, By.CSS_SELECTOR, "form.form button[type=submit]")
    assert "https://" in browser.find_element(By.CSS_SELECTOR, ".error-summary").text

    url = browser.find_element(By.ID, "url")
    url.clear()
    url.send_keys("https://ops.contoso.com/latchkey-notices")
    navigate(browser, By.CSS_SELECTOR, "form.form button[type=submit]")
    secret = browser.find_element(By.ID, "webhook-secret").get_attribute("value")
    assert len(base64.b64decode(secret)) == 32
    shot(browser, "19-expiry-notices")
    # Shown once: the page again names only its first characters.
    browser.get(f"{BASE}/dashboard/notices")
    assert not browser.find_elements(By.ID, "webhook-secret") and secret not in browser.page_source
    assert f"{secret[:3]}…" in browser.page_source
    assert "No notices yet" in browser.page_source
    navigate(browser, By.CSS_SELECTOR, "form[action='/dashboard/notices/remove'] button")
    assert browser.find_element(By.ID, "url").get_attribute("value") == ""


def api_status(token):
    """The status of GET /api/v1/sellers/me with TOKEN."""
    request = urllib.request.Request(f"{BASE}/api/v1/sellers/me", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_api_tokens_listed_and_revoked(browser):
    email = new_email()
    sign_up(browser, email)
    tokens = [api_token(email), api_token(email)]
    navigate(browser, By.LINK_TEXT, "API TOKENS")
    assert browser.find_element(By.TAG_NAME, "h1").text == "API tokens"
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 2
    assert not any(token in browser.page_source for token in tokens)
    shot(browser, "20-api-tokens")

    navigate(browser, By.CSS_SELECTOR, "tbody tr:first-child button")
    assert "The token was revoked" in browser.page_source
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1
    assert sorted(api_status(token) for token in tokens) == [200, 401]

    # Revoking them all asks first.
    browser.find_element(By.CSS_SELECTOR, "a[href='#revoke-all']").click()
    assert dialog_visible(browser, "revoke-all")
    shot(browser, "21-revoke-all-tokens-dialog")
    navigate(browser, By.XPATH, "//dialog[@id='revoke-all']//button[text()='YES']")
    assert "1 token was revoked" in browser.page_source
    assert "No API tokens" in browser.page_source
    assert [api_status(token) for token in tokens] == [401, 401]
    # The dashboard's own session is not an API token: still signed in.
    browser.get(f"{BASE}/dashboard/clients")
    assert browser.current_url.endswith("/dashboard/clients")
