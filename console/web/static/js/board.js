// 事件看板: a situation board of every open incident — level in colour, the next deadline ticking, what is
// overdue, who is on scene / sent / not acknowledged — with a clock, filters, a night mode, and a sound
// and a title-bar flash when a new incident or an overdue item arrives; and the register form.
import {alarm} from "./alarm.js";
import {peopleAt} from "./state.js";
import {
  age, boot, clearMessages, confidentialArgs, debounce, el, getJson, live, showError, showNotice, start,
  submitFrom, t, typeLabel,
} from "./ui.js";

let showing = "open";
let offset = 0; // the server's clock minus ours, from the last runs read
const filters = {type: "", level: "", drill: ""};

// Runs are graded on the server: the snapshot brings them, and they are read again (one request for
// all, at most one a second) only when an event may have changed one (state.js marks it stale).
const refreshRuns = debounce(async () => {
  const stale = live.state.stale || {};
  if (!Object.keys(stale).length) return;
  live.state.stale = {};
  try {
    const body = await getJson("/api/runs");
    if (!body.ok) return;
    live.state.runs = Object.fromEntries(body.runs.map((x) => [x.incident_id, x]));
    offset = Date.parse(body.now) - Date.now();
  } catch (e) {
    Object.assign(live.state.stale, stale); // offline: try again on the next change
    return;
  }
  render();
}, 1000);

const serverNow = () => Date.now() + offset;
const runOf = (id) => (live.state.runs || {})[id];
const overdueOf = (run) => run.open_due.filter((d) => Date.parse(d) <= serverNow()).length;
// The earliest open deadline, passed or not: a board shows how late the worst one is, too.
const nextDue = (run) => run.open_due[0] || null;

