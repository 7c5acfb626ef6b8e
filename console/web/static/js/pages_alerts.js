// 站内提醒: the in-app channel. Shows the signed-in person's unacknowledged pages as a banner (who paged
// them, for which incident, what is asked, the escalation level) with a 确认 button, with sound and
// vibration where the device allows.
//
// Self-contained: a page opts in by including templates/_alert_pages.html (the banner's container,
// carrying its translated texts) and this script after its own module. It starts itself on the page's
// live connection (window.consoleLive, live.js): commands go over it, and each alert event it applies
// that may page someone makes the banner read /api/alerts/mine again. PagesAlerts.start({send, text}) starts it by hand.
(function () {
  "use strict";
  let text = {title: "Page", ack: "Acknowledge", level: "Escalation level", drill: "[Drill]", by: "Paged by"};
  let send = null;
  let box = null;
  let started = false;
  let asked = 0; // the newest read wins: a slow answer never redraws over a newer one
  const shown = new Map();
  const acking = new Set(); // tapped: hidden at once, until the server's answer decides
  // Events after which someone may have been paged or a page settled: the alerts' own, and the triggers
  // whose projector pages people in the same transaction (console/alerts/store.py).
  const TRIGGERS = new Set(["incident.registered", "incident.closed", "run.action_fired", "responder.moved",
    "rollcall.overdue"]);
  const READ_AFTER_MS = 150; // a burst of events is one read
  let soon = null;
  let me = null; // this login's person (from /api/alerts/mine): whose escalations concern it

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

  function container() {
    if (!box) {
      box = document.getElementById("alert-pages");
      if (!box) {
        box = document.createElement("aside");
        box.id = "alert-pages";
        box.className = "card alert-pages";
        box.setAttribute("role", "alert");
        (document.querySelector("main") || document.body).prepend(box);
      }
    }
    return box;
  }

  function span(cls, content) {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = content;
    return s;
  }

  function render() {
    const root = container();
    const t = text;
    const rows = [];
    for (const page of shown.values()) {
      if (acking.has(page.alert_id)) continue;
      const row = document.createElement("div");
      row.className = "alert-page";
      row.dataset.alert = page.alert_id;
      const what = document.createElement("p");
      what.className = "alert-what";
      const head = document.createElement("strong");
      head.textContent = `${page.drill ? t.drill : ""}${t.title} ${page.number || ""}`;
      what.append(head, " ", span("alert-ask", page.ask_text || ""));
      const meta = document.createElement("p");
      meta.className = "alert-meta";
      const parts = [`${t.level} ${page.level}`];
      if (page.incident_level_text) parts.push(page.incident_level_text);
      if (page.paged_by) parts.push(`${t.by} ${page.paged_by}`);
      meta.textContent = parts.join(" · ");
      const body = document.createElement("div");
      body.className = "alert-body";
      body.append(what, meta);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "primary alert-ack";
      button.textContent = t.ack;
      button.addEventListener("click", () => acknowledge(page.alert_id));
      row.append(body, button);
      rows.push(row);
    }
    root.replaceChildren(...rows);
    root.hidden = rows.length === 0;
  }

  async function acknowledge(alertId) {
    if (!send) return;
    acking.add(alertId);
    render();
    try {
      await send("alert.acknowledge", {alert_id: alertId});
    } finally {
      acking.delete(alertId);
      refresh();
    }
  }

  async function refresh() {
    const mine = ++asked;
    let body;
    try {
      const r = await fetch("/api/alerts/mine", {credentials: "same-origin"});
      if (!r.ok) return;
      body = await r.json();
    } catch (_e) {
      return; // offline: the banner keeps what it showed, and the next `live` reads it again
    }
    if (mine !== asked) return;
    if (body.person_id !== undefined) me = body.person_id;
    const known = new Set(shown.keys());
    shown.clear();
    for (const p of body.pages) shown.set(p.alert_id, p);
    render();
    if ([...shown.keys()].some((id) => !known.has(id))) buzz();
  }

  // Whether an event may change this person's banner. The alerts' own events reach every screen; a busy
  // worker records an attempt per message, and were each to make a thousand screens read again, sending
  // would slow the live screens. So: an escalation that pages this person, or anything about a page the
  // banner shows; the triggers, which may page anyone, always.
  function concerns(event) {
    const name = (event && event.event) || "";
    const data = (event && event.data) || {};
    if (TRIGGERS.has(name) || name.startsWith("report.")) return true;
    if (name === "alert.escalated") return me === null || (data.people || []).includes(me) || shown.has(data.alert_id);
    if (name === "alert.acknowledged" || name === "alert.attempt_recorded") return shown.has(data.alert_id);
    return false;
  }

  function onEvent(event) {
    if (!concerns(event)) return;
    if (soon) return;
    soon = setTimeout(() => { soon = null; refresh(); }, READ_AFTER_MS);
  }

  function fromContainer() {
    const el = document.getElementById("alert-pages");
    if (!el) return {};
    const found = {};
    for (const key of Object.keys(text)) if (el.dataset[key]) found[key] = el.dataset[key];
    return found;
  }

  function start(options) {
    if (started) return;
    started = true;
    send = (options && options.send) || null;
    text = Object.assign({}, text, fromContainer(), (options && options.text) || {});
    refresh();
  }

  // On the console's own pages: the live connection is window.consoleLive (set by ui.js).
  function startOnLive() {
    const live = window.consoleLive;
    if (!live || started) return;
    live.addEventListener("event", (e) => onEvent(e.detail));
    // Back online (or a replica change): what happened meanwhile is read again.
    let was = live.status;
    live.addEventListener("status", () => {
      if (live.status === "live" && was !== "live") refresh();
      was = live.status;
    });
    start({
      send: async (name, args) => {
        const sent = await live.submit(name, args);
        return sent.done;
      },
    });
  }

  window.PagesAlerts = {start, onEvent, acknowledge, refresh, concerns, person: () => me};
  startOnLive();
  document.addEventListener("DOMContentLoaded", startOnLive);
  window.addEventListener("load", startOnLive);
})();
