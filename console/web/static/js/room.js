// 事件处置室: one incident's facts, live timeline, notes, amendments, closing, people and secrets.
import {
  age, boot, can, channelLabel, getJson, clearMessages, confidentialArgs, el, live, outcomeLabel, showError,
  start, submitFrom, t, typeLabel, when,
} from "./ui.js";
import {clockSpan, describeRun, openEnds, renderRun, roomNotice, wireOverride} from "./run.js";

const id = boot.incident.id;
const people = {...boot.people};
const joiner = t("list_separator");
const ASSIGNABLE = new Set(boot.assignable_roles);

function incident() {
  const known = live.state.incidents[id];
  return known && (known.last_position || 0) >= (boot.incident.last_position || 0) ? known : boot.incident;
}

const personName = (userId) => people[userId] || t("unknown_person");
// Who is involved is a leader's decision, or the registering officer's (the server refuses others).
const mayAssign = (i) => can("incident.assign") && (boot.reveal_by_role || i.registered_by === boot.user.id);

// --- facts ---

function setFact(name, text) {
  const node = document.querySelector(`[data-f="${name}"]`);
  if (node && node.textContent !== String(text)) node.textContent = text;
  return node;
}

function renderFacts(i) {
  setFact("number", i.number);
  setFact("type-short", typeLabel(i.type));
  setFact("place-short", i.place);
  setFact("heads", i.head_count);
  setFact("status", i.status === "open" ? t("open") : t("closed")).dataset.status = i.status;
  document.querySelector('[data-f="drill"]').hidden = !i.drill;
  setFact("type", typeLabel(i.type, true));
  setFact("place", i.place);
  setFact("head_count", i.head_count);
  setFact("channel", channelLabel(i.channel));
  setFact("occurred_at", when(i.occurred_at));
  setFact("age", age(i.occurred_at, i.closed_at));
  setFact("summary", i.summary || "—");
  const closed = i.status !== "open";
  setFact("outcome", closed ? [outcomeLabel(i.outcome), i.outcome_summary].filter(Boolean).join(" — ") : "");
  document.querySelector('[data-f="outcome"]').hidden = !closed;
  document.querySelector('[data-f="outcome-label"]').hidden = !closed;
  document.querySelectorAll("[data-open-only]").forEach((node) => { node.hidden = closed; });
}

// --- timeline ---

function factValue(name, value) {
  if (name === "type") return typeLabel(value, true);
  if (name === "channel") return channelLabel(value);
  return value;
}

function describe(f) {
  const d = f.data || {};
  switch (f.event) {
    case "incident.registered":
      return [t("ev_registered", {type: typeLabel(d.incident_type, true), place: d.place, n: d.head_count}), d.summary];
    case "incident.facts_amended": {
      const changes = Object.entries(d.changes || {})
        .map(([k, v]) => t("ev_change", {field: boot.facts[k] || k, value: factValue(k, v)})).join(joiner);
      return [t("ev_amended", {changes}), d.reason ? t("ev_reason", {reason: d.reason}) : ""];
    }
    case "incident.note_added":
      return [d.text];
    case "incident.closed":
      return [t("ev_closed", {outcome: outcomeLabel(d.outcome)}), d.summary];
    case "incident.confidential_recorded":
      return [t("ev_confidential", {fields: (d.fields || []).map((k) => boot.confidential[k] || k).join(joiner)})];
    case "incident.member_assigned":
      return [t("ev_assigned", {name: personName(d.user_id)})];
    case "incident.member_unassigned":
      return [t("ev_unassigned", {name: personName(d.user_id)})];
    case "confidential.viewed":
      return [t("ev_viewed")];
    case "responder.moved": {
      // 派遣、确认、到达…: who went where is part of the incident's story
      const name = (boot.person_names || {})[d.person_id] || t("unknown_person");
      const place = d.place_id ? (boot.place_names || {})[d.place_id] || "" : "";
      const what = (boot.moves || {})[d.move] || "";
      return [t("ev_moved", {name, move: what}) + (place ? " · " + place : "") + (d.role ? " · " + d.role : ""), d.note];
    }
    case "rollcall.started":
      return [t("ev_rollcall")];
    default:
      return describeRun(f);
  }
}