function clockSpan(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  return h ? `${h}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

const rows = document.getElementById("board-rows");
const empty = document.getElementById("board-empty");

function dueText(due) {
  const left = Date.parse(due) - serverNow();
  return left > 0 ? t("run_due_in", {time: clockSpan(left)}) : t("run_overdue_by", {time: clockSpan(-left)});
}

function nextCell(run) {
  const due = run && nextDue(run);
  return due ? dueText(due) : "—";
}

function staffCell(i) {
  const n = peopleAt(live.state, i.id);
  if (!n.on_scene && !n.dispatched) return el("span", {class: "muted"}, t("nobody_sent"));
  return [
    el("span", {class: "staff on"}, t("on_scene_n", {n: n.on_scene})), " ",
    el("span", {class: "staff sent"}, t("sent_n", {n: n.dispatched})), " ",
    n.unacknowledged ? el("span", {class: "staff unacked"}, t("unacked_n", {n: n.unacknowledged})) : null,
  ];
}

function row(i, pending) {
  const href = pending ? null : "/incidents/" + encodeURIComponent(i.id);
  const status = pending ? t("pending_mark") : i.status === "open" ? t("open") : t("closed");
  const run = pending ? null : runOf(i.id);
  const overdue = run && i.status === "open" ? overdueOf(run) : 0;
  return el(href ? "a" : "div", {class: "row incident" + (pending ? " pending" : "") + (overdue ? " has-overdue" : ""),
    href, "data-id": i.id, "data-number": i.number || "", "data-level": run ? run.level : ""},
    el("span", {class: "c-number"}, i.number || "…", i.drill ? el("small", {class: "badge drill"}, t("drill")) : null,
      i.about_commission_head ? el("small", {class: "badge recusal", title: t("recusal_hint")}, t("recusal")) : null),
    el("span", {class: "c-type", title: typeLabel(i.type, true)}, typeLabel(i.type)),
    el("span", {class: "c-level"}, run ? el("span", {class: "level-chip", "data-level": run.level},
      (boot.levels || {})[run.level] || "") : "—"),
    el("span", {class: "c-place"}, i.place),
    el("span", {class: "c-heads"}, t("people", {n: i.head_count})),
    el("span", {class: "c-next" + (run && nextDue(run) && Date.parse(nextDue(run)) <= serverNow() ? " late" : ""),
      "data-next": run && i.status === "open" ? nextDue(run) || "" : ""},
      i.status === "open" ? nextCell(run) : "—"),
    el("span", {class: "c-overdue" + (overdue ? " overdue" : ""), "data-label": t("board_new_overdue")},
      run ? String(overdue) : "—"),
    el("span", {class: "c-staff"}, pending ? "" : staffCell(i)),
    el("span", {class: "c-age"}, pending ? "" : age(i.occurred_at || i.opened_at, i.closed_at)),
    el("span", {class: "c-status", "data-status": pending ? "pending" : i.status}, status));
}

function shown(i) {
  const run = runOf(i.id);
  if (filters.type && i.type !== filters.type) return false;
  if (filters.level && (!run || run.level !== filters.level)) return false;
  if (filters.drill === "drill" && !i.drill) return false;
  if (filters.drill === "real" && i.drill) return false;
  return true;
}

// What the duty officer must not miss, even with the board in another tab: a new incident, and each
// item that falls overdue. The first render only learns what is already there.
let known = null;
let overdueKnown = null;

function watch(incidents) {
  const open = incidents.filter((i) => i.status === "open");
  const ids = new Set(open.map((i) => i.id));
  const overdue = new Set();
  for (const i of open) {
    const run = runOf(i.id);
    if (run) run.open_due.filter((d) => Date.parse(d) <= serverNow()).forEach((d) => overdue.add(i.id + "@" + d));
  }
  if (known !== null) {
    const fresh = [...ids].filter((id) => !known.has(id));
    const late = [...overdue].filter((k) => !overdueKnown.has(k));
    if (fresh.length) alarm(t("board_new_incident"));
    else if (late.length) alarm(t("board_new_overdue"));
  }
  known = ids;
  overdueKnown = overdue;
}

function render() {
  const all = Object.values(live.state.incidents);
  if (live.state.position !== null) watch(all);
  const incidents = all.filter((i) => i.status === showing && shown(i))
    .sort((a, b) => (b.opened_at || "").localeCompare(a.opened_at || "") || (b.number > a.number ? 1 : -1));
  const queued = showing === "open"
    ? live.pending().filter((c) => c.name === "incident.register").map((c) => row({id: c.id, ...c.args}, true))
    : [];
  rows.replaceChildren(...queued, ...incidents.map((i) => row(i, false)));
  empty.hidden = rows.childElementCount > 0;
  const filtered = Object.values(filters).some(Boolean);
  empty.textContent = filtered ? t("no_match") : showing === "open" ? t("no_open") : t("no_closed");
  refreshRuns();
}

// Every second: the clock and the countdowns; a deadline passing redraws the row (overdue count).
const clock = document.getElementById("board-clock");
const clockFormat = new Intl.DateTimeFormat(boot.locale === "en" ? "en-GB" : "zh-CN",
  {hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: boot.timezone});
setInterval(() => {
  clock.textContent = clockFormat.format(new Date(serverNow()));
  let passed = false;
  rows.querySelectorAll(".c-next[data-next]").forEach((cell) => {
    const due = cell.dataset.next;
    if (!due) return;
    const late = Date.parse(due) <= serverNow();
    if (late && !cell.classList.contains("late")) passed = true;
    cell.textContent = dueText(due);
  });
  if (passed) render();
}, 1000);

document.querySelectorAll(".tab[data-show]").forEach((tab) => tab.addEventListener("click", () => {
  showing = tab.dataset.show;
  document.querySelectorAll(".tab[data-show]").forEach((b) => b.setAttribute("aria-pressed", String(b === tab)));
  render();
}));

const tools = document.getElementById("board-tools");
for (const name of ["type", "level", "drill"]) {
  tools.querySelector(`[name=filter_${name}]`).addEventListener("change", (e) => { filters[name] = e.target.value; render(); });
}

// --- register form ---

const form = document.getElementById("register");
if (form) {
  const heads = form.elements.head_count;
  const other = form.elements.place_other;
  // A named place carries its kind: the grading (and the gate steps of the playbook) follow it.
  // A typed name that is one of the organisation's places takes that place's type too.
  const named = (name) => [...form.querySelectorAll('input[name="place_pick"]')].find((r) => r.value && r.value === name);
  const placeType = () => {
    const picked = form.querySelector('input[name="place_pick"]:checked');
    const typed = picked && !picked.value ? named(other.value.trim()) : null;
    form.elements.place_type.value = ((typed || picked) && (typed || picked).dataset.placeType) || "other";
  };
  placeType();
  form.querySelectorAll("[data-step]").forEach((b) => b.addEventListener("click", () => {
    heads.value = Math.max(0, (parseInt(heads.value, 10) || 0) + Number(b.dataset.step));
  }));
  form.querySelectorAll("[data-set]").forEach((b) => b.addEventListener("click", () => { heads.value = b.dataset.set; }));
  other.addEventListener("input", () => {
    if (other.value.trim()) { form.querySelector('input[name="place_pick"][value=""]').checked = true; placeType(); }
  });
  form.querySelectorAll('input[name="place_pick"]').forEach((r) => r.addEventListener("change", () => {
    if (r.value) other.value = "";
    else other.focus();
    placeType();
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
      summary: f.summary.value.trim(), drill: f.drill.checked, facts: gradingFacts(form),
      about_commission_head: f.about_commission_head ? f.about_commission_head.checked : false};
    const secret = confidentialArgs(form);
    if (secret) args.confidential = secret;
    const ok = await submitFrom(form, "incident.register", args, {
      persist: !secret,
      onOk: (result) => {
        // 已登记 XF-…: a link straight into the room
        const {number, incident_id: id} = result.result;
        form.querySelector('[data-notice-for="form"]').replaceChildren(el("a", {href: "/incidents/" + encodeURIComponent(id), class: "registered"},
          t("registered", {number}), " · ", t("open_room"), " →"));
      },
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
    f.summary.value = "";
    other.value = "";
    form.querySelector('input[name="place_pick"]').checked = true;
    placeType();
    heads.value = 5;
    f.drill.checked = false;
    if (f.about_commission_head) f.about_commission_head.checked = false;
    form.querySelectorAll("details.secret input, details.secret textarea").forEach((x) => {
      if (x.type === "checkbox") x.checked = false; else x.value = "";
    });
  }
}

start(render);
