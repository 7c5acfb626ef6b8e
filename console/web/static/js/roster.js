// 值班表: who is on duty now, the leader on duty, swaps and overrides.
import {el, start, when} from "./ui.js";

async function load() {
  const r = await fetch("/api/roster", {headers: {Accept: "application/json"}, cache: "no-store"});
  const data = await r.json();
  if (!data.ok) return;
  document.getElementById("leader").textContent = data.leader_on_duty ? data.leader_on_duty.name : "—";
  document.querySelector("#on-duty tbody").replaceChildren(...data.on_duty.map((s) => el("tr", {"data-person": s.person_id},
    el("td", {}, s.post_label), el("td", {}, s.name), el("td", {}, when(s.start)), el("td", {}, when(s.end)))));
  document.querySelector("#changes tbody").replaceChildren(...data.changes.map((c) => el("tr", {},
    el("td", {}, when(c.made_at)), el("td", {}, c.shift_id), el("td", {}, c.new_holder || c.other_shift_id || ""),
    el("td", {}, c.reason))));
}

start(() => {});
load();
setInterval(load, 60000);
