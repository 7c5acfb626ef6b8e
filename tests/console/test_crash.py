"""Nothing acknowledged is lost: SIGKILL the server in the middle of a burst of commands."""

from __future__ import annotations

import asyncio
import json
import signal

from support import Deployment, LiveClient, Server, cli, command_id, fold, login, register_args, server_events


async def test_every_acknowledged_command_survives_sigkill_and_client_resumes(deployment: Deployment) -> None:
    server = Server(deployment).start()
    try:
        cookie, _ = login(server, "duty")
        client = LiveClient(server.ws_url, cookie)
        await client.connect()
        first = await client.wait_result(await client.send("incident.register", register_args()))
        incident = first["result"]["incident_id"]

        # 2,000 commands as fast as the socket takes them (far more than the console commits before the
        # kill lands, even when the test's own thread is slow); acknowledgements are recorded as they come.
        cids = [command_id() for _ in range(2000)]

        async def burst() -> None:
            for i, cid in enumerate(cids):
                await client.ws.send(
                    json.dumps(
                        {
                            "type": "command",
                            "id": cid,
                            "name": "incident.note",
                            "args": {"incident_id": incident, "text": f"现场记录 {i}"},
                        }
                    )
                )

        sender = asyncio.create_task(burst())
        burst_ids = set(cids)
        # Count only the burst's acknowledgements (the registration's is in `results` too).
        while sum(1 for cid, r in list(client.results.items()) if r["ok"] and cid in burst_ids) < 150:
            await asyncio.sleep(0.001)
        server.kill(signal.SIGKILL)
        await asyncio.gather(sender, return_exceptions=True)
        await client.wait_closed()  # every acknowledgement sent before the kill has been read
        acked = {cid: r for cid, r in client.results.items() if r["ok"] and cid in burst_ids}
        assert 150 <= len(acked) < len(cids), "the kill must land mid-burst"
        seen_before = [e["position"] for e in client.events]
        await client.close()
    finally:
        server.kill()

    restarted = Server(deployment).start()
    try:
        cookie, _ = login(restarted, "duty")
        log = server_events(restarted, cookie)
        positions = [e["position"] for e in log]
        assert positions == list(range(1, len(log) + 1)), "positions have no gaps"
        by_command = {e["command_id"]: e for e in log}
        for cid, result in acked.items():
            assert cid in by_command, "an acknowledged command is in the log"
            assert by_command[cid]["position"] == result["position"]
        assert cli(deployment.env, "verify-log").returncode == 0

        # The client resumes from where it was and ends with exactly the server's state.
        client.ws_url = restarted.ws_url
        client.cookie = cookie
        await client.connect()
        await client.wait_position(positions[-1])
        got = [e["position"] for e in client.events]
        assert got == list(range(1, positions[-1] + 1)), "every event once, in order"
        assert got[: len(seen_before)] == seen_before
        assert fold(client.events) == fold(log)
        # Commands that were sent but never acknowledged can be retried with the same ids: no duplicates.
        unacked = [cid for cid in cids if cid not in acked]
        for cid in unacked[:50]:
            await client.send("incident.note", {"incident_id": incident, "text": "重发"}, cid)
        for cid in unacked[:50]:
            assert (await client.wait_result(cid))["ok"]
        after = server_events(restarted, cookie)
        assert len({e["command_id"] for e in after}) == len(after)
        await client.close()
    finally:
        restarted.stop()
