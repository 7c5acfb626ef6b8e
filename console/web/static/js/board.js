// 事件看板: the open incidents, live; and the register form a duty officer fills in seconds.
import {age, boot, clearMessages, confidentialArgs, el, live, showError, showNotice, start, submitFrom, t, typeLabel} from "./ui.js";

let showing = "open";
// Each incident's playbook run (level, open due instants), fetched again when the live stream moves.
let runs = {};
let runsAt = -1;
let runsOffset = 0;

// One request at a time and at most one a second: a burst of events (or many boards) costs one
// evaluation of the runs per second per board, and the last change is always fetched.
let runsBusy = false;
let runsLast = 0;

async function loadRuns() {
  const position = live.state.position || 0;
  if (position === runsAt || runsBusy) return;
  const wait = runsLast + 1000 - Date.now();
  if (wait > 0) {
    runsBusy = true;
    setTimeout(() => { runsBusy = false; loadRuns(); }, wait);
    return;
  }
  runsBusy = true;
  runsAt = position;
  runsLast = Date.now();
  try {
    const r = await fetch("/api/runs", {headers: {Accept: "application/json"}, cache: "no-store"});
    const body = await r.json();
    if (body.ok) {
      runs = Object.fromEntries(body.runs.map((x) => [x.incident_id, x]));
      runsOffset = Date.parse(body.now) - Date.now();
    }
  } catch (e) {
    runsAt = -1; /* offline: try again on the next change */
    runsBusy = false;
    return;
  }
  runsBusy = false;
  render(); // also fetches again if the stream moved while this request was out
}

function overdueOf(run) {
  const now = Date.now() + runsOffset;
  return run.open_due.filter((d) => Date.parse(d) <= now).length;
}
const rows = document.getElementById("board-rows");
const empty = document.getElementById("board-empty");

function row(i, pending) {
  const href = pending ? null : "/incidents/" + encodeURIComponent(i.id);
  const status = pending ? t("pending_mark") : i.status === "open" ? t("open") : t("closed");
  return el(href ? "a" : "div", {class: "row incident" + (pending ? " pending" : ""), href,
    "data-id": i.id, "data-number": i.number || ""},
    el("span", {class: "c-number"}, i.number || "…", i.drill ? el("small", {class: "badge drill"}, t("drill")) : null),
    el("span", {class: "c-type", title: typeLabel(i.type, true)}, typeLabel(i.type)),
    el("span", {class: "c-level", "data-level": runs[i.id] ? runs[i.id].level : ""},
      runs[i.id] ? (boot.levels || {})[runs[i.id].level] || runs[i.id].level : "—"),
    el("span", {class: "c-place"}, i.place),
    el("span", {class: "c-heads"}, t("people", {n: i.head_count})),
    el("span", {class: "c-age"}, pending ? "" : age(i.occurred_at || i.opened_at, i.closed_at)),
    el("span", {class: "c-overdue" + (runs[i.id] && overdueOf(runs[i.id]) ? " overdue" : "")},
      runs[i.id] ? String(overdueOf(runs[i.id])) : "—"),
    el("span", {class: "c-status", "data-status": pending ? "pending" : i.status}, status));
}

function render() {
  const incidents = Object.values(live.state.incidents)
    .filter((i) => i.status === showing)
    .sort((a, b) => (b.opened_at || "").localeCompare(a.opened_at || "") || (b.number > a.number ? 1 : -1));
  const queued = showing === "open"
    ? live.pending().filter((c) => c.name === "incident.register").map((c) => row({id: c.id, ...c.args}, true))
    : [];
  rows.replaceChildren(...queued, ...incidents.map((i) => row(i, false)));
  empty.hidden = rows.childElementCount > 0;
  empty.textContent = showing === "open" ? t("no_open") : t("no_closed");
  loadRuns();
}

setInterval(() => { if (Object.keys(runs).length) render(); }, 15000);

document.querySelectorAll(".tab[data-show]").forEach((tab) => tab.addEventListener("click", () => {
  showing = tab.dataset.show;
  document.querySelectorAll(".tab[data-show]").forEach((b) => b.setAttribute("aria-pressed", String(b === tab)));
  render();
}));

// --- register form ---

const form = document.getElementById("register");
if (form) {
  const heads = form.elements.head_count;
  const other = form.elements.place_other;
  form.querySelectorAll("[data-step]").forEach((b) => b.addEventListener("click", () => {
    heads.value = Math.max(0, (parseInt(heads.value, 10) || 0) + Number(b.dataset.step));
  }));
  form.querySelectorAll("[data-set]").forEach((b) => b.addEventListener("click", () => { heads.value = b.dataset.set; }));
  other.addEventListener("input", () => {
    if (other.value.trim()) form.querySelector('input[name="place_pick"][value=""]').checked = true;
  });
  form.querySelectorAll('input[name="place_pick"]').forEach((r) => r.addEventListener("change", () => {
    if (r.value) other.value = "";
    else other.focus();
  }));

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessages(form);
    const f = form.elements;
    const place = (f.place_pick.value || other.value).trim();
    const count = Number(heads.value);
    if (!place) return showError(form, "place", t("err_place"));
    if (heads.value === "" || !Number.isInteger(count) || count < 0 || count > 100000) {
      return showError(form, "head_count", t("err_head_count"));
    }
    const args = {type: f.type.value, place, head_count: count, channel: f.channel.value,
      summary: f.summary.value.trim(), drill: f.drill.checked, facts: gradingFacts(form)};
    const secret = confidentialArgs(form);
    if (secret) args.confidential = secret;
    const ok = await submitFrom(form, "incident.register", args, {
      persist: !secret,
      onOk: (result) => showNotice(form, t("registered", {number: result.result.number})),
    });
    if (ok) reset();
  });

  function gradingFacts(form) {
    const f = form.elements;
    const facts = {place_type: f.place_type.value, unit_level: f.unit_level.value};
    form.querySelectorAll("#grading input[type=checkbox]").forEach((x) => { facts[x.name] = x.checked; });
    return facts;
  }

  function reset() {
    const f = form.elements;
    form.querySelectorAll("#grading input[type=checkbox]").forEach((x) => { x.checked = false; });
    f.place_type.value = "other";
    f.summary.value = "";
    other.value = "";
    form.querySelector('input[name="place_pick"]').checked = true;
    heads.value = 5;
    f.drill.checked = false;
    form.querySelectorAll("details.secret input, details.secret textarea").forEach((x) => {
      if (x.type === "checkbox") x.checked = false; else x.value = "";
    });
  }
}

start(render);
