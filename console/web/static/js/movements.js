// 人员动态: movement board, full movement log, response figures and leader arrival of one incident.
import {d, fetchResponders, renderBoard} from "./board_rows.js";
import {boot, clock, debounce, el, getJson, live, minutes, start, t, when} from "./ui.js";

const id = boot.incident_id;

// Offline (or mid-restart) the fetch fails: keep showing what was last read; the next change retries.
const load = () => loadNow().catch(() => {});

async function loadNow() {
  const data = await fetchResponders(id);
  if (!data.ok) return;
  renderBoard(data);
  document.querySelector("#movement-log tbody").replaceChildren(...data.log.map((r) => el("tr", {},
    el("td", {}, when(r.occurred_at)), el("td", {}, r.name), el("td", {}, r.kind_label),
    el("td", {}, r.place || "—"),
    // the person themself is named, not their login; an officer who recorded it is named by the server
    el("td", {}, (r.recorded_by === r.person_id ? r.name : r.recorded_by) + (r.on_behalf ? " · " + d("on_behalf") : "")))));
  document.querySelector("#figures tbody").replaceChildren(...data.figures.map((f) => el("tr", {},
    el("td", {}, f.name), el("td", {}, minutes(f.time_to_acknowledge_s)), el("td", {}, minutes(f.time_to_arrive_s)),
    el("td", {}, minutes(f.time_on_scene_s)))));
  // 领导到位情况: the arrivals of the movement log, and a leader who marked 分管领导到场指挥 done by hand
  // (the run's own list, console.runs.views.leaders_on_site).
  const run = await getJson(`/api/incidents/${encodeURIComponent(id)}/run`).catch(() => ({ok: false}));
  const marked = run.ok ? (run.run.leaders || []).filter((l) => l.via === "step") : [];
  const rows = [
    ...data.leader_arrivals.map((a) => el("li", {"data-via": "arrival"}, a.name, " · ", when(a.arrived_at), " · ", a.place || "")),
    ...marked.map((l) => el("li", {"data-via": "step"}, t("leader_marked", {name: l.name, time: clock(l.at)}))),
  ];
  document.getElementById("leaders").replaceChildren(...(rows.length ? rows : [el("li", {}, d("nobody"))]));
}

// Read again only when a move (the assignments' part of the state) changed, at most once per burst.
live.subscribe(["assignments"], debounce(load, 150));
start(() => {});
load();
