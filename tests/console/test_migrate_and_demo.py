"""`migrate` says what it did, and the demo's incidents are drills."""

from __future__ import annotations

import httpx
from support import Deployment, Server, cli, login


def test_migrate_on_a_new_database_says_it_built_the_schema(deployment: Deployment) -> None:
    # the deployment fixture has migrated once already: a second run has nothing to do
    again = cli(deployment.env, "migrate")
    assert "数据库已是最新" in again.stdout


def test_migrate_on_an_empty_database_reports_the_steps(tmp_path: object, deployment: Deployment) -> None:
    env = {**deployment.env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/fresh.db"}
    first = cli(env, "migrate")
    assert "数据库已是最新" not in first.stdout
    assert "数据库结构已建立或升级" in first.stdout
    assert "数据库已是最新" in cli(env, "migrate").stdout


def test_demo_incidents_are_drills(deployment: Deployment) -> None:
    cli(deployment.env, "seed-demo")
    server = Server(deployment).start()
    try:
        cookie, _csrf = login(server, "duty")  # the test deployment's own password
        state = httpx.get(server.base + "/api/state", cookies={"ic_session": cookie}).json()["state"]
        assert len(state["incidents"]) == 2
        assert all(i["drill"] for i in state["incidents"])
    finally:
        server.stop()
