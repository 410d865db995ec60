"""The web page in a real headless Chromium (Debian's chromium + chromium-driver) against the real stack."""
import uuid

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import unique_email
from stack import ROOT, running_stack

SCREENSHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="module")
def page_stack():
    with running_stack(rate_limit=0) as started:
        yield started


@pytest.fixture(params=[(1280, 900), (375, 800)], ids=["desktop", "phone"])
def browser(request):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={request.param[0]},{request.param[1]}"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    # Desktop Chromium will not open a window narrower than ~500 px: emulate the phone's viewport.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": request.param[0], "height": request.param[1], "deviceScaleFactor": 1, "mobile": request.param[0] < 600})
    driver.size_name = request.node.callspec.id
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}-{driver.size_name}.png"))


def open_page(driver, stack):
    driver.get(stack.url + "/")
    # The page's own marker: a reload would lose it.
    driver.execute_script("window.__sameDocument = true;")
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def fill(driver, name="", email="", age=""):
    for field, value in (("name", name), ("email", email), ("age", age)):
        element = driver.find_element(By.NAME, field)
        element.clear()
        if value:
            element.send_keys(value)


def submit(driver):
    driver.find_element(By.ID, "submit").click()


def wait_idle(driver):
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "submit").is_enabled())


def error_for(driver, field):
    return driver.find_element(By.CSS_SELECTOR, f'[data-error-for="{field}"]').text


def stored(stack, email):
    return stack.stored_people(email)


def operator_get(stack, path):
    return requests.get(stack.url + path, headers={"Authorization": f"Bearer {stack.operator_token}"}, timeout=10)


def listed_ids(driver):
    # One script, so the list cannot be re-rendered between finding the items and reading them.
    return driver.execute_script("return Array.from(document.querySelectorAll('#people li'), item => item.dataset.id)")


def enter_token(driver, token):
    field = driver.find_element(By.NAME, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "operator-submit").click()


def test_a_valid_person_appears_at_the_top(browser, page_stack):
    open_page(browser, page_stack)
    email = unique_email("browser")
    fill(browser, "Grace Hopper", email, "85")
    submit(browser)
    WebDriverWait(browser, 10).until(lambda d: email in d.find_element(By.CSS_SELECTOR, "#people li").text)
    first = browser.find_element(By.CSS_SELECTOR, "#people li")
    person_id = first.get_attribute("data-id")
    assert "Grace Hopper" in first.text and person_id in first.text
    assert "age 85" in first.text
    assert f"Record ID {person_id}" in first.text
    # The id keeps clear of the card's edge, at 375 px too; the page says what it is for.
    gap = browser.execute_script("""const id = document.querySelector('#people li .person-id').getBoundingClientRect();
        const card = document.querySelector('#people').closest('.card').getBoundingClientRect();
        return card.right - id.right;""")
    assert gap >= 12, gap
    assert "directory of people" in browser.find_element(By.CSS_SELECTOR, ".intro").text
    status = browser.find_element(By.ID, "form-status")
    assert status.text == "Added Grace Hopper." and "success" in status.get_attribute("class")
    fetched = operator_get(page_stack, f"/api/people/{person_id}").json()
    assert fetched["email"] == email and fetched["age"] == 85
    assert browser.execute_script("return window.__sameDocument === true")
    screenshot(browser, "created")


def test_all_field_errors_show_then_clear(browser, page_stack):
    open_page(browser, page_stack)
    email = unique_email("fixme")
    fill(browser, "   ", "not-an-email", "200")
    submit(browser)
    wait_idle(browser)
    WebDriverWait(browser, 10).until(lambda d: error_for(d, "name") != "")
    assert error_for(browser, "name") and error_for(browser, "email") and error_for(browser, "age")
    assert browser.find_element(By.NAME, "name").get_attribute("aria-invalid") == "true"
    assert browser.switch_to.active_element.get_attribute("name") == "name"
    assert browser.execute_script("return window.__sameDocument === true")
    # A 422 has its summary too, as a 409 has: what happened above, what to fix beside each field.
    assert browser.find_element(By.ID, "form-error").text == "The person could not be created: 3 fields are invalid."
    screenshot(browser, "field-errors")
    fill(browser, "Fixed Name", email, "40")
    submit(browser)
    WebDriverWait(browser, 10).until(lambda d: email in d.find_element(By.ID, "people").text)
    assert error_for(browser, "name") == error_for(browser, "email") == error_for(browser, "age") == ""
    assert browser.find_element(By.ID, "form-error").text == ""
    assert stored(page_stack, email) == 1


