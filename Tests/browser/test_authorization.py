"""The platform users' pages in a real browser: Latchkey's sign-in page, the consent page (for a
user and for a tenant admin), the account page that revokes, and the organization page."""
import os
import sys
from urllib.parse import parse_qs, urlencode, urlparse

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BASE, shot
from test_dashboard import navigate

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

PLATFORM = Platform(BASE, os.environ["OPERATOR_TOKEN"])


def story():
    seller = PLATFORM.seller()
    client_id, _ = PLATFORM.client(seller)
    app_id = PLATFORM.approved_app(seller, client_id, permissions=["Calendars.Read", "Calendars.ReadWrite"], app_only=["Calendars.Read.All"])
    tenant = PLATFORM.tenant()
    return client_id, app_id, tenant


def authorize_url(client_id, scope="openid profile email Calendars.Read"):
    return f"{BASE}/oauth2/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": "https://app.contoso.com/auth", "scope": scope,
        "state": "trip-42", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
    })


def back_at_app(browser):
    """Waits until the browser has been sent back to the app; returns the query it carries."""
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.startswith("https://app.contoso.com/"))
    return parse_qs(urlparse(browser.current_url).query)


def go(browser, url):
    """Opens URL; a redirect to the app, which does not exist here, ends on an error page."""
    try:
        browser.get(url)
    except WebDriverException:
        pass


def sign_in(browser, email, password):
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    navigate(browser, By.CSS_SELECTOR, "main form button[type=submit]")


def test_admin_installs_then_user_signs_in_consents_and_revokes(browser):
    client_id, app_id, tenant = story()
    admin_email, password = PLATFORM.user(tenant, admin=True)
    user_email, _ = PLATFORM.user(tenant)

    # The tenant admin installs the approved app from the organization page.
    browser.get(f"{BASE}/account/organization")
    assert "/signin" in browser.current_url
    shot(browser, "30-user-sign-in")
    sign_in(browser, admin_email, password)
    assert browser.current_url.endswith("/account/organization")
    assert "Trip Calendar" in browser.find_element(By.TAG_NAME, "main").text
    navigate(browser, By.CSS_SELECTOR, "form[action='/account/organization/install'] button")
    shot(browser, "31-organization-apps")
    assert "Installed" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    navigate(browser, By.CSS_SELECTOR, f"form[action='/account/organization/apps/{app_id}/consent'] button")
    assert "Consented for your organization: Calendars.Read.All" in browser.find_element(By.CSS_SELECTOR, ".notice").text

    # The admin's consent page offers consent on behalf of the organization.
    browser.get(authorize_url(client_id, scope="openid Calendars.ReadWrite"))
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Trip Calendar" in text and "Contoso" in text and "Read and change your calendars" in text
    assert browser.find_element(By.NAME, "for_organization")
    shot(browser, "32-consent-admin")
    browser.delete_all_cookies()

    # A user signs in through the app's request and sees the consent page: app, publisher, permissions in words.
    browser.get(authorize_url(client_id))
    assert "/signin" in browser.current_url
    sign_in(browser, user_email, password)
    assert "/oauth2/authorize" in browser.current_url
    text = browser.find_element(By.TAG_NAME, "main").text
    for words in ("Allow Trip Calendar to act for you?", "Contoso", "Read your calendars", "See your name", "See your email address"):
        assert words in text, words
    assert not browser.find_elements(By.NAME, "for_organization")
    shot(browser, "33-consent-user")
    browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=allow]").click()
    # The browser goes back to the app (which does not exist here) with a code, the state and the issuer.
    query = back_at_app(browser)
    assert browser.current_url.startswith("https://app.contoso.com/auth?") and query["state"] == ["trip-42"] and "code" in query
    assert query["iss"] == [BASE]

    # Single sign-on: the same user comes straight back, without sign-in or consent.
    go(browser, authorize_url(client_id))
    assert browser.current_url.startswith("https://app.contoso.com/auth?code=")

    # The account page lists the consent and revokes it.
    browser.get(f"{BASE}/account")
    assert "Trip Calendar" in browser.find_element(By.TAG_NAME, "main").text
    shot(browser, "34-account-consents")
    navigate(browser, By.CSS_SELECTOR, f"form[action='/account/consents/{app_id}/revoke'] button")
    assert "Access revoked" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert "You have not allowed any app yet." in browser.find_element(By.TAG_NAME, "main").text
    shot(browser, "35-account-revoked")

    # Denying sends access_denied to the app.
    browser.get(authorize_url(client_id))
    browser.find_element(By.CSS_SELECTOR, "button[name=decision][value=deny]").click()
    assert back_at_app(browser)["error"] == ["access_denied"]


