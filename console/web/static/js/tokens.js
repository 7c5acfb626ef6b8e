// 接口令牌: revoke an integration's token; the server closes its live connections at once (4401).
import {start, t} from "./ui.js";

const box = document.querySelector('[data-error-for="tokens"]');

function csrf() {
  const field = document.querySelector("#logout [name=csrf]");
  return field ? field.value : "";
}

document.getElementById("tokens").addEventListener("click", async (event) => {
  const button = event.target.closest("[data-revoke]");
  if (!button) return;
  button.disabled = true;
  box.textContent = "";
  try {
    const r = await fetch(`/api/tokens/${encodeURIComponent(button.dataset.revoke)}/revoke`, {
      method: "POST", cache: "no-store",
      headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf()},
      body: "{}"});
    const body = await r.json();
    if (!body.ok) { box.textContent = body.error.message; button.disabled = false; return; }
    button.closest("[data-status]").textContent = box.dataset.revoked;
  } catch (err) {
    box.textContent = t("err_network");
    button.disabled = false;
  }
});

start(() => {});