def test_duplicate_email_shows_both_messages(browser, page_stack):
    email = unique_email("dup")
    requests.post(page_stack.url + "/api/people", json={"name": "First", "email": email}, timeout=10).raise_for_status()
    open_page(browser, page_stack)
    fill(browser, "Second", email.upper())
    submit(browser)
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "form-error").text != "")
    assert "already exists" in browser.find_element(By.ID, "form-error").text
    assert "Nothing was added: change the marked field" in browser.find_element(By.ID, "form-error").text
    assert "already taken" in error_for(browser, "email")
    screenshot(browser, "duplicate")


def test_double_click_creates_one_person(browser, page_stack):
    open_page(browser, page_stack)
    email = unique_email("double")
    fill(browser, "Double Click", email)
    browser.execute_script("const b = document.getElementById('submit'); b.click(); b.click(); b.click();")
    WebDriverWait(browser, 10).until(lambda d: email in d.find_element(By.ID, "people").text)
    wait_idle(browser)
    assert stored(page_stack, email) == 1
    assert browser.find_element(By.ID, "people").text.count(email) == 1


def test_responder_down_shows_a_readable_message(browser, page_stack):
    open_page(browser, page_stack)
    page_stack.stop_responder()
    try:
        fill(browser, "Nobody Home", unique_email("down"))
        submit(browser)
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "form-error").text != "")
        message = browser.find_element(By.ID, "form-error").text
        assert "not reachable" in message
        assert browser.find_element(By.ID, "submit").is_enabled()
        screenshot(browser, "responder-down")
    finally:
        page_stack.start_responder()


def test_a_retry_after_a_lost_answer_reuses_the_idempotency_key(browser, page_stack):
    open_page(browser, page_stack)
    # Record the Idempotency-Key of every create the page sends.
    browser.execute_script("""
        window.__keys = [];
        const original = window.fetch;
        window.fetch = (url, options) => {
            if (options && options.method === 'POST') window.__keys.push(options.headers['Idempotency-Key']);
            return original(url, options);
        };""")
    email = unique_email("retry")
    fill(browser, "Retry Person", email)
    page_stack.stop_responder()
    try:
        submit(browser)
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "form-error").text != "")
        wait_idle(browser)
    finally:
        page_stack.start_responder()
    submit(browser)  # the same submission again
    WebDriverWait(browser, 10).until(lambda d: email in d.find_element(By.ID, "people").text)
    keys = browser.execute_script("return window.__keys")
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert stored(page_stack, email) == 1
    # A new submission gets a new key.
    fill(browser, "Another Person", unique_email("retry"))
    submit(browser)
    WebDriverWait(browser, 10).until(lambda d: len(d.execute_script("return window.__keys")) == 3)
    assert browser.execute_script("return window.__keys")[2] != keys[0]


def test_the_list_holds_this_tabs_people_only_and_survives_a_reload(browser, page_stack):
    elsewhere = requests.post(page_stack.url + "/api/people", json={"name": "Elsewhere", "email": unique_email("else")}, timeout=10).json()
    open_page(browser, page_stack)
    assert listed_ids(browser) == []
    empty = browser.find_element(By.ID, "people-empty")
    assert empty.is_displayed() and "No one yet" in empty.text
    screenshot(browser, "empty")
    created = []
    for name in ("First Here", "Second Here"):
        fill(browser, name, unique_email("tab"))
        submit(browser)
        WebDriverWait(browser, 10).until(lambda d: name in d.find_element(By.ID, "people").text)
        created.append(browser.find_element(By.CSS_SELECTOR, "#people li").get_attribute("data-id"))
    assert not browser.find_element(By.ID, "people-empty").is_displayed()
    assert listed_ids(browser) == list(reversed(created))  # newest first
    assert elsewhere["id"] not in listed_ids(browser)
    assert browser.find_elements(By.CSS_SELECTOR, '#people [data-action="erase"]') == []
    browser.refresh()
    WebDriverWait(browser, 10).until(lambda d: len(listed_ids(d)) == 2)
    assert listed_ids(browser) == list(reversed(created))
    # A new session (another tab, another person) starts empty.
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "people-empty").is_displayed())
    assert listed_ids(browser) == []


