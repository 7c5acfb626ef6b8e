// 借阅登记: every reveal of confidential details, newest first (reviewers and administrators).
import {el, getJson, start, t, when} from "./ui.js";

const body = document.querySelector("#access-log tbody");
const box = document.querySelector('[data-error-for="log"]');

async function load() {
  try {
    const data = await getJson("/api/access-log");
    if (!data.ok) { box.textContent = data.error.message; return; }
    const labels = window.consoleLive.boot.confidential;
    body.replaceChildren(...data.entries.map((e) => el("tr", {},
      el("td", {}, when(e.recorded_at)),
      el("td", {}, e.actor.name),
      el("td", {}, el("a", {href: "/incidents/" + encodeURIComponent(e.incident_id)}, e.incident_number || e.incident_id)),
      el("td", {}, (e.fields || []).map((k) => labels[k] || k).join(t("list_separator"))))));
    document.getElementById("log-empty").hidden = data.entries.length > 0;
  } catch (e) {
    box.textContent = t("err_network");
  }
}

start(() => {});
load();
