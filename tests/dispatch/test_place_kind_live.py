"""Named places carry their place type through the real server: import, place.add, /api/places, the
register form, a row/column refusal that changes nothing, and a rebuild that gives the same rows."""

from __future__ import annotations

from org import Api, import_organisation
from support import Served

TYPED = "id,name,unit_id,lat,lon,place_type\ngate,机关大门,county,30.0010,120.0010,党政机关大门\n"


def _kinds(duty: Api) -> dict[str, str]:
    return {p["name"]: p["place_type"] for p in duty.get("/api/places").json()["places"]}


def test_places_keep_their_type_and_the_form_offers_it(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    assert _kinds(duty)["机关大门"] == "other"  # imported without the column
    duty.ok("org.import", {"table": "places", "text": TYPED})
    added = Api(server, "r1").ok("place.add", {"name": "信访局门口", "place_type": "reception_hall"})
    kinds = _kinds(duty)
    assert kinds["机关大门"] == "party_gov_gate" and kinds["信访局门口"] == "reception_hall"
    assert kinds["城关镇政府"] == "other" and added["place_id"].startswith("place-")

    page = duty.get("/").text
    assert 'value="机关大门" data-place-type="party_gov_gate"' in page
    assert 'value="信访局门口" data-place-type="reception_hall"' in page

    export = duty.get("/api/org/export?table=places").text
    assert "place_type" in export.splitlines()[0] and "party_gov_gate" in export


def test_a_bad_place_type_is_refused_with_its_row_and_column(server: Served) -> None:
    duty = Api(server, "duty")
    import_organisation(duty)
    bad = TYPED + "yard,县委大院,county,,,大院\n"
    r = duty.command("org.import", {"table": "places", "text": bad})
    body = r.json()
    assert r.status_code == 422 and not body["ok"], body
    rows = body["error"]["errors"]
    assert [(e["row"], e["column"]) for e in rows] == [(3, "place_type")]
    assert "'大院'" in rows[0]["message"] and "取值不在允许范围内" in rows[0]["message"]
    assert _kinds(duty)["机关大门"] == "other"  # nothing of the file was taken

    wrong = duty.command("place.add", {"name": "广场", "place_type": "square"})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_command"
    assert "广场" not in _kinds(duty)
