"""Opening an app in a real browser: the link on the user's apps page, the consent page, then
the launch page, whose script posts the context token to the app at once (CSP allowing the
app's origin). The app here is a small loopback server that records what it was posted; it
also receives the app's signed events, whose deliveries the seller sees on the app's page."""
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import BASE, new_email, shot
from test_authorization import sign_in
from test_dashboard import PASSWORD, navigate
from test_dashboard import sign_in as dashboard_sign_in

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from platform_setup import Platform  # noqa: E402

PLATFORM = Platform(BASE, os.environ["OPERATOR_TOKEN"])


class App(BaseHTTPRequestHandler):
    launches = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        App.launches.append((self.path, parse_qs(self.rfile.read(length).decode())))
        body = b"<!doctype html><title>Launched</title><h1>Trip Calendar opened</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_user_opens_the_app_from_their_apps_page(browser):
    server = HTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        seller = PLATFORM.seller()
        created = PLATFORM.call("POST", "/clients", seller, {
            "friendlyName": "trip calendar (local)", "appDomain": f"localhost:{port}", "redirectUrl": f"http://localhost:{port}/launch",
        })
        app_id = PLATFORM.approved_app(seller, created["clientId"], permissions=["Calendars.Read"])
        tenant = PLATFORM.tenant()
        PLATFORM.install(tenant, app_id)
        email, password = PLATFORM.user(tenant)

        browser.get(f"{BASE}/account")
        sign_in(browser, email, password)
        shot(browser, "account-apps")
        navigate(browser, By.CSS_SELECTOR, f'a[href="/apps/{app_id}/launch"]')
        assert "Allow Trip Calendar" in browser.find_element(By.TAG_NAME, "h1").text
        shot(browser, "launch-consent")
        browser.find_element(By.CSS_SELECTOR, 'button[value="allow"]').click()

        WebDriverWait(browser, 10).until(lambda driver: driver.current_url.startswith(f"http://localhost:{port}/launch"))
        assert "Trip Calendar opened" in browser.find_element(By.TAG_NAME, "h1").text
        path, fields = App.launches[-1]
        query = parse_qs(urlparse(path).query)
        assert set(fields) == {"SPAppToken", "SPSiteUrl", "SPSiteTitle", "SPSiteLanguage", "SPCorrelationId"}
        assert fields["SPAppToken"][0].count(".") == 2 and fields["SPSiteTitle"] == ["Fabrikam"]
        assert query["SPHostUrl"] == fields["SPSiteUrl"]
    finally:
        server.shutdown()


def test_seller_sets_an_events_url_and_sees_the_deliveries(browser):
    server = HTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        email = new_email()
        requests.post(f"{BASE}/api/v1/sellers", json={"email": email, "password": PASSWORD, "displayName": "Contoso"}).raise_for_status()
        seller = requests.post(f"{BASE}/api/v1/tokens", json={"email": email, "password": PASSWORD}).json()["token"]
        client_id, _ = PLATFORM.client(seller)
        app_id = PLATFORM.approved_app(seller, client_id, permissions=["Calendars.Read"])

        dashboard_sign_in(browser, email)
        browser.get(f"{BASE}/dashboard/apps/{app_id}")
        assert not browser.find_elements(By.XPATH, "//h2[text()='Event deliveries']")
        field = browser.find_element(By.ID, "eventsUrl")
        field.send_keys("http://app.contoso.com/events")
        navigate(browser, By.CSS_SELECTOR, "form.form button.primary")
        assert "https://" in browser.find_element(By.CSS_SELECTOR, ".field.invalid .field-error").text
        # docs/security.md: no events to internal addresses, such as a cloud metadata service.
        field = browser.find_element(By.ID, "eventsUrl")
        field.clear()
        field.send_keys("https://169.254.169.254/latest/")
        navigate(browser, By.CSS_SELECTOR, "form.form button.primary")
        assert "not an address" in browser.find_element(By.CSS_SELECTOR, ".field.invalid .field-error").text
        # This machine only under the development switch, which the suite's server has on.
        field = browser.find_element(By.ID, "eventsUrl")
        field.clear()
        field.send_keys(f"http://localhost:{port}/events")
        navigate(browser, By.CSS_SELECTOR, "form.form button.primary")
        # A new events URL is reviewed like the rest of the app.
        PLATFORM.approve_again(app_id)

        PLATFORM.install(PLATFORM.tenant(), app_id)
        for _ in range(50):
            browser.get(f"{BASE}/dashboard/apps/{app_id}")
            if "delivered" in browser.find_element(By.TAG_NAME, "main").text:
                break
            time.sleep(0.2)
        row = browser.find_element(By.CSS_SELECTOR, "main table tbody tr").text
        assert "app.installed" in row and "delivered" in row and "HTTP 200" in row
        assert any(path == "/events" for path, _ in App.launches)
        shot(browser, "app-event-deliveries")
    finally:
        server.shutdown()