// The page opens with the latest part of the timeline; earlier entries are fetched page by page.
const earlier = new Map();
let earlierMore = Boolean(boot.history_more);

async function loadEarlier() {
  const first = Math.min(...boot.history.map((f) => f.position), ...earlier.keys());
  const r = await fetch(`/api/incidents/${encodeURIComponent(id)}/history?before=${first}&limit=100`,
    {headers: {Accept: "application/json"}, cache: "no-store"});
  if (!r.ok) return;
  const body = await r.json();
  for (const f of body.events) earlier.set(f.position, f);
  earlierMore = body.more;
  renderTimeline();
}

function entries() {
  const byPosition = new Map(earlier);
  for (const f of boot.history) byPosition.set(f.position, f);
  for (const f of Object.values(live.state.history[id] || {})) byPosition.set(f.position, f);
  for (const n of Object.values(live.state.notes)) {
    if (n.incident_id === id && !byPosition.has(n.position)) {
      byPosition.set(n.position, {position: n.position, event: "incident.note_added", actor: n.author,
        occurred_at: n.occurred_at, data: {incident_id: id, note_id: n.id, text: n.text}});
    }
  }
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}

const timeline = document.getElementById("timeline");
document.addEventListener("run:loaded", () => renderTimeline());

function renderTimeline() {
  const items = [];
  if (earlierMore) {
    items.push(el("li", {class: "entry earlier"},
      el("button", {type: "button", class: "ghost small", onclick: () => loadEarlier()}, t("earlier"))));
  }
  for (const f of entries()) {
    const lines = describe(f);
    if (!lines) continue;
    const kind = f.event.split(".").pop();
    items.push(el("li", {class: "entry ev-" + kind, "data-position": f.position},
      el("div", {class: "meta"}, el("time", {dateTime: f.occurred_at}, when(f.occurred_at)), " ",
        el("span", {class: "who"}, f.actor ? f.actor.name : "")),
      ...lines.filter(Boolean).map((line) => el("div", {class: "body"}, line))));
  }
  for (const c of live.pending()) {
    if (c.args.incident_id !== id || c.name !== "incident.note") continue;
    items.push(el("li", {class: "entry pending", "data-command": c.id},
      el("div", {class: "meta"}, el("span", {class: "badge pending"}, t("pending_mark")), " ",
        el("time", {}, when(c.occurred_at))),
      el("div", {class: "body"}, c.args.text)));
  }
  const atEnd = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
  timeline.replaceChildren(...items);
  if (atEnd) timeline.scrollTop = timeline.scrollHeight;
}

// --- people ---

const peopleList = document.getElementById("people");

function renderPeople(i) {
  const rows = (i.assigned || []).map((userId) => el("li", {"data-user": userId},
    el("span", {}, personName(userId) + (userId === boot.user.id ? " ✓" : "")),
    can("incident.assign") && (mayAssign(i) || userId === boot.user.id) && i.status === "open"
      ? el("button", {type: "button", class: "ghost small", onclick: () => unassign(userId)}, t("remove"))
      : null));
  peopleList.replaceChildren(...(rows.length ? rows : [el("li", {class: "hint"}, t("none"))]));
  const pick = document.getElementById("assign-user");
  const assignForm = document.getElementById("assign");
  if (assignForm) assignForm.hidden = !mayAssign(i) || i.status !== "open";
  if (pick) {
    for (const option of pick.options) option.hidden = option.value !== "" && (i.assigned || []).includes(option.value);
  }
}

async function unassign(userId) {
  const form = document.getElementById("assign");
  if (form) await submitFrom(form, "incident.unassign", {incident_id: id, user_id: userId});
}

