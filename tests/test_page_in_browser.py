"""The web page in a real headless Chromium (Debian's chromium + chromium-driver) against the real stack."""
import sqlite3

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
    with sqlite3.connect(stack.database) as db:
        return db.execute("SELECT count(*) FROM person WHERE email_key = lower(?)", (email,)).fetchone()[0]


def test_a_valid_person_appears_at_the_top(browser, page_stack):
    open_page(browser, page_stack)
    email = unique_email("browser")
    fill(browser, "Grace Hopper", email, "85")
    submit(browser)
    WebDriverWait(browser, 10).until(lambda d: email in d.find_element(By.CSS_SELECTOR, "#people li").text)
    first = browser.find_element(By.CSS_SELECTOR, "#people li")
    person_id = first.get_attribute("data-id")
    assert "Grace Hopper" in first.text and person_id in first.text
    fetched = requests.get(f"{page_stack.url}/api/people/{person_id}", timeout=10).json()
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
