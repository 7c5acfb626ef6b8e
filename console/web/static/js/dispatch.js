// 派遣: the incident room's dispatch panel: recommendations with reasons, dispatch, roll call, board.
// It reads the movement board and the recommendations again only when the assignments part of the
// live state changes (someone was sent, acknowledged, arrived, cleared), not on every event.
import {d, fetchResponders, renderBoard} from "./board_rows.js";
import {boot, debounce, el, getJson, live, showNotice, submitFrom, t} from "./ui.js";

const id = boot.incident.id;
const form = document.getElementById("dispatch");

// Offline (or mid-restart) the fetch fails: keep showing what was last read; the next change retries.
const refresh = () => refreshNow().catch(() => {});

// Reads overlap (a skill chosen while the last read is still on its way, on a slow network): only the
// newest read may draw, so an answer for the skill chosen before never replaces the current one.
let reads = 0;

async function refreshNow() {
  const read = ++reads;
  const data = await fetchResponders(id);
  if (read !== reads) return;
  if (data.ok) renderBoard(data);
  if (!form) return;
  const skill = form.elements.skill.value;
  const rec = await getJson(`/api/incidents/${encodeURIComponent(id)}/recommend?limit=50&skill=${encodeURIComponent(skill)}`);
  if (!rec.ok || read !== reads) return;
  const picked = new Set([...form.querySelectorAll("input[name=person]:checked")].map((i) => i.value));
  document.getElementById("recommend").replaceChildren(...rec.recommendations.map((p) => el("li", {"data-status": p.status},
    el("label", {}, el("input", {type: "checkbox", name: "person", value: p.person_id, checked: picked.has(p.person_id)}),
      " ", el("strong", {}, p.name), " · ", p.status_label),
    el("small", {class: "reasons"}, p.reasons.map((x) => x.text).join(" · ")))));
}

if (form) {
  form.elements.skill.addEventListener("change", refresh);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const people = [...form.querySelectorAll("input[name=person]:checked")];
    const args = {incident_id: id, person_ids: people.map((i) => i.value)};
    if (form.elements.role.value.trim()) args.role = form.elements.role.value.trim();
    const names = people.map((i) => i.closest("label").querySelector("strong").textContent).join(t("list_separator"));
    submitFrom(form, "responder.dispatch", args, {onOk: () => {
      showNotice(form, t("dispatched", {names}));
      refresh();
    }});
  });
  document.getElementById("rollcall-start").addEventListener("click", () =>
    submitFrom(form, "rollcall.start", {incident_id: id}, {onOk: () => { showNotice(form, t("rollcall_started")); refresh(); }}));
}
live.subscribe(["assignments"], debounce(refresh, 150));
// Roll calls are not in the live state: their events reach this incident's history.
live.addEventListener("change", debounce(() => {
  const mine = Object.values(live.state.history[id] || {});
  const top = mine.filter((f) => f.event.startsWith("rollcall.")).reduce((m, f) => Math.max(m, f.position), 0);
  if (top > seenRollcall) { seenRollcall = top; refresh(); }
}, 150));
let seenRollcall = 0;
setInterval(refresh, 30000);
refresh();
void d;