def test_a_wrong_token_gets_a_readable_message(browser, page_stack):
    open_page(browser, page_stack)
    enter_token(browser, "not-a-real-token")
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "operator-error").text != "")
    assert browser.find_element(By.ID, "operator-error").text == "The operator token is unknown or has been revoked (or is not a bearer token)."
    assert browser.execute_script("return sessionStorage.getItem('people-api.operator-token')") is None
    screenshot(browser, "operator-refused")


def test_an_operator_sees_everyone_pages_through_and_erases(browser, page_stack):
    ids = [requests.post(page_stack.url + "/api/people", json={"name": f"Listed {i}", "email": unique_email("op")}, timeout=10).json()["id"]
           for i in range(25)]
    open_page(browser, page_stack)
    enter_token(browser, page_stack.operator_token)
    WebDriverWait(browser, 10).until(lambda d: len(listed_ids(d)) == 20)
    assert listed_ids(browser)[0] == ids[-1]  # newest first
    assert "Everyone" in browser.find_element(By.ID, "people-heading").text
    assert browser.execute_script("return sessionStorage.getItem('people-api.operator-token')") is not None
    assert browser.execute_script("return localStorage.length") == 0
    # The token field is emptied once taken: the panel says a token is in use.
    assert "An operator token is in use in this tab" in browser.find_element(By.ID, "operator-status").text
    assert browser.find_element(By.CSS_SELECTOR, 'label[for="token"]').text == "Another operator token"
    screenshot(browser, "operator")
    browser.execute_script("document.getElementById('operator').scrollIntoView({block: 'center'})")
    screenshot(browser, "operator-panel")
    browser.execute_script("window.scrollTo(0, 0)")
    total = len(operator_get(page_stack, "/api/people?limit=100").json()["items"])
    for _ in range(20):
        more = browser.find_element(By.ID, "more")
        if not more.is_displayed():
            break
        shown = len(listed_ids(browser))
        more.click()
        WebDriverWait(browser, 10).until(lambda d: len(listed_ids(d)) > shown)
    assert not browser.find_element(By.ID, "more").is_displayed()
    assert len(listed_ids(browser)) >= min(total, 100)
    # With the button gone, keyboard focus stays in the list instead of dropping to the body.
    assert browser.switch_to.active_element.tag_name != "body"
    victim = ids[-1]
    browser.execute_script("window.confirm = () => true;")
    browser.find_element(By.CSS_SELECTOR, f'#people li[data-id="{victim}"] [data-action="erase"]').click()
    WebDriverWait(browser, 10).until(lambda d: victim not in listed_ids(d))
    assert operator_get(page_stack, f"/api/people/{victim}").status_code == 404
    # Said in words, in a status region a screen reader announces, not only by focus moving.
    assert browser.find_element(By.ID, "list-status").text.startswith("Erased Listed 24 <")
    assert browser.find_element(By.ID, "list-status").get_attribute("role") == "status"
    browser.execute_script("document.getElementById('list-status').scrollIntoView({block: 'center'})")
    screenshot(browser, "erased")
    # Declining the confirmation erases nothing.
    kept = ids[-2]
    browser.execute_script("window.confirm = () => false;")
    browser.find_element(By.CSS_SELECTOR, f'#people li[data-id="{kept}"] [data-action="erase"]').click()
    assert operator_get(page_stack, f"/api/people/{kept}").status_code == 200
    assert kept in listed_ids(browser)


def test_a_token_revoked_meanwhile_returns_the_page_to_the_tab_list(browser, page_stack):
    name = f"revoked-{uuid.uuid4().hex[:12]}"
    token = page_stack.create_token(name)
    open_page(browser, page_stack)
    enter_token(browser, token)
    WebDriverWait(browser, 10).until(lambda d: "Everyone" in d.find_element(By.ID, "people-heading").text)
    assert page_stack.token_command("revoke", name).returncode == 0
    browser.refresh()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "operator-error").text != "")
    assert "Added from this tab" in browser.find_element(By.ID, "people-heading").text


def test_no_console_errors_and_a_favicon(browser, page_stack):
    open_page(browser, page_stack)
    assert requests.get(page_stack.url + "/favicon.svg", timeout=10).headers["Content-Type"].startswith("image/svg+xml")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors
