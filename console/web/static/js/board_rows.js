// The movement board, unacknowledged dispatches and roll call of one incident (room and movements page).
import {boot, el, format, getJson, t, when} from "./ui.js";

const texts = boot.dtext || JSON.parse((document.getElementById("dispatch-text") || {}).textContent || "{}");
export const d = (key, params) => format(texts[key] || key, params);

export function fetchResponders(incidentId) {
  return getJson(`/api/incidents/${encodeURIComponent(incidentId)}/responders`);
}

export function renderBoard(data) {
  const body = document.querySelector("#board tbody");
  if (!body) return;
  body.replaceChildren(...data.board.map((row) => el("tr", {"data-person": row.person_id, "data-status": row.status},
    el("td", {}, el("a", {href: "/people/" + encodeURIComponent(row.person_id) + "/activity"}, row.name)),
    el("td", {class: "status"}, row.status_label),
    el("td", {}, row.place || (row.destination ? d("destination") + " " + row.destination : "—")),
    el("td", {}, row.role || ""),
    el("td", {}, when(row.since)))));
  const unacked = document.getElementById("unacked");
  unacked.replaceChildren(...data.unacknowledged.map((u) => el("li", {class: "warn", "data-person": u.person_id},
    u.name, " — ", u.age_s < 60 ? t("unacked_just_sent") : d("waiting", {m: Math.floor(u.age_s / 60)}))));
  const rc = data.rollcall;
  const box = document.getElementById("rollcall");
  box.hidden = !rc;
  if (rc) {
    document.getElementById("rollcall-summary").textContent = `${rc.confirmed} / ${rc.expected}`
      + (rc.overdue ? " · " + d("overdue") : "");
    // 清点超时: the console recorded who had not confirmed when the time was up; the lead must act on it
    const flag = document.getElementById("rollcall-flag");
    if (flag) {
      flag.hidden = !rc.flagged;
      flag.textContent = rc.flagged ? d("rollcall_flagged", {at: when(rc.flagged.at),
        names: rc.flagged.unconfirmed.map((u) => u.name).join(d("list_sep"))}) : "";
    }
    document.getElementById("rollcall-missing").replaceChildren(...rc.unconfirmed.map((u) =>
      el("li", {class: u.overdue ? "warn" : "", "data-person": u.person_id}, u.name, " — ", d("unconfirmed"))));
  }
}