async function loadUsers() {
  const pick = document.getElementById("assign-user");
  if (!pick) return;
  try {
    const body = await getJson("/api/users");
    if (!body.ok) return;
    for (const u of body.users) {
      people[u.id] = u.name;
      // Only people who can hold a matter are offered (the server refuses anyone else).
      if (u.roles.some((r) => ASSIGNABLE.has(r))) pick.append(el("option", {value: u.id}, u.name));
    }
    render();
  } catch (e) {
    /* offline: the picker fills in on the next visit */
  }
}

// --- confidential part ---

const secret = document.getElementById("secret");
let revealed = false;

function renderSecret(i) {
  const tab = document.querySelector("[data-secret-tab]");
  if (tab) tab.hidden = !i.has_confidential && !can("confidential.record");
  secret.querySelector('[data-secret="none"]').hidden = !!i.has_confidential;
  secret.querySelector('[data-secret="some"]').hidden = !i.has_confidential;
  const reveal = document.getElementById("reveal");
  if (!reveal) return;
  const mayReveal = boot.reveal_by_role || (i.assigned || []).includes(boot.user.id);
  reveal.hidden = revealed || !mayReveal;
  document.getElementById("conceal").hidden = !revealed;
  document.getElementById("reveal-hint").hidden = !mayReveal;
  document.getElementById("reveal-denied").hidden = mayReveal;
}

function mask() {
  revealed = false;
  secret.querySelectorAll("[data-secret-field]").forEach((dd) => { dd.textContent = "••••••"; dd.classList.add("masked"); });
  render();
}

async function reveal() {
  const box = secret.querySelector('[data-error-for="reveal"]');
  box.textContent = "";
  let body;
  try {
    body = await getJson(`/api/incidents/${encodeURIComponent(id)}/confidential`);
  } catch (e) {
    box.textContent = t("err_network");
    return;
  }
  if (!body.ok) {
    box.textContent = body.error.message;
    return;
  }
  const values = body.confidential || {};
  secret.querySelectorAll("[data-secret-field]").forEach((dd) => {
    const v = values[dd.dataset.secretField];
    dd.textContent = v === true ? t("yes") : v === false ? t("no") : v || "—";
    dd.classList.remove("masked");
  });
  revealed = true;
  render();
}

// --- forms ---

function wire(formId, handler) {
  const form = document.getElementById(formId);
  if (form) form.addEventListener("submit", (ev) => { ev.preventDefault(); handler(form); });
}

wire("note", async (form) => {
  const area = form.elements.text;
  const names = form.elements.sealed_names;
  const text = area.value.trim();
  if (!text) return showError(form, "text", t("err_note"));
  // 组织者姓名: sealed by the server with the informant details; the note keeps a mark in their place.
  const sealed = names ? names.value.split(/[,\uff0c\u3001\s]+/).map((x) => x.trim()).filter(Boolean) : [];
  area.value = "";
  if (names) names.value = "";
  await submitFrom(form, "incident.note", {incident_id: id, text, sealed_names: sealed}, {
    onError: () => { if (!area.value) area.value = text; if (names && !names.value) names.value = sealed.join(joiner); },
  });
});

wire("amend", async (form) => {
  clearMessages(form);
  const i = incident();
  const f = form.elements;
  const count = Number(f.head_count.value);
  if (!f.place.value.trim()) return showError(form, "place", t("err_place"));
  if (f.head_count.value === "" || !Number.isInteger(count) || count < 0 || count > 100000) {
    return showError(form, "head_count", t("err_head_count"));
  }
  const wanted = {type: f.type.value, channel: f.channel.value, place: f.place.value.trim(), head_count: count,
    summary: f.summary.value.trim()};
  const changes = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => v !== i[k]));
  if (f.about_commission_head && f.about_commission_head.checked && !i.about_commission_head) {
    changes.about_commission_head = true; // 回避: marking only; it is never cleared
  }
  if (!Object.keys(changes).length) return showError(form, "form", t("err_nothing"));
  await submitFrom(form, "incident.amend", {incident_id: id, ...changes, reason: f.reason.value.trim()}, {
    onOk: () => { f.reason.value = ""; form.closest("details").open = false; roomNotice(t("saved")); },
  });
});

