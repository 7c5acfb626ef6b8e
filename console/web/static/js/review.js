// 复盘: the compliance table, findings and follow-up actions, the chain status, and a replay slider
// over the incident's span in two modes (what was known then / what happened then). Read-only for
// inspectors: the forms are only rendered for review.write.
import {start} from "./ui.js";

const boot = JSON.parse(document.getElementById("boot").textContent);
const T = boot.rtext;
const incident = boot.incident_id;
const can = new Set(boot.permissions);
let span = null;
let names = {steps: {}, statuses: {}, roles: {}, kinds: {}, places: {}};

// What the page calls a thing (from the review's `names` and the shell's labels), else its code.
function called(kind, key) {
  if (key === null || key === undefined || key === "") return "—";
  return (names[kind] && names[kind][key]) || key;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children.map((c) => (c instanceof Node ? c : String(c ?? ""))));
  return node;
}

// The log's instants carry microseconds ("…:00.000000Z"), which Date.parse does not read reliably.
function parse(iso) {
  return new Date(String(iso).replace(/\.(\d{3})\d*/, ".$1"));
}

function when(iso) {
  if (!iso) return "—";
  return parse(iso).toLocaleString(boot.locale === "en" ? "en-GB" : "zh-CN", {timeZone: boot.timezone, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit"});
}

function say(key, vars) {
  let text = T[key] || key;
  for (const [k, v] of Object.entries(vars || {})) text = text.replace("{" + k + "}", v);
  return text;
}

function csrf() {
  const field = document.querySelector("#logout [name=csrf]");
  return field ? field.value : "";
}

function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function getJson(url) {
  const r = await fetch(url, {headers: {Accept: "application/json"}, cache: "no-store"});
  return r.json();
}

async function send(name, args, form) {
  const error = form.querySelector("[data-error-for=form]");
  error.textContent = "";
  let body;
  try {
    const r = await fetch("/api/commands", {method: "POST", cache: "no-store",
      headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf()},
      body: JSON.stringify({id: commandId(), name, args})});
    body = await r.json();
  } catch (err) {
    error.textContent = say("not_sent");
    return false;
  }
  if (!body.ok) { error.textContent = body.error.message; return false; }
  return true;
}

function lateNote(late) {
  if (!late) return "";
  const text = say("reported_late", {m: late.minutes});
  return late.known_then ? text : text + " · " + say("unknown_then");
}

function renderCompliance(rows) {
  document.querySelector("#rv-compliance tbody").replaceChildren(...rows.map((r) => el("tr",
    {"data-outcome": r.outcome, "data-item": r.item},
    el("td", {}, called("kinds", r.kind) + " · " + (r.label || r.item)), el("td", {}, called("roles", r.role)), el("td", {}, when(r.due_at)),
    el("td", {}, when(r.done_at)), el("td", {}, r.done_by || "—"), el("td", {}, say(r.outcome)),
    el("td", {}, r.minutes_late ?? ""), el("td", {}, r.holder ? r.holder.name : (r.minutes_late !== null ? say("nobody") : "")),
    el("td", {}, r.reason || ""))));
}

function renderFindings(findings) {
  const list = document.getElementById("rv-findings");
  const template = document.getElementById("rv-action-form");
  list.replaceChildren(...findings.map((f) => {
    const actions = el("ul", {}, ...f.actions.map((a) => {
      const item = el("li", {"data-status": a.status}, a.text + " — " + a.owner + " · " + when(a.due_at) + " · " + say(a.status));
      if (!a.done_at && can.has("review.write")) {
        const done = el("button", {type: "button"}, say("done"));
        done.addEventListener("click", async () => {
          const form = el("form", {}, el("p", {"data-error-for": "form", class: "form-error"}));
          item.append(form);
          if (await send("review.complete_action", {incident_id: incident, action_id: a.action_id}, form)) load();
        });
        item.append(" ", done);
      }
      return item;
    }));
    const entry = el("li", {"data-finding": f.finding_id}, el("p", {}, f.text + " (" + f.added_by + ")"), actions);
    if (template) {
      const form = template.content.firstElementChild.cloneNode(true);
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const due = new Date(form.elements.due_at.value);
        const args = {incident_id: incident, finding_id: f.finding_id, text: form.elements.text.value,
          owner: form.elements.owner.value, due_at: isNaN(due) ? "" : due.toISOString()};
        if (await send("review.add_action", args, form)) load();
      });
      entry.append(form);
    }
    return entry;
  }));
}

// The instant the slider stands at, as the log wrote it (microseconds and all: a Date keeps only
// milliseconds, and asking for the replay at a rounded-down instant would leave out its own events).
function instantText() {
  if (!span || !span.instants.length) return null;
  const slider = document.getElementById("rv-slider");
  return span.instants[Math.min(Number(slider.value), span.instants.length - 1)];
}

function instant() {
  const text = instantText();
  return text === null ? null : parse(text);
}

function mode() {
  return document.querySelector("input[name=mode]:checked").value;
}

// 逐事件: the instants at which an event came in (known) or happened (happened), in order.
function events() {
  return span && span.events ? span.events[mode()] : [];
}

// Move the slider to the previous (-1) or next (+1) event of the mode shown, from where it stands.
function step(direction) {
  const at = instant();
  const stamps = events();
  if (!at || !stamps.length) return;
  const times = stamps.map((s) => parse(s).getTime());
  const now = at.getTime();
  let target = null;
  if (direction > 0) target = times.findIndex((t) => t > now);
  else for (let i = times.length - 1; i >= 0; i--) if (times[i] < now) { target = i; break; }
  if (target === null || target < 0) return;
  const slider = document.getElementById("rv-slider");
  slider.value = String(span.instants.indexOf(stamps[target]));
  showReplay();
}

