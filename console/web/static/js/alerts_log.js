// 投递记录: 重新发送 beside a failed attempt. The command (alert.resend) refuses what cannot be sent
// again, with its reason shown above the table; once accepted, the page follows the new attempt until
// the worker has recorded what it came to, then shows the log again with it. The page keeps the live
// connection like every signed-in page (the pill says whether the console is reachable).
import {start} from "./ui.js";

const page = document.getElementById("alerts-log");
const problem = document.getElementById("resend-error");
const csrf = (document.querySelector("#logout input[name=csrf]") || {}).value || "";
const FOLLOW_MS = 30_000; // past this the officer reloads by hand; the worker may be busy or off
const LOOK_MS = 700;

function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "resend-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function refuse(message) {
  problem.textContent = message;
  problem.hidden = false;
}

async function settled(outboxId) {
  const until = Date.now() + FOLLOW_MS;
  while (Date.now() < until) {
    await new Promise((done) => setTimeout(done, LOOK_MS));
    try {
      const r = await fetch(`/api/incidents/${encodeURIComponent(page.dataset.incident)}/alerts`,
        {credentials: "same-origin", cache: "no-store"});
      if (!r.ok) continue;
      const body = await r.json();
      const row = (body.attempts || []).find((a) => a.dedupe_key === outboxId);
      if (row && row.state !== "pending") return;
    } catch (_e) {
      /* offline for a moment: look again */
    }
  }
}

async function resend(button) {
  // Said at once: on a slow network the command may take seconds to be accepted.
  const label = button.textContent;
  button.disabled = true;
  button.textContent = button.dataset.sending || label;
  problem.hidden = true;
  let body;
  try {
    const response = await fetch("/api/commands", {
      method: "POST",
      headers: {"content-type": "application/json", "x-csrf-token": csrf},
      body: JSON.stringify({id: commandId(), name: "alert.resend", args: {outbox_id: button.dataset.outbox}}),
    });
    body = await response.json().catch(() => ({ok: false, error: {message: response.statusText}}));
  } catch (_e) {
    body = {ok: false, error: {message: button.dataset.offline || "offline"}};
  }
  if (!body.ok) {
    refuse((body.error && body.error.message) || "refused");
    button.textContent = label;
    button.disabled = false;
    return;
  }
  await settled((body.result || {}).outbox_id);
  location.reload();
}

start(() => {});
if (page) {
  for (const button of page.querySelectorAll("button.resend")) {
    button.addEventListener("click", () => resend(button));
  }
}