def test_region_mismatch_is_a_page_not_a_redirect(browser):
    seller = PLATFORM.seller()
    china_client, _ = PLATFORM.client(seller, domain="cn.contoso.com", availability="china")
    app_id = PLATFORM.approved_app(seller, china_client, permissions=["Calendars.Read"], markets=["CN"])
    PLATFORM.install(PLATFORM.tenant(region="china"), app_id)
    worldwide = PLATFORM.tenant()
    email, password = PLATFORM.user(worldwide)
    browser.get(f"{BASE}/oauth2/authorize?" + urlencode({
        "response_type": "code", "client_id": china_client, "redirect_uri": "https://cn.contoso.com/auth", "scope": "openid", "state": "x",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
    }))
    sign_in(browser, email, password)
    assert browser.current_url.startswith(BASE)
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Sign-in cannot continue" in text and "China" in text
    shot(browser, "36-region-mismatch")


def test_user_pages_at_360px(narrow_browser):
    client_id, app_id, tenant = story()
    PLATFORM.install(tenant, app_id)
    email, password = PLATFORM.user(tenant)
    narrow_browser.get(authorize_url(client_id))
    sign_in(narrow_browser, email, password)
    width = narrow_browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 360, f"the consent page scrolls sideways: {width}px"
    shot(narrow_browser, "37-consent-360px")


def test_admin_connects_the_organizations_provider(browser):
    """The organization page's sign-in section: a mistake keeps what was typed and names the
    field; a provider that holds is listed, never its secret. The provider here is this Latchkey
    itself, whose discovery document names it (loopback under the development switch)."""
    _, _, tenant = story()
    admin_email, password = PLATFORM.user(tenant, admin=True)
    browser.get(f"{BASE}/account/organization")
    sign_in(browser, admin_email, password)
    assert f"{BASE}/signin/federated/callback" in browser.find_element(By.TAG_NAME, "main").text

    browser.find_element(By.ID, "issuer").send_keys("http://login.fabrikam.example")
    browser.find_element(By.ID, "clientId").send_keys("latchkey-at-fabrikam")
    browser.find_element(By.ID, "clientSecret").send_keys("secret-from-the-provider")
    browser.find_element(By.ID, "adminClaim").send_keys("groups")
    navigate(browser, By.CSS_SELECTOR, "form[action='/account/organization/identity-providers'] button")
    summary = browser.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "The issuer must be an https URL" in summary and "Give both adminClaim and adminValue" in summary
    assert "adminValue" in browser.find_element(By.CSS_SELECTOR, ".error-summary a[href='#adminValue']").get_attribute("href")
    assert browser.find_element(By.ID, "clientId").get_attribute("value") == "latchkey-at-fabrikam"
    assert browser.find_element(By.ID, "clientSecret").get_attribute("value") == ""
    shot(browser, "38-organization-provider-mistake")

    issuer = browser.find_element(By.ID, "issuer")
    issuer.clear()
    issuer.send_keys(BASE)
    browser.find_element(By.ID, "clientSecret").send_keys("secret-from-the-provider")
    browser.find_element(By.ID, "adminValue").send_keys("latchkey-admins")
    navigate(browser, By.CSS_SELECTOR, "form[action='/account/organization/identity-providers'] button")
    assert "Connected" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    text = browser.find_element(By.TAG_NAME, "main").text
    assert BASE in text and "groups holds latchkey-admins" in text and "secret-from-the-provider" not in browser.page_source
    shot(browser, "39-organization-provider")