// 结案 with steps overdue or no 终报 sent is allowed, but never without a word: the first tap says what
// is left open, and a second one closes anyway.
let closeWarned = false;
wire("close", async (form) => {
  const f = form.elements;
  const warning = document.getElementById("close-warning");
  const button = form.querySelector("button[type=submit]");
  const ends = openEnds();
  const problems = [ends.overdue ? t("close_overdue", {n: ends.overdue}) : "", ends.noFinal ? t("close_no_final") : ""]
    .filter(Boolean);
  if (problems.length && !closeWarned) {
    closeWarned = true;
    warning.replaceChildren(...problems.map((p) => el("p", {}, p)));
    warning.hidden = false;
    button.textContent = t("close_confirm");
    return;
  }
  await submitFrom(form, "incident.close", {incident_id: id, outcome: f.outcome.value, summary: f.summary.value.trim()}, {
    onOk: () => { warning.hidden = true; roomNotice(t("closed_notice")); },
  });
});

wire("secret-form", async (form) => {
  clearMessages(form);
  const values = confidentialArgs(form);
  if (!values) return showError(form, "form", t("err_nothing"));
  await submitFrom(form, "incident.record_confidential", {incident_id: id, confidential: values}, {
    persist: false,
    onOk: () => {
      form.querySelectorAll("input, textarea").forEach((x) => { if (x.type === "checkbox") x.checked = false; else x.value = ""; });
      form.closest("details").open = false;
      mask();
    },
  });
});

wire("assign", async (form) => {
  const userId = form.elements.user_id.value;
  if (!userId) return showError(form, "user_id", t("err_pick_person"));
  await submitFrom(form, "incident.assign", {incident_id: id, user_id: userId}, {
    onOk: () => { form.elements.user_id.value = ""; },
  });
});

const revealButton = document.getElementById("reveal");
if (revealButton) revealButton.addEventListener("click", reveal);
const concealButton = document.getElementById("conceal");
if (concealButton) concealButton.addEventListener("click", mask);

// --- drawers: the incident's details, informant, assignees, amend and close, one tap from the head ---

const DRAWERS = {facts: "drawer-facts", secret: "secret", people: "drawer-people"};

function openDrawer(name, detail) {
  for (const [key, sectionId] of Object.entries(DRAWERS)) {
    const section = document.getElementById(sectionId);
    if (section) section.hidden = key !== name;
  }
  document.querySelectorAll("[data-drawer]").forEach((b) => {
    b.setAttribute("aria-expanded", String(b.dataset.drawer === name && (b.dataset.openDetail || "") === (detail || "")));
  });
  document.querySelectorAll("#drawer-facts details.action").forEach((d) => { d.open = !!detail && d.id === "detail-" + detail; });
  const section = name && document.getElementById(DRAWERS[name]);
  if (section) section.scrollIntoView({block: "nearest"});
}

document.querySelectorAll("[data-drawer]").forEach((b) => b.addEventListener("click", () => {
  const detail = b.dataset.openDetail && document.getElementById("detail-" + b.dataset.openDetail);
  const already = b.getAttribute("aria-expanded") === "true" && (!detail || detail.open);
  openDrawer(already ? null : b.dataset.drawer, already ? null : b.dataset.openDetail);
}));

// The elapsed time ticks every second, by the server's clock.
function tickElapsed() {
  const i = incident();
  const from = Date.parse(i.occurred_at || i.opened_at);
  if (isNaN(from)) return;
  const to = i.closed_at ? Date.parse(i.closed_at) : Date.now() - live.skew;
  setFact("elapsed", clockSpan(to - from));
}
setInterval(tickElapsed, 1000);

// --- render ---

function render() {
  const i = incident();
  renderFacts(i);
  renderTimeline();
  renderPeople(i);
  renderSecret(i);
  renderRun(id);
  tickElapsed();
}

wireOverride(id, submitFrom);
start(render);
loadUsers();