function showStep() {
  const at = instant();
  const times = events().map((s) => parse(s).getTime());
  const n = at ? times.filter((t) => t <= at.getTime()).length : 0;
  document.getElementById("rv-event").textContent = say("event_of", {n, total: times.length});
  document.getElementById("rv-prev").disabled = !at || !times.length || times[0] >= at.getTime();
  document.getElementById("rv-next").disabled = !at || !times.length || times[times.length - 1] <= at.getTime();
}

let replaying = 0;
async function showReplay() {
  const at = instant();
  if (!at) return;
  showStep();
  const mine = ++replaying;
  const state = await getJson(`/api/incidents/${incident}/replay?at=${encodeURIComponent(instantText())}&mode=${mode()}`);
  if (mine !== replaying) return;  // a later move of the slider won
  document.getElementById("rv-at").textContent = when(state.at);
  document.getElementById("rv-level").textContent = state.level ? ((boot.levels || {})[state.level] || state.level) : "";
  document.querySelector("#rv-people tbody").replaceChildren(...state.people.map((p) => el("tr",
    {"data-person": p.person_id, "data-status": p.status, "data-late": p.late_report ? "true" : null},
    el("td", {}, p.name), el("td", {}, called("statuses", p.status)), el("td", {}, called("places", p.place_id)), el("td", {}, when(p.since)),
    el("td", {}, lateNote(p.late_report)))));
  document.querySelector("#rv-steps tbody").replaceChildren(...state.steps
    .filter((s) => s.status !== "not_applicable")
    .map((s) => el("tr", {"data-step": s.step_id, "data-status": s.status},
      el("td", {}, called("steps", s.step_id)), el("td", {}, called("roles", s.role)),
      el("td", {}, (boot.step_statuses || {})[s.status] || s.status), el("td", {}, when(s.due_at)),
      el("td", {}, lateNote(s.late_report)))));
}

// A link into the replay (the activity log's entries): ?at=ISO&mode=known|happened stands the slider at
// the last instant not after `at`; without one it stands at the end.
function startAt(instants) {
  const query = new URLSearchParams(location.search);
  const wanted = query.get("mode");
  const radio = wanted && document.querySelector(`input[name=mode][value="${CSS.escape(wanted)}"]`);
  if (radio) radio.checked = true;
  const at = query.get("at") ? parse(query.get("at")).getTime() : NaN;
  if (isNaN(at) || !instants.length) return Math.max(instants.length - 1, 0);
  let index = 0;
  instants.forEach((s, i) => { if (parse(s).getTime() <= at) index = i; });
  return index;
}

// 时间轴: drawn on the server, put in the page itself so that every mark's tooltip shows on hover
// and a click on a mark stands the replay at that instant.
async function loadTimeline() {
  const box = document.getElementById("rv-timeline");
  let text;
  try {
    const r = await fetch(box.dataset.src, {cache: "no-store"});
    if (!r.ok) return;
    text = await r.text();
  } catch (err) {
    return;  // the picture (img) stays
  }
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  if (svg.nodeName !== "svg") return;
  box.replaceChildren(document.importNode(svg, true));
  for (const mark of box.querySelectorAll("[data-at]")) mark.style.cursor = "pointer";
  box.addEventListener("click", (e) => {
    const mark = e.target.closest("[data-at]");
    if (!mark || !span || !span.instants.length) return;
    const at = parse(mark.dataset.at).getTime();
    let index = 0;
    span.instants.forEach((s, i) => { if (parse(s).getTime() <= at) index = i; });
    document.getElementById("rv-slider").value = String(index);
    showReplay();
  });
}

async function load() {
  const data = await getJson(`/api/incidents/${incident}/review`);
  if (!data.incident) return;
  document.getElementById("rv-number").textContent = data.incident.number;
  names = data.names || names;
  const chain = data.chain;
  const status = document.getElementById("rv-chain");
  status.dataset.ok = chain.ok;
  status.textContent = (chain.ok ? "✔ " : "✘ ") + (chain.from ?? "—") + "–" + (chain.to ?? "—") +
    (chain.head_hash ? " · " + chain.head_hash.slice(0, 16) : "") + (chain.fault ? " · " + chain.fault : "");
  const slider = document.getElementById("rv-slider");
  const fresh = span === null;
  span = data.span;
  slider.max = String(Math.max(span.instants.length - 1, 0));
  if (fresh) slider.value = String(startAt(span.instants));
  renderCompliance(data.compliance);
  renderFindings(data.findings);
  showReplay();
}

const addFinding = document.getElementById("rv-add-finding");
if (addFinding) {
  addFinding.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await send("review.add_finding", {incident_id: incident, text: addFinding.elements.text.value}, addFinding)) {
      addFinding.reset();
      load();
    }
  });
}
document.getElementById("rv-slider").addEventListener("input", showReplay);
document.getElementById("rv-prev").addEventListener("click", () => step(-1));
document.getElementById("rv-next").addEventListener("click", () => step(1));
for (const radio of document.querySelectorAll("input[name=mode]")) radio.addEventListener("change", showReplay);
load();
loadTimeline();
start(() => {});  // the header's link state (connected, offline, queued), as on every page
