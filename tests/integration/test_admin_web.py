"""The administration pages over HTTP: permission per page, preview then confirm, CSRF, audit, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.integration.web_support import app_client, sign_in, web_settings
from warehouse.schema import AdmUser, LogAudit

FORM = {
    "username": "budi",
    "full_name": "Budi Santoso",
    "email": "budi@factory.local",
    "role": "STAFF_WH",
    "phone": "+6281277770001",
    "lang": "id",
}


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(web_settings(seeded_engine, spec_today, tmp_path)) as c:
        yield c


def user_row(engine: Engine, username: str) -> AdmUser | None:
    with Session(engine) as s:
        return s.scalar(select(AdmUser).where(AdmUser.username == username))


def test_create_user_previews_then_applies_once_with_a_one_time_code(
    client: TestClient, seeded_engine: Engine
) -> None:
    sign_in(client, "admin")
    preview = client.post("/admin/users/new", data=FORM)
    assert preview.status_code == 200 and 'data-testid="confirm"' in preview.text
    assert "+6281277770001" in preview.text and user_row(seeded_engine, "budi") is None
    done = client.post("/admin/users/new", data={**FORM, "confirm": "yes"})
    code = re.search(r'data-testid="one-time-code">([^<]+)<', done.text)
    assert done.status_code == 200 and code and len(code.group(1)) >= 16
    row = user_row(seeded_engine, "budi")
    assert row is not None and row.must_change_pw and row.wa_opt_in
    twice = client.post("/admin/users/new", data={**FORM, "confirm": "yes"})
    assert twice.status_code == 409 and "already exists" in twice.text
    listed = client.get("/admin/users?q=budi").text
    assert 'data-username="budi"' in listed and 'data-username="admin"' not in listed
    john = client.get("/admin/users?q=john").text  # times in the factory's zone, as the spec's sample
    assert "2024-12-27 09:15" in john


def test_the_new_user_must_choose_a_password_at_sign_in(client: TestClient, seeded_engine: Engine) -> None:
    sign_in(client, "admin")
    done = client.post("/admin/users/new", data={**FORM, "confirm": "yes"})
    code = re.search(r'data-testid="one-time-code">([^<]+)<', done.text)
    assert code
    client.cookies.clear()
    first = client.post("/login", data={"username": "budi", "password": code.group(1), "next": "/"})
    assert (
        first.status_code == 200
        and "Choose a new password" in first.text
        and "sf_access" not in client.cookies
    )
    form = {
        "username": "budi",
        "current": code.group(1),
        "new": "qwerty123",
        "repeat": "qwerty123",
        "next": "/",
    }
    weak = client.post("/password", data=form)
    assert weak.status_code == 422 and "common" in weak.text
    good = {**form, "new": "rak-gudang-biru-44", "repeat": "rak-gudang-biru-44"}
    ok = client.post("/password", data=good)
    assert ok.status_code == 303 and client.cookies.get("sf_access")
    row = user_row(seeded_engine, "budi")
    assert row is not None and not row.must_change_pw


def test_pages_check_their_permission(client: TestClient) -> None:
    sign_in(client, "operator1")
    for path in (
        "/admin",
        "/admin/users",
        "/admin/roles",
        "/admin/sessions",
        "/admin/audit",
        "/admin/audit.csv",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/users/new", data={**FORM, "confirm": "yes"}).status_code == 403
    client.cookies.clear()
    sign_in(client, "director")  # audit only: the Audit Log menu, not the user pages
    page = client.get("/admin/audit")
    assert page.status_code == 200 and 'data-menu="MENU_ADMIN_AUDIT"' in page.text
    assert client.get("/admin/users").status_code == 403


def test_a_form_from_another_site_is_refused(client: TestClient, seeded_engine: Engine) -> None:
    sign_in(client, "admin")
    forged = client.post(
        "/admin/users/director/active",
        data={"active": "0", "confirm": "yes"},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    row = user_row(seeded_engine, "director")
    assert row is not None and row.is_active


def test_edit_deactivate_and_audit_with_csv(client: TestClient, seeded_engine: Engine) -> None:
    sign_in(client, "admin")
    edit = {"email": "jane@factory.local", "full_name": "Jane Smith", "role": "MANAGER_PROD", "lang": "en"}
    client.post("/admin/users/jane.smith", data={**edit, "phone": "+6281277770002", "confirm": "yes"})
    client.post("/admin/users/operator1/active", data={"active": "0", "confirm": "yes"})
    page = client.get("/admin/audit?action=USER_UPDATE").text
    assert 'data-testid="audit-total">1<' in page and "+6281277770002" in page
    everything = client.get("/admin/audit?entity=wa_inbound&page=1").text  # the seed has no WhatsApp rows
    assert 'data-testid="audit-total">0<' in everything and "No audit row matches" in everything
    assert client.get("/admin/audit?since=27-12-2024").status_code == 422
    with Session(seeded_engine) as s:
        row = s.scalar(select(LogAudit).where(LogAudit.action == "USER_DEACTIVATE"))
    assert row is not None and json.loads(row.old_value or "{}") == {"is_active": True}
    assert row.user_id is not None and row.ip_address  # who, from where
    exported = client.get("/admin/audit.csv?entity=adm_user")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows[:2]] == ["USER_DEACTIVATE", "USER_UPDATE"] and rows[0][
        "user"
    ] == "admin"
    assert all(r["entity"].startswith("adm_user") for r in rows)  # the seed's sample rows match too
    listed = client.get("/admin/users?q=operator1").text
    assert 'data-testid="state">inactive<' in listed


def test_sessions_page_signs_someone_out(
    client: TestClient, seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    other = app_client(web_settings(seeded_engine, spec_today, tmp_path / "other"))
    with other:
        sign_in(other, "jane.smith")
        sign_in(client, "admin")
        page = client.get("/admin/sessions").text
        family = re.search(r'data-username="jane.smith">.*?name="session" value="([^"]+)"', page, re.S)
        assert family
        client.post("/admin/sessions/revoke", data={"session": family.group(1), "confirm": "yes"})
        assert other.get("/machines").status_code == 303  # signed out: back to the sign-in page
