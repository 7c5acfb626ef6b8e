// 报告: the draft's fields beside the PDF preview; every action is a command, refused by the server
// when the report's status does not allow it (nothing unapproved can be sent).
import {boot, start, when} from "./ui.js";

const failed = document.getElementById("report-failed");
const csrf = (document.querySelector("#logout input[name=csrf]") || {}).value || "";

function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "r-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function command(name, args) {
  const response = await fetch("/api/commands", {
    method: "POST",
    headers: {"content-type": "application/json", "x-csrf-token": csrf},
    body: JSON.stringify({id: commandId(), name, args}),
  });
  const body = await response.json().catch(() => ({ok: false, error: {message: response.statusText}}));
  if (!body.ok) {
    failed.textContent = (body.error && body.error.message) || "refused";
    failed.hidden = false;
    return null;
  }
  failed.hidden = true;
  return body.result || {};
}

const page = document.getElementById("report");
if (page) {
  const reportId = page.dataset.report;
  const preview = document.getElementById("preview");
  const form = document.getElementById("fields");
  const texts = () => {
    const out = {};
    // Only what the officer changed: a field the log filled stays the log's (its sources still shown).
    for (const area of form.querySelectorAll("textarea:not([readonly])")) {
      if (area.value !== area.defaultValue) out[area.name] = area.value;
    }
    return out;
  };
  // The preview shows every page as an image, loading the next page until one is not there.
  const refresh = () => {
    const stamp = Date.now();
    preview.replaceChildren();
    const load = (n) => {
      const img = new Image();
      img.alt = `${n}`;
      img.onload = () => load(n + 1);
      img.onerror = () => img.remove();
      img.src = `${preview.dataset.src}${n}.png?t=${stamp}`;
      preview.append(img);
    };
    load(1);
  };
  refresh();
  for (const button of document.querySelectorAll("#actions button[data-cmd]")) {
    button.addEventListener("click", async () => {
      const name = button.dataset.cmd;
      const args = {report_id: reportId};
      if (name === "report.edit" || name === "report.submit") {
        const changed = texts();
        if (Object.keys(changed).length && !(await command("report.edit", {report_id: reportId, texts: changed}))) return;
        if (name === "report.edit") { refresh(); return; }
      }
      if (name === "report.return") args.reason = document.getElementById("return-reason").value;
      if (name === "report.correct") args.corrects = document.getElementById("corrects").value;
      if (await command(name, args)) window.location.reload();
    });
  }
  // 电话确认: the office said on the phone that it has the report.
  for (const receipt of document.querySelectorAll("form.receipt")) {
    receipt.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(receipt);
      const args = {
        report_id: reportId,
        recipient: receipt.dataset.recipient,
        confirmed_by: String(data.get("confirmed_by") || ""),
        note: String(data.get("note") || ""),
      };
      if (await command("report.confirm_receipt", args)) window.location.reload();
    });
  }
}

const list = document.getElementById("report-list");
const draft = document.getElementById("draft");
if (list && draft) {
  draft.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(draft);
    const args = {incident_id: list.dataset.incident, stage: data.get("stage")};
    if (data.get("obligation_id")) args.obligation_id = data.get("obligation_id");
    const result = await command("report.draft", args);
    if (result && result.report_id) window.location.href = `/reports/${result.report_id}`;
  });
}

// 统计报告: draft a month's or a quarter's statistics from the log.
const statistics = document.getElementById("draft-statistics");
if (statistics) {
  statistics.addEventListener("submit", async (event) => {
    event.preventDefault();
    const period = String(new FormData(statistics).get("period") || "").trim().toUpperCase();
    const result = await command("report.draft_statistics", {period});
    if (result && result.report_id) window.location.href = `/reports/${result.report_id}`;
  });
}

// 报送任务: the playbook's report obligations with their status and deadline, each draftable at once.
const tasks = document.getElementById("tasks");
if (list && tasks) {
  fetch(`/api/incidents/${list.dataset.incident}/run`).then((r) => r.json()).then((body) => {
    if (!body.ok) return;
    for (const obligation of body.run.reports) {
      const item = document.createElement("li");
      const due = obligation.due_at ? ` · ${tasks.dataset.labelDue} ${when(obligation.due_at)}` : "";
      const english = document.documentElement.lang === "en";
      const title = obligation.title ? (english ? obligation.title.en : obligation.title.zh) : obligation.id;
      const status = (boot.step_statuses || {})[obligation.status] || obligation.status;
      item.textContent = `${title} · ${status}${due} `;
      item.dataset.status = obligation.status;
      if (tasks.dataset.draft && ["ready", "due_soon", "overdue"].includes(obligation.status)) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = tasks.dataset.labelDraft;
        button.addEventListener("click", async () => {
          const stage = obligation.stage;
          const result = await command("report.draft", {incident_id: list.dataset.incident, stage, obligation_id: obligation.id});
          if (result && result.report_id) window.location.href = `/reports/${result.report_id}`;
        });
        item.append(button);
      }
      tasks.append(item);
    }
  });
}

// The page keeps the console's live connection like every other: the header shows whether it is up,
// and a command typed offline waits in the queue.
start(() => {});
