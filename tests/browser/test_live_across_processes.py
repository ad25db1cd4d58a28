"""The REDIS_URL deployment: the app and the job worker are separate processes. Texts leave from
`python -m pakjeplekje worker`, and what that worker does still reaches the staff browser
without a reload — relayed through Redis pub/sub to the app process that holds the websocket.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect

from tests.browser.conftest import app_environment, running_app, start_process, stop
from tests.browser.flows import App, open_slot, seed_patients, signed_up_owner, toasts
from tests.local_services import empty_redis_db


@pytest.fixture(scope="module")
def redis_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    url = empty_redis_db()
    data_dir = tmp_path_factory.mktemp("redis-app-data")
    try:
        with running_app(data_dir, own_build=True, REDIS_URL=url) as app:
            env = app_environment(app.port, data_dir, REDIS_URL=url)
            worker = start_process(
                [sys.executable, "-m", "pakjeplekje", "worker"], env, data_dir / "worker.log"
            )
            try:
                yield app
            finally:
                stop(worker)
    finally:
        redis.Redis.from_url(url).flushdb()


def test_texts_sent_by_a_separate_worker_and_a_claim_reach_the_staff_page(
    page: Page, redis_app: App
) -> None:
    app = redis_app
    owner = signed_up_owner(page, app, "Tandartspraktijk Twee Processen")
    seed_patients(app, owner, 3)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    expect(page.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()

    open_slot(page, "14:00")
    slot = page.locator("[data-slot]").first
    expect(slot.locator("[data-offer]")).to_have_count(3)
    # only the worker process sends (the app runs no consumer with REDIS_URL), and its
    # "verstuurd" arrives on this page through Redis, without a reload
    expect(slot.get_by_text("verstuurd")).to_have_count(3)
    assert "send_offers_task" in (app.data_dir / "worker.log").read_text()

    sms_page = page.context.new_page()
    sms_page.goto(app.url("/dev/sms?nummer=%2B31620000002"))
    link = sms_page.locator("a[href*='/c/']").first.get_attribute("href")
    assert link
    sms_page.close()
    token = link.rsplit("/c/", 1)[1]
    assert httpx.post(app.url(f"/api/claim/{token}")).json() == {"result": "claimed"}
    expect(slot.locator(".gevuld")).to_contain_text("Seed Patiënt 002")
    expect(toasts(page).filter(has_text="is gevuld door Seed Patiënt 002")).to_be_visible()
