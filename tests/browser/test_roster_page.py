"""The roster page: swap and override forms with their history, and an import that is all rows or none."""

from __future__ import annotations

import sys
from pathlib import Path

from browser_support import TABLET, OpenPage, screenshot
from playwright.sync_api import expect
from support import Server

sys.path.insert(0, str(Path(__file__).parent.parent / "dispatch"))
from org import Api, import_organisation


def test_swap_override_history_and_import(server: Server, open_page: OpenPage, tmp_path: Path) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    page = open_page("duty", TABLET, "/roster")
    expect(page.locator("#leader")).to_have_text("李书记")
    expect(page.locator('#on-duty tr[data-shift="s-r1"]')).to_contain_text("张一")

    # an override: r2 takes r1's shift, with a reason; the history names who made it
    override = page.locator("#override")
    override.locator("[name=shift_id]").select_option("s-r1")
    override.locator("[name=new_holder_id]").select_option("r2")
    override.locator("[name=reason]").fill("病假顶班")
    override.locator("button[type=submit]").click()
    row = page.locator("#changes tr[data-kind=override]")
    expect(row).to_contain_text("病假顶班")
    expect(row.locator(".made-by")).to_have_text("duty")  # the display name of the test user
    expect(page.locator('#on-duty tr[data-shift="s-r1"]')).to_contain_text("李二")

    # a swap across posts is refused in Chinese and recorded nowhere
    swap = page.locator("#swap")
    swap.locator("[name=shift_id]").select_option("s-r2")
    swap.locator("[name=other_shift_id]").select_option("s-lead")
    swap.locator("[name=reason]").fill("换班")
    swap.locator("button[type=submit]").click()
    expect(swap.locator('[data-error-for="form"]')).to_contain_text("同一岗位")
    swap.locator("[name=other_shift_id]").select_option("s-r3")
    swap.locator("button[type=submit]").click()
    # shifts are named by when they start and their post, never by their ids
    swapped = page.locator("#changes tr[data-kind=swap]")
    expect(swapped).to_contain_text("⇄")
    expect(swapped).to_contain_text("备勤")
    expect(swapped).not_to_contain_text("s-r2")
    changes = duty.get("/api/roster").json()["changes"]
    assert [(c["kind"], c["made_by_name"]) for c in changes] == [("override", "duty"), ("swap", "duty")]

    # another desk's change reaches this open page with its event, well before the minute's re-read
    leader = Api(server, "leader")
    leader.ok(
        "roster.change",
        {"kind": "override", "shift_id": "s-r3", "new_holder_id": "r1", "reason": "另一值班台顶班"},
    )
    newest = page.locator("#changes tbody tr").first
    expect(newest).to_contain_text("另一值班台顶班", timeout=10_000)
    expect(newest.locator(".made-by")).to_have_text("leader")

    # an import with bad rows shows each row's error and imports nothing; fixed, it goes in whole
    bad = tmp_path / "people.csv"
    rows = "id,name,unit_id,phone\nn1,新人一,office,13900000001\nn2,新人二,nowhere,13900000002\n"
    bad.write_text(rows, encoding="utf-8")
    form = page.locator("#import")
    form.locator("[name=table]").select_option("people")
    form.locator("[name=file]").set_input_files(str(bad))
    form.locator("button[type=submit]").click()
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator('tr[data-row="3"]')).to_contain_text("unit_id")
    expect(form.locator('[data-error-for="form"]')).to_contain_text("未导入")
    assert "n1" not in {p["id"] for p in duty.get("/api/responders").json()["people"]}
    screenshot(page, "roster-import-errors")

    good = tmp_path / "people.yaml"
    good.write_text("- {id: n1, name: 新人一, unit_id: office}\n- {id: n2, name: 新人二, unit_id: town}\n")
    form.locator("[name=file]").set_input_files(str(good))
    form.locator("button[type=submit]").click()
    expect(form.locator('[data-notice-for="form"]')).to_contain_text("2")
    expect(errors).to_be_hidden()
    assert {"n1", "n2"} <= {p["id"] for p in duty.get("/api/responders").json()["people"]}
    href = page.locator('[data-export="people-yaml"]').get_attribute("href")
    assert href is not None and "新人二" in duty.get(href).text
