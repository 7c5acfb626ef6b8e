// 预案执行: the incident's running playbook as a checklist with live countdowns, owners and one-tap actions.
// The run's state is evaluated on the server (the pure engine); it is fetched again whenever the live
// stream brings an event of this incident, and the countdowns tick here from the due instants.
import {boot, can, clock, el, getJson, live, t, when} from "./ui.js";

const zh = boot.locale !== "en";
const text = (lt) => (lt ? (zh ? lt.zh : lt.en) : "");
const roleLabel = (r) => (boot.response_roles || {})[r] || r;
const levelLabel = (l) => (boot.levels || {})[l] || l;
const statusLabel = (s) => (boot.step_statuses || {})[s] || s;
const OPEN = new Set(["ready", "due_soon", "overdue"]);

let run = null;
let offset = 0; // server clock minus ours (the server's clock may be moved for drills and tests)
let seen = -1;
let loading = null;

function serverNow() {
  return Date.now() + offset;
}

export function clockSpan(ms) {
  return span(ms);
}

function span(ms) {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

export async function refreshRun(incidentId) {
  if (loading) return loading;
  loading = (async () => {
    try {
      const body = await getJson(`/api/incidents/${encodeURIComponent(incidentId)}/run`);
      if (!body.ok) {
        if (body.error && body.error.code === "no_playbook_run") run = null;
        return;
      }
      run = body.run;
      offset = Date.parse(run.now) - Date.now();
    } catch (e) {
      /* offline: keep what was shown */
    } finally {
      loading = null;
    }
  })();
  await loading;
  draw(incidentId);
}

// Called on every render of the room: fetch again when the runs part of the live state marks this
// incident's run stale (an event that may change it arrived), and never for other events.
let pendingKey = "";

// The run commands of this incident still waiting in the queue (offline): their steps show it.
function pendingItems(incidentId) {
  return new Set(live.pending().filter((c) => c.name.startsWith("run.") && c.args.incident_id === incidentId)
    .map((c) => c.args.step_id || c.args.obligation_id));
}

export function renderRun(incidentId) {
  const stale = live.state.stale || {};
  if (seen < 0 || stale[incidentId]) {
    seen = 0;
    delete stale[incidentId];
    refreshRun(incidentId);
  }
  const key = [...pendingItems(incidentId)].sort().join(",");
  if (key !== pendingKey) {
    pendingKey = key;
    draw(incidentId);
  }
}

function status(item) {
  if (!OPEN.has(item.status) || !item.due_at) return item.status;
  const left = Date.parse(item.due_at) - serverNow();
  if (left <= 0) return "overdue";
  return left <= run.due_soon_minutes * 60000 ? "due_soon" : "ready";
}

function countdown(item) {
  if (!OPEN.has(item.status) || !item.due_at) {
    return item.resolved_at ? when(item.resolved_at) : "";
  }
  const left = Date.parse(item.due_at) - serverNow();
  return left > 0 ? t("run_due_in", {time: span(left)}) : t("run_overdue_by", {time: span(left)});
}

// The server's refusal of the last command about a step or report, by its id: the checklist is redrawn
// when the pending command leaves the queue, so the message must outlive the element it was shown in.
const refusals = new Map();

function send(incidentId, name, args, box) {
  const about = args.step_id || args.obligation_id || args.proposal_id || "";
  box.textContent = "";
  refusals.delete(about);
  live.submit(name, {incident_id: incidentId, ...args}).then((sent) => {
    if (sent.queued) draw(incidentId);
    return sent.done.then((result) => {
      if (!result.ok) {
        refusals.set(about, result.error.message);
        box.textContent = result.error.message;
        const shown = about && document.querySelector(`#run [data-step="${CSS.escape(about)}"] .form-error, #run [data-report="${CSS.escape(about)}"] .form-error`);
        if (shown) shown.textContent = result.error.message;
        return;
      }
      refreshRun(incidentId);
    });
  });
}

// A message next to a field goes once the field is filled in.
function clearsOnInput(field, box) {
  field.addEventListener("input", () => { if (field.value.trim()) box.textContent = ""; });
  return field;
}

function actions(incidentId, step, box) {
  if (!can("run.act") || run.closed) return null;
  const open = OPEN.has(step.status) || step.status === "blocked";
  if (!open) return null;
  const parts = [];
  if (OPEN.has(step.status) && step.decision) {
    const pick = el("select", {name: "option", "aria-label": t("run_decide")},
      el("option", {value: ""}, "—"),
      ...step.decision.options.map((o) => el("option", {value: o.id}, text(o.title))));
    const reason = clearsOnInput(el("input", {name: "reason", placeholder: t("run_reason"), maxLength: 2000}), box);
    pick.addEventListener("change", () => { if (pick.value) box.textContent = ""; });
    const names = step.decision.kind === "representatives"
      ? el("input", {name: "representatives", placeholder: t("run_representatives"), maxLength: 500}) : null;
    parts.push(pick, reason, names, el("button", {type: "button", class: "primary small", "data-act": "decide",
      onclick: () => {
        if (!pick.value) { box.textContent = t("err_option"); return; }
        if (step.decision.reason_required && !reason.value.trim()) { box.textContent = t("err_reason"); return; }
        const representatives = names ? names.value.split(/[,\uff0c\u3001]/).map((x) => x.trim()).filter(Boolean) : [];
        send(incidentId, "run.decide", {step_id: step.id, option: pick.value, reason: reason.value.trim(),
          representatives}, box);
      }}, t("run_decide")));
  } else if (OPEN.has(step.status) && step.kind !== "wait") {
    const note = el("input", {name: "note", placeholder: t("run_note"), maxLength: 2000});
    const given = (step.gives_deadlines || []).map((g) => givenField(g, box));
    parts.push(note, ...given.map((g) => g.label), el("button", {type: "button", class: "primary small", "data-act": "done",
      onclick: () => {
        const deadlines = {};
        for (const g of given) {
          if (!g.input.value) {
            if (g.required) { box.textContent = t("err_date_required", {date: g.name}); return; }
            continue;
          }
          deadlines[g.id] = new Date(g.input.type === "date" ? g.input.value + "T00:00" : g.input.value).toISOString();
        }
        send(incidentId, "run.complete_step", {step_id: step.id, note: note.value.trim(), deadlines}, box);
      }},
    t("run_done")));
  }
  if (step.kind === "dispatch" && OPEN.has(step.status) && document.getElementById("dispatch-title")) {
    parts.push(el("button", {type: "button", class: "small", "data-act": "dispatch",
      onclick: () => openDispatch(step)}, t("run_dispatch")));
  }
  const why = clearsOnInput(el("input", {name: "skip_reason", placeholder: t("run_reason"), maxLength: 2000, hidden: true}), box);
  parts.push(why, el("button", {type: "button", class: "ghost small", "data-act": "skip", onclick: () => {
    if (why.hidden) { why.hidden = false; why.focus(); return; }
    if (!why.value.trim()) { box.textContent = t("err_reason"); return; }
    send(incidentId, "run.skip_step", {step_id: step.id, reason: why.value.trim()}, box);
  }}, t("run_skip")));
  return el("div", {class: "step-actions"}, ...parts);
}

// 以上级要求为准: a step that records an instruction takes the deadlines it gives (local time), and a
// step that plans around a date must record it (倒排时限); the server checks both again.
function givenField(g, box) {
  const name = g.title ? t("run_given_deadline", {step: text(g.title)}) : t("run_date_" + g.id);
  const input = clearsOnInput(el("input", {type: g.required ? "date" : "datetime-local", name: "deadline-" + g.id,
    "data-gives": g.id}), box);
  const label = el("label", {class: "given-deadline"}, el("span", {}, name), input);
  return {id: g.id, required: g.required, name, input, label};
}

// 派员: a dispatch step leads to the room's dispatch panel (its own module sends the people). The
// panel is told which step asked through a `run:dispatch` event; the task field is filled in if empty.
function openDispatch(step) {
  const panel = document.getElementById("dispatch-title").closest("section") || document.getElementById("dispatch-title");
  const task = document.getElementById("dispatch-role");
  if (task && !task.value.trim()) task.value = text(step.title);
  panel.scrollIntoView({block: "start", behavior: "smooth"});
  if (task) task.focus({preventScroll: true});
  document.dispatchEvent(new CustomEvent("run:dispatch",
    {detail: {step_id: step.id, role: step.role, title: text(step.title)}}));
}

const personName = (id) => (boot.person_names || {})[id] || t("unknown_person");

// Why a step the responders' moves completed is done: 派遣N人 / HH:MM到达现场 (console.runs.follow).
function followedText(by) {
  if (!by) return "";
  if (by.cause === "dispatch") return t("run_by_dispatch", {n: by.people});
  if (by.cause === "leader_arrival") return t("run_by_leader", {name: personName(by.person_id), time: clock(by.at)});
  return t("run_by_arrival", {time: clock(by.at)});
}

// 领导到位情况: who of the leaders arrived, or marked the leader's step done, and when.
function drawLeaders() {
  const box = document.getElementById("room-leaders");
  if (!box || !run) return;
  const items = (run.leaders || []).map((l) => el("li", {"data-leader": l.person_id, "data-via": l.via},
    t(l.via === "step" ? "leader_marked" : "leader_arrived",
      {name: l.name || personName(l.person_id), time: clock(l.at)})));
  box.replaceChildren(...(items.length ? items : [el("li", {class: "hint"}, t("leaders_none"))]));
}

function stepItem(incidentId, step, pending) {
  const box = el("p", {class: "form-error", role: "alert"}, refusals.get(step.id) || "");
  const option = step.option && step.decision
    ? text((step.decision.options.find((o) => o.id === step.option) || {}).title) : "";
  const shown = status(step);
  const waitsFor = step.status === "blocked" && (step.blocked_by || []).length
    ? t("run_waits_for", {steps: step.blocked_by.map(stepTitle).join(t("list_separator"))}) : "";
  return el("li", {class: "step st-" + shown + (pending ? " pending" : ""), "data-step": step.id, "data-status": shown},
    el("div", {class: "step-head"},
      pending ? el("span", {class: "badge pending"}, t("pending_mark")) : null, " ",
      el("span", {class: "step-status", "data-role": "status"}, statusLabel(shown)), " ",
      el("strong", {class: "step-title"}, text(step.title)), " ",
      el("span", {class: "step-role"}, roleLabel(step.role)), " ",
      el("span", {class: "countdown", "data-due": step.due_at || ""}, countdown(step))),
    waitsFor ? el("div", {class: "hint waits-for"}, waitsFor) : null,
    step.guidance && OPEN.has(step.status) ? el("div", {class: "hint"}, text(step.guidance)) : null,
    option || step.note ? el("div", {class: "step-note"}, [option, step.note].filter(Boolean).join(" — ")) : null,
    step.followed ? el("div", {class: "step-note followed", "data-followed": step.followed.cause},
      followedText(step.followed)) : null,
    actions(incidentId, step, box), box);
}

function reportItem(incidentId, report, pending) {
  const box = el("p", {class: "form-error", role: "alert"}, refusals.get(report.id) || "");
  const shown = status(report);
  const file = can("run.act") && OPEN.has(report.status)
    ? el("button", {type: "button", class: "small", "data-act": "file",
      onclick: () => send(incidentId, "run.file_report", {obligation_id: report.id}, box)}, t("run_file")) : null;
  return el("li", {class: "step st-" + shown + (pending ? " pending" : ""), "data-report": report.id, "data-status": shown},
    el("div", {class: "step-head"},
      pending ? el("span", {class: "badge pending"}, t("pending_mark")) : null, " ",
      el("span", {class: "step-status"}, statusLabel(shown)), " ",
      el("strong", {}, text(report.title)), " ",
      el("span", {class: "step-role"}, roleLabel(report.role)), " ",
      el("span", {class: "countdown", "data-due": report.due_at || ""}, countdown(report))),
    file, box);
}

function draw(incidentId) {
  const card = document.getElementById("run");
  if (!card) return;
  card.hidden = !run;
  if (!run) return;
  card.querySelector('[data-run="title"]').textContent = text(run.playbook.title);
  const level = card.querySelector('[data-run="level"]');
  level.textContent = levelLabel(run.level);
  level.dataset.level = run.level;
  card.querySelector('[data-run="drill"]').hidden = !run.drill;
  const grading = card.querySelector('[data-run="grading"]');
  grading.textContent = run.overridden
    ? t("run_overridden", {reason: run.grading.override_reason}) : t("run_graded");
  // Who caused the latest regrade, and the proposals waiting for the duty officer or a leader.
  const last = (run.regrades || []).at(-1);
  if (last) grading.textContent += t("list_separator") + regradeText(last);
  let proposals = card.querySelector('[data-run="proposals"]');
  if (!proposals) {
    proposals = el("ul", {class: "proposals", "data-run": "proposals"});
    grading.after(proposals);
  }
  proposals.replaceChildren(...(run.proposals || []).map((p) => proposalItem(incidentId, p)));
  const pending = pendingItems(incidentId);
  document.getElementById("checklist").replaceChildren(
    ...run.steps.filter((s) => s.status !== "not_applicable").map((s) => stepItem(incidentId, s, pending.has(s.id))));
  document.getElementById("reports").replaceChildren(
    ...run.reports.filter((r) => r.status !== "not_applicable").map((r) => reportItem(incidentId, r, pending.has(r.id))));
  drawLeaders();
  tick();
  document.dispatchEvent(new CustomEvent("run:loaded"));
}

function regradeText(r) {
  const levels = {from: levelLabel(r.level_from), to: levelLabel(r.level_to)};
  const name = r.by ? r.by.name : t("unknown_person");
  return r.proposed_by
    ? t("run_regraded_proposed", {...levels, proposer: r.proposed_by.name, name})
    : t("run_regraded", {...levels, name});
}

function proposalItem(incidentId, p) {
  const box = el("span", {class: "form-error", role: "alert"});
  const buttons = can("run.regrade") && !run.closed ? [
    el("button", {type: "button", class: "small",
      onclick: () => send(incidentId, "run.confirm_facts", {proposal_id: p.id}, box)}, t("run_confirm")),
    el("button", {type: "button", class: "ghost small",
      onclick: () => send(incidentId, "run.decline_facts", {proposal_id: p.id}, box)}, t("run_decline")),
  ] : [];
  return el("li", {"data-proposal": p.id},
    t("run_proposal", {name: p.proposed_by.name, from: levelLabel(p.level_from), to: levelLabel(p.level_to)}),
    p.note ? " — " + p.note : "", " ", ...buttons, box);
}

// Every second: countdowns and overdue / due-soon marks move on without the server.
function tick() {
  if (!run) return;
  let overdue = 0;
  let soon = 0;
  for (const li of document.querySelectorAll("#run li[data-status]")) {
    const item = li.dataset.step
      ? run.steps.find((s) => s.id === li.dataset.step)
      : run.reports.find((r) => r.id === li.dataset.report);
    if (!item) continue;
    const shown = status(item);
    if (shown === "overdue") overdue += 1;
    if (shown === "due_soon") soon += 1;
    if (li.dataset.status !== shown) {
      li.dataset.status = shown;
      li.className = "step st-" + shown + (li.classList.contains("pending") ? " pending" : "");
      li.querySelector(".step-status").textContent = statusLabel(shown);
    }
    const c = li.querySelector(".countdown");
    const next = countdown(item);
    if (c.textContent !== next) c.textContent = next;
  }
  const card = document.getElementById("run");
  card.querySelector('[data-run="overdue"]').textContent = overdue ? t("run_overdue_n", {n: overdue}) : "";
  card.querySelector('[data-run="soon"]').textContent = soon ? t("run_due_soon_n", {n: soon}) : "";
  const fact = document.querySelector('[data-f="level"]');
  if (fact) fact.textContent = levelLabel(run.level);
  const od = document.querySelector('[data-f="overdue"]');
  if (od) od.textContent = String(overdue);
  const badge = document.querySelector('[data-f="level-badge"]');
  if (badge) { badge.textContent = levelLabel(run.level); badge.dataset.level = run.level; }
  // 事件等级 beside the response tier, where the two differ (docs/playbooks.md).
  const grade = document.querySelector('[data-f="grade-badge"]');
  if (grade) {
    grade.hidden = !run.grade_differs;
    grade.textContent = t("run_grade", {grade: (boot.event_grades || {})[run.event_grade] || run.event_grade});
    grade.dataset.grade = run.event_grade;
  }
  const count = document.querySelector('[data-f="overdue-count"]');
  if (count) { count.textContent = String(overdue); count.classList.toggle("overdue", overdue > 0); }
  renderNext();
}

// 下一时限: the earliest open deadlines, steps and reports alike (首报 among them), ticking.
const NEXT_SHOWN = 4;
function renderNext() {
  const box = document.getElementById("next-deadlines");
  if (!box || !run) return;
  const due = (list, kind) => list.filter((x) => OPEN.has(x.status) && x.due_at).map((item) => ({kind, item}))
    .sort((a, b) => Date.parse(a.item.due_at) - Date.parse(b.item.due_at));
  // The next report (首报 first of all) is always among them, whatever the steps' deadlines.
  const reports = due(run.reports, "report").slice(0, 1);
  const items = [...reports, ...due(run.steps, "step").slice(0, NEXT_SHOWN - reports.length)]
    .sort((a, b) => Date.parse(a.item.due_at) - Date.parse(b.item.due_at));
  const rows = items.map(({kind, item}) => {
    const shown = status(item);
    return el("li", {class: "next-item st-" + shown, "data-next": item.id, "data-kind": kind},
      el("span", {class: "next-name"}, text(item.title)), " ",
      el("span", {class: "countdown"}, countdown(item)));
  });
  box.replaceChildren(...(rows.length ? rows : [el("li", {class: "hint"}, t("run_nothing_due"))]));
}

setInterval(tick, 1000);

// A short confirmation under the room's head: what the last action did.
export function roomNotice(message) {
  const box = document.getElementById("room-notice");
  if (box) box.textContent = message;
}

// What closing now would leave behind: steps still overdue, and a final report (终报) not yet sent.
export function openEnds() {
  if (!run) return {overdue: 0, noFinal: false};
  const overdue = run.steps.filter((s) => status(s) === "overdue").length;
  const finals = run.reports.filter((r) => r.stage === "final" && r.status !== "not_applicable");
  return {overdue, noFinal: finals.length > 0 && finals.every((r) => !r.filed_count)};
}

export function wireOverride(incidentId, submitFrom) {
  const form = document.getElementById("override");
  if (!form) return;
  form.elements.reason.addEventListener("input", () => {
    if (form.elements.reason.value.trim()) form.querySelector('[data-error-for="form"]').textContent = "";
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    if (!f.reason.value.trim()) {
      form.querySelector('[data-error-for="form"]').textContent = t("err_reason");
      return;
    }
    const level = f.level.value || null;
    await submitFrom(form, "run.override_level",
      {incident_id: incidentId, level, reason: f.reason.value.trim()},
      {onOk: () => {
        f.reason.value = "";
        form.closest("details").open = false;
        roomNotice(t("level_set", {level: level ? levelLabel(level) : t("run_graded")}));
        refreshRun(incidentId);
      }});
  });
}

// Titles come from the playbook the run pinned (in the page's boot), so the timeline never shows an id,
// even before the run is fetched or when it cannot be.
const titles = boot.titles || {steps: {}, reports: {}, options: {}};
const titleOf = (kind, id, fallback) => (titles[kind] && titles[kind][id] ? text(titles[kind][id]) : fallback);
const stepTitle = (id) => {
  const s = run && run.steps.find((x) => x.id === id);
  return s ? text(s.title) : titleOf("steps", id, t("run_a_step"));
};
const reportTitle = (id) => {
  const r = run && run.reports.find((x) => x.id === id);
  return r ? text(r.title) : titleOf("reports", id, t("run_a_report"));
};
const optionTitle = (stepId, option) => {
  const s = run && run.steps.find((x) => x.id === stepId);
  const o = s && s.decision ? s.decision.options.find((x) => x.id === option) : null;
  return o ? text(o.title) : titleOf("options", option, t("run_an_option"));
};

// The timeline's line for a run event (null for other events).
export function describeRun(f) {
  const d = f.data || {};
  const r = d.record || {};
  const mark = d.drill ? t("drill_mark") : "";
  switch (f.event) {
    case "run.step_completed":
      return [t("ev_step_completed", {step: stepTitle(r.step_id)}), followedText(d.followed), r.note];
    case "run.step_skipped":
      return [t("ev_step_skipped", {step: stepTitle(r.step_id), reason: r.reason})];
    case "run.decision_recorded": {
      return [t("ev_decision", {step: stepTitle(r.step_id), option: optionTitle(r.step_id, r.option)}), r.reason,
        (r.representatives || []).join(t("list_separator"))];
    }
    case "run.level_overridden":
      return [t("ev_level", {level: r.level ? levelLabel(r.level) : t("run_graded"), reason: r.reason})];
    case "run.facts_changed": {
      const head = d.level_to
        ? t("ev_regraded", {from: levelLabel(d.level_from), to: levelLabel(d.level_to)}) : t("ev_facts");
      return [head, d.proposed_by_name ? t("ev_proposed_by", {name: d.proposed_by_name}) : "", r.note];
    }
    case "run.facts_proposed":
      return [t("ev_facts_proposed", {from: levelLabel(d.level_from), to: levelLabel(d.level_to)}), d.note];
    case "run.facts_declined":
      return [t("ev_facts_declined"), d.reason];
    case "run.report_filed":
      return [mark + t("ev_report", {report: reportTitle(r.obligation_id)}), r.note];
    case "run.action_fired": {
      const item = d.step_id ? stepTitle(d.step_id) : reportTitle(d.obligation_id);
      const key = {remind: "ev_remind", escalate: "ev_escalate", report_due: "ev_report_due", wait_elapsed: "ev_wait"}[d.kind];
      return [mark + t(key || "ev_remind", {role: roleLabel(d.role), item})];
    }
    default:
      return null;
  }
}
