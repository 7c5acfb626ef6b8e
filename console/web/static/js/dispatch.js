// 派遣: the incident room's dispatch panel: recommendations with reasons, dispatch, roll call, board.
import {d, fetchResponders, renderBoard} from "./board_rows.js";
import {boot, el, live, submitFrom} from "./ui.js";

const id = boot.incident.id;
const form = document.getElementById("dispatch");
let timer = null;

// Offline (or mid-restart) the fetch fails: keep showing what was last read; the next change retries.
const refresh = () => refreshNow().catch(() => {});

async function refreshNow() {
  const data = await fetchResponders(id);
  if (data.ok) renderBoard(data);
  if (!form) return;
  const skill = form.elements.skill.value;
  const r = await fetch(`/api/incidents/${encodeURIComponent(id)}/recommend?skill=${encodeURIComponent(skill)}`,
    {headers: {Accept: "application/json"}, cache: "no-store"});
  const rec = await r.json();
  if (!rec.ok) return;
  const picked = new Set([...form.querySelectorAll("input[name=person]:checked")].map((i) => i.value));
  document.getElementById("recommend").replaceChildren(...rec.recommendations.map((p) => el("li", {},
    el("label", {}, el("input", {type: "checkbox", name: "person", value: p.person_id, checked: picked.has(p.person_id)}),
      " ", el("strong", {}, p.name), " · ", p.status_label),
    el("small", {class: "reasons"}, p.reasons.map((x) => x.text).join(" · ")))));
}

function soon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 150);
}

if (form) {
  form.elements.skill.addEventListener("change", refresh);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const people = [...form.querySelectorAll("input[name=person]:checked")].map((i) => i.value);
    const args = {incident_id: id, person_ids: people};
    if (form.elements.role.value.trim()) args.role = form.elements.role.value.trim();
    submitFrom(form, "responder.dispatch", args, {onOk: refresh});
  });
  document.getElementById("rollcall-start").addEventListener("click", () =>
    submitFrom(form, "rollcall.start", {incident_id: id}, {onOk: refresh}));
}
live.addEventListener("change", soon);
setInterval(refresh, 30000);
refresh();
void d;
