"""GET /api/v1/health, anonymous: the API's own state, and ``admin_exists`` so that the dashboard's login page can
tell a fresh install how to create the first administrator."""

from __future__ import annotations

from sqlalchemy import delete, update

from mongo_admin.db.models import User
from tests.support.platform_api import ApiHarness


def _admin_exists(api: ApiHarness) -> bool:
    response = api.client.get("/api/v1/health")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"
    admin_exists: bool = response.json()["admin_exists"]
    return admin_exists


def test_admin_exists_while_an_enabled_admin_does(api: ApiHarness) -> None:
    assert _admin_exists(api) is True
    api.add_user("second-admin", "admin", disabled=True)
    with api.sessions()() as session:
        session.execute(update(User).where(User.username == "admin").values(disabled=True))
        session.commit()
    # A disabled admin cannot log in: as good as none.
    assert _admin_exists(api) is False
    with api.sessions()() as session:
        session.execute(update(User).where(User.username == "second-admin").values(disabled=False))
        session.commit()
    assert _admin_exists(api) is True


def test_a_fresh_install_has_no_admin(api: ApiHarness) -> None:
    with api.sessions()() as session:
        session.execute(delete(User))
        session.commit()
    assert _admin_exists(api) is False
    # Users of the other roles are no administrator.
    api.add_user("watcher", "viewer")
    api.add_user("oncall", "operator")
    assert _admin_exists(api) is False
