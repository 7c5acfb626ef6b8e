// 预案执行: the incident's running playbook as a checklist with live countdowns, owners and one-tap actions.
// The run's state is evaluated on the server (the pure engine); it is fetched again whenever the live
// stream brings an event of this incident, and the countdowns tick here from the due instants.
import {boot, can, el, live, t, when} from "./ui.js";

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
      const r = await fetch(`/api/incidents/${encodeURIComponent(incidentId)}/run`,
        {headers: {Accept: "application/json"}, cache: "no-store"});
      if (r.status === 404) { run = null; return; }
      const body = await r.json();
      if (!body.ok) return;
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

// Called on every render of the room: fetch again when an event of this incident arrived.
export function renderRun(incidentId) {
  const mine = live.state.history[incidentId] || {};
  const top = Math.max(0, ...Object.keys(mine).map(Number));
  if (top !== seen) {
    seen = top;
    refreshRun(incidentId);
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

function send(incidentId, name, args, box) {
  box.textContent = "";
  live.submit(name, {incident_id: incidentId, ...args}).then((sent) => sent.done.then((result) => {
    if (!result.ok) box.textContent = result.error.message;
    refreshRun(incidentId);
  }));
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
    const reason = el("input", {name: "reason", placeholder: t("run_reason"), maxLength: 2000});
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
    parts.push(note, el("button", {type: "button", class: "primary small", "data-act": "done",
      onclick: () => send(incidentId, "run.complete_step", {step_id: step.id, note: note.value.trim()}, box)},
    t("run_done")));
  }
  if (step.kind === "dispatch" && OPEN.has(step.status) && document.getElementById("dispatch-title")) {
    parts.push(el("button", {type: "button", class: "small", "data-act": "dispatch",
      onclick: () => openDispatch(step)}, t("run_dispatch")));
  }
  const why = el("input", {name: "skip_reason", placeholder: t("run_reason"), maxLength: 2000, hidden: true});
  parts.push(why, el("button", {type: "button", class: "ghost small", "data-act": "skip", onclick: () => {
    if (why.hidden) { why.hidden = false; why.focus(); return; }
    if (!why.value.trim()) { box.textContent = t("err_reason"); return; }
    send(incidentId, "run.skip_step", {step_id: step.id, reason: why.value.trim()}, box);
  }}, t("run_skip")));
  return el("div", {class: "step-actions"}, ...parts);
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

function stepItem(incidentId, step) {
  const box = el("p", {class: "form-error", role: "alert"});
  const option = step.option && step.decision
    ? text((step.decision.options.find((o) => o.id === step.option) || {}).title) : "";
  const shown = status(step);
  return el("li", {class: "step st-" + shown, "data-step": step.id, "data-status": shown},
    el("div", {class: "step-head"},
      el("span", {class: "step-status", "data-role": "status"}, statusLabel(shown)), " ",
      el("strong", {class: "step-title"}, text(step.title)), " ",
      el("span", {class: "step-role"}, roleLabel(step.role)), " ",
      el("span", {class: "countdown", "data-due": step.due_at || ""}, countdown(step))),
    step.guidance && OPEN.has(step.status) ? el("div", {class: "hint"}, text(step.guidance)) : null,
    option || step.note ? el("div", {class: "step-note"}, [option, step.note].filter(Boolean).join(" — ")) : null,
    actions(incidentId, step, box), box);
}

function reportItem(incidentId, report) {
  const box = el("p", {class: "form-error", role: "alert"});
  const shown = status(report);
  const file = can("run.act") && OPEN.has(report.status)
    ? el("button", {type: "button", class: "small", "data-act": "file",
      onclick: () => send(incidentId, "run.file_report", {obligation_id: report.id}, box)}, t("run_file")) : null;
  return el("li", {class: "step st-" + shown, "data-report": report.id, "data-status": shown},
    el("div", {class: "step-head"},
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
  document.getElementById("checklist").replaceChildren(
    ...run.steps.filter((s) => s.status !== "not_applicable").map((s) => stepItem(incidentId, s)));
  document.getElementById("reports").replaceChildren(
    ...run.reports.filter((r) => r.status !== "not_applicable").map((r) => reportItem(incidentId, r)));
  tick();
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
      li.className = "step st-" + shown;
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
}

setInterval(tick, 1000);

export function wireOverride(incidentId, submitFrom) {
  const form = document.getElementById("override");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    if (!f.reason.value.trim()) {
      form.querySelector('[data-error-for="form"]').textContent = t("err_reason");
      return;
    }
    await submitFrom(form, "run.override_level",
      {incident_id: incidentId, level: f.level.value || null, reason: f.reason.value.trim()},
      {onOk: () => { f.reason.value = ""; form.closest("details").open = false; refreshRun(incidentId); }});
  });
}

const stepTitle = (id) => {
  const s = run && run.steps.find((x) => x.id === id);
  return s ? text(s.title) : id;
};
const reportTitle = (id) => {
  const r = run && run.reports.find((x) => x.id === id);
  return r ? text(r.title) : id;
};

// The timeline's line for a run event (null for other events).
export function describeRun(f) {
  const d = f.data || {};
  const r = d.record || {};
  const mark = d.drill ? t("drill_mark") : "";
  switch (f.event) {
    case "run.step_completed":
      return [t("ev_step_completed", {step: stepTitle(r.step_id)}), r.note];
    case "run.step_skipped":
      return [t("ev_step_skipped", {step: stepTitle(r.step_id), reason: r.reason})];
    case "run.decision_recorded": {
      const s = run && run.steps.find((x) => x.id === r.step_id);
      const o = s && s.decision ? s.decision.options.find((x) => x.id === r.option) : null;
      return [t("ev_decision", {step: stepTitle(r.step_id), option: o ? text(o.title) : r.option}), r.reason,
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
