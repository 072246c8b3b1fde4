"""Administration in Chromium: create a user (preview, confirm, one-time code), their first sign-in with a
new password, deactivation signing them out, the WhatsApp state, and the audit trail with its CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served
from warehouse.seed.access import DEV_PASSWORD


def _context(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)


@pytest.fixture
def admin(browser: Any, served: Served, request: pytest.FixtureRequest, artifacts: Path) -> Iterator[Any]:
    """A tab signed in as the seeded SYSADMIN."""
    context = _context(browser)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    _sign_in(tab, served, "admin", DEV_PASSWORD)
    yield tab
    tab.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


def _sign_in(tab: Any, served: Served, username: str, password: str) -> None:
    tab.goto(f"{served.base}/login")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()


def _create(admin: Any, served: Served, username: str, phone: str) -> str:
    """Create a user through the pages; returns the one-time code shown once."""
    admin.goto(f"{served.base}/")
    admin.click("[data-menu=MENU_ADMIN]")
    admin.click("text=Users and WhatsApp numbers")
    admin.click("[data-testid=new-user]")
    admin.fill("input[name=username]", username)
    admin.fill("input[name=full_name]", "Dewi Lestari")
    admin.fill("input[name=email]", f"{username}@factory.local")
    admin.select_option("select[name=role]", "STAFF_WH")
    admin.fill("input[name=phone]", phone)
    admin.click("[data-testid=user-form] button[type=submit]")
    preview = admin.locator("[data-testid=preview]")
    assert "create user " + username in preview.inner_text()
    assert (
        admin.locator("[data-testid=change][data-field=phone]").inner_text().endswith(phone.replace(" ", ""))
    )
    admin.click("[data-testid=confirm]")
    code = str(admin.locator("[data-testid=one-time-code]").inner_text()).strip()
    assert len(code) >= 16
    return code


def test_create_first_sign_in_and_deactivate(
    browser: Any, admin: Any, served: Served, artifacts: Path
) -> None:
    name = f"dewi{uuid.uuid4().hex[:6]}"
    code = _create(admin, served, name, "+62 812 5555 0101")
    staff = _context(browser)
    tab = staff.new_page()
    tab.set_default_timeout(15_000)
    _sign_in(tab, served, name, code)
    assert "Choose a new password" in tab.locator("h1").inner_text()
    tab.fill("input[name=current]", code)
    tab.fill("input[name=new]", "password1")
    tab.fill("input[name=repeat]", "password1")
    tab.click("button[type=submit]")
    assert "too common" in tab.locator("[data-testid=password-error]").inner_text()
    tab.fill("input[name=current]", code)
    tab.fill("input[name=new]", "rak-biru-gudang-12")
    tab.fill("input[name=repeat]", "rak-biru-gudang-12")
    tab.click("button[type=submit]")
    tab.wait_for_load_state()
    assert name in tab.locator("[data-testid=who]").inner_text()  # signed in with the new password
    admin.goto(f"{served.base}/admin/users/{name}")
    assert "may chat" in admin.locator("[data-testid=wa]").inner_text()
    admin.click("[data-testid=toggle-active]")
    admin.click("[data-testid=confirm]")
    admin.goto(f"{served.base}/admin/users/{name}")
    assert "inactive" in admin.locator("[data-testid=state]").inner_text()
    assert "refused" in admin.locator("[data-testid=wa]").inner_text()
    tab.goto(f"{served.base}/inventory")
    assert "/login" in tab.url  # deactivation ended the session at once
    tab.screenshot(path=str(artifacts / "admin-deactivated-user.png"), full_page=True)
    staff.close()


def test_audit_trail_filters_and_exports(admin: Any, served: Served) -> None:
    name = f"eko{uuid.uuid4().hex[:6]}"
    _create(admin, served, name, "+62 812 5555 0202")
    admin.goto(f"{served.base}/admin/audit")
    admin.fill("input[name=action]", "USER_CREATE")
    admin.click("form.audit-filter button")
    rows = admin.locator("[data-testid=audit-row]")
    assert rows.count() >= 1 and name in rows.first.inner_text() and "admin" in rows.first.inner_text()
    with admin.expect_download() as download:
        admin.click("[data-testid=export]")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert exported and all(r["action"] == "USER_CREATE" for r in exported)
    assert any(name in r["new_value"] for r in exported)


def test_roles_page_grants_with_confirmation(admin: Any, served: Served) -> None:
    admin.goto(f"{served.base}/admin/roles/READONLY")
    assert admin.locator("nav.side [data-menu=MENU_ADMIN]").count() == 1  # the sidebar stays on every page
    row = admin.locator("[data-testid=perm][data-code='ALERT.READ']")
    before = row.get_attribute("data-held")
    row.locator("button").click()
    assert "READONLY" in admin.locator("[data-testid=preview]").inner_text()
    admin.click("[data-testid=confirm]")
    admin.goto(f"{served.base}/admin/roles/READONLY")
    after = admin.locator("[data-testid=perm][data-code='ALERT.READ']").get_attribute("data-held")
    assert before != after
    system = admin.goto(f"{served.base}/admin/roles/SYSADMIN")
    assert system is not None and "permissions are fixed" in admin.content()
