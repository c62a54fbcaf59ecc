"""The API reference at /docs renders in Chromium, from the local server alone, under its CSP.

The tab records CSP violations and script errors like the Guichet's tabs, and
fails on any (a CDN fetch, an inline script or style Swagger UI would need).
axe is not run here: the markup is Swagger UI's, not ours.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def reference(open_guichet):
    tab = open_guichet("desktop")  # any page of the server gets the Guichet's tab checks
    requests: list[str] = []
    tab.page.on("request", lambda request: requests.append(request.url))
    tab.open("/docs")
    # Swagger UI renders the whole document at once: seconds on a busy core, so wait for it here.
    expect(tab.page.get_by_role("heading", name="Pass Culture Pro API")).to_be_visible(timeout=30_000)
    expect(tab.page.locator(".servers select")).to_be_visible(timeout=30_000)
    tab.requests = requests
    return tab


def test_the_reference_shows_the_api_s_title_and_its_operations(reference, server):
    page = reference.page
    expect(page.get_by_role("heading", name="Pass Culture Pro API")).to_be_visible()
    expect(page.get_by_text("Books a stock (1 place, or 2 on duo offers)").first).to_be_visible()
    expect(page.get_by_text("/v2/bookings/token/{token}").first).to_be_visible()
    reference.shot("docs")
    # Everything came from the server the page was served by.
    assert reference.requests and all(url.startswith(server.url + "/") for url in reference.requests)


def test_an_operation_opens_on_its_description_and_example_body(reference):
    page = reference.page
    page.get_by_text("Books a stock (1 place, or 2 on duo offers)").first.click()
    expect(page.get_by_text("One transaction: the place is taken").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text('"stockId"').first).to_be_visible()
    reference.shot("docs-booking")


def test_try_it_out_calls_the_server_the_page_came_from(reference, server):
    page = reference.page
    expect(page.locator(".servers select")).to_have_value(server.url)
    page.get_by_text("This document: the OpenAPI 3.1 description of the whole API.").first.click()
    operation = page.locator(".opblock").filter(has=page.get_by_text("/openapi.json", exact=True))
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: r.url == server.url + "/openapi.json") as answer:
        operation.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    # Swagger UI renders the 200 KB answer before its status row: seconds on a busy core.
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_contain_text("200", timeout=30_000)
