// 站内提醒: the in-app channel. Shows the signed-in person's unacknowledged pages as a banner with an
// acknowledge button, with sound and vibration where the device allows. Self-contained: a page opts in
// by including this script and calling PagesAlerts.start({send}) where `send(name, args)` sends a
// command over the page's live connection (live.js) and `text` the translated texts the server hands
// the page (console.web.alerts.IN_APP_TEXT); `PagesAlerts.onEvent(event)` is fed each event.
(function () {
  "use strict";
  let text = { title: "Page", ack: "I have received it", level: "Level", drill: "[Drill]" };
  let send = null;
  let box = null;
  const shown = new Map();

  function buzz() {
    try {
      if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      const ctx = new Ctx();
      const osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
    } catch (_e) {
      /* a device that refuses sound still shows the page */
    }
  }

  function render() {
    if (!box) {
      box = document.createElement("aside");
      box.id = "alert-pages";
      box.className = "alert-pages";
      box.setAttribute("role", "alert");
      document.body.prepend(box);
    }
    box.replaceChildren();
    box.hidden = shown.size === 0;
    const t = text;
    for (const page of shown.values()) {
      const row = document.createElement("div");
      row.className = "alert-page";
      row.dataset.alert = page.alert_id;
      const label = document.createElement("span");
      label.textContent = `${page.drill ? t.drill : ""}${t.title} ${page.number || ""} · ${t.level} ${page.level}`;
      const button = document.createElement("button");
      button.className = "primary";
      button.textContent = t.ack;
      button.addEventListener("click", () => acknowledge(page.alert_id));
      row.append(label, button);
      box.append(row);
    }
  }

  function acknowledge(alertId) {
    if (send) send("alert.acknowledge", { alert_id: alertId });
  }

  async function refresh() {
    const r = await fetch("/api/alerts/mine", { credentials: "same-origin" });
    if (!r.ok) return;
    const body = await r.json();
    const before = shown.size;
    shown.clear();
    for (const p of body.pages) shown.set(p.alert_id, p);
    render();
    if (shown.size > before) buzz();
  }

  function onEvent(event) {
    const name = event && event.event;
    if (name === "alert.attempt_recorded" || name === "alert.escalated" || name === "alert.acknowledged") {
      refresh();
    }
  }

  window.PagesAlerts = {
    start(options) {
      send = (options && options.send) || null;
      if (options && options.text) text = Object.assign({}, text, options.text);
      refresh();
    },
    onEvent,
    acknowledge,
  };
})();
