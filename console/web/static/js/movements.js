// 人员动态: movement board, full movement log, response figures and leader arrival of one incident.
import {d, fetchResponders, renderBoard} from "./board_rows.js";
import {boot, el, live, start, when} from "./ui.js";

const id = boot.incident_id;

// Offline (or mid-restart) the fetch fails: keep showing what was last read; the next change retries.
const load = () => loadNow().catch(() => {});

async function loadNow() {
  const data = await fetchResponders(id);
  if (!data.ok) return;
  renderBoard(data);
  document.querySelector("#movement-log tbody").replaceChildren(...data.log.map((r) => el("tr", {},
    el("td", {}, when(r.occurred_at)), el("td", {}, r.name), el("td", {}, r.kind_label),
    el("td", {}, r.place || "—"), el("td", {}, r.recorded_by + (r.on_behalf ? " · " + d("on_behalf") : "")))));
  const secs = (s) => (s === null ? "—" : String(s));
  document.querySelector("#figures tbody").replaceChildren(...data.figures.map((f) => el("tr", {},
    el("td", {}, f.name), el("td", {}, secs(f.time_to_acknowledge_s)), el("td", {}, secs(f.time_to_arrive_s)),
    el("td", {}, secs(f.time_on_scene_s)))));
  const leaders = document.getElementById("leaders");
  leaders.replaceChildren(...(data.leader_arrivals.length ? data.leader_arrivals.map((a) =>
    el("li", {}, a.name, " · ", when(a.arrived_at), " · ", a.place || "")) : [el("li", {}, d("nobody"))]));
}

let timer = null;
start(() => { clearTimeout(timer); timer = setTimeout(load, 150); });
live.addEventListener("change", () => {});
load();
