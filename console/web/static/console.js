// The board's live client: resume from (epoch, position), queue actions while offline, never send twice.
(function () {
  "use strict";
  var C = window.CONSOLE, KEY = "ic.cursor", QUEUE = "ic.pending";
  var state = {incidents: {}}, cursor = load(KEY) || {epoch: null, position: null};
  var pending = load(QUEUE) || [], ws = null, delay = 500, link = document.getElementById("link");

  function load(k) { try { return JSON.parse(localStorage.getItem(k)); } catch (e) { return null; } }
  function save(k, v) { localStorage.setItem(k, JSON.stringify(v)); }
  function uid() { return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  function showLink(s) {
    link.dataset.state = s;
    var n = pending.length ? " · " + pending.length + " " + C.text.pending : "";
    link.textContent = (s === "live" ? C.text.live : C.text.reconnecting) + n;
  }

  function render() {
    var body = document.querySelector("#board tbody"), rows = Object.values(state.incidents);
    rows.sort(function (a, b) { return a.number < b.number ? 1 : -1; });
    body.innerHTML = "";
    rows.forEach(function (i) {
      var tr = document.createElement("tr"), label = C.types[i.type] || [i.type, i.type];
      [i.number, C.locale === "en" ? label[1] : label[0], i.place, i.head_count,
       i.status === "open" ? C.text.open : C.text.closed].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function apply(e) {
    var d = e.data, i = state.incidents[d.incident_id];
    if (e.event === "incident.registered") {
      state.incidents[d.incident_id] = {id: d.incident_id, number: d.number, type: d.incident_type,
        place: d.place, head_count: d.head_count, status: "open"};
    } else if (i && e.event === "incident.facts_amended") {
      Object.keys(d.changes).forEach(function (k) { i[k] = d.changes[k]; });
    } else if (i && e.event === "incident.closed") { i.status = "closed"; }
  }

  function send(cmd) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(Object.assign({type: "command"}, cmd))); }

  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = function () { ws.send(JSON.stringify({type: "hello", epoch: cursor.epoch, position: cursor.position, locale: C.locale})); };
    ws.onmessage = function (m) {
      var f = JSON.parse(m.data);
      if (f.type === "welcome") { cursor.epoch = f.epoch; }
      else if (f.type === "snapshot") {
        state.incidents = {};
        f.state.incidents.forEach(function (i) { state.incidents[i.id] = i; });
        cursor.position = f.position; save(KEY, cursor); render();
      } else if (f.type === "event") {
        apply(f); cursor.position = f.position; save(KEY, cursor); render();
      } else if (f.type === "live") {
        delay = 500; showLink("live"); pending.forEach(send);
      } else if (f.type === "result" || (f.type === "error" && f.id)) {
        pending = pending.filter(function (c) { return c.id !== f.id; }); save(QUEUE, pending); showLink("live");
        if (f.ok === false || f.type === "error") {
          var el = document.querySelector("[data-error]"); if (el) el.textContent = f.error.message;
        }
      } else if (f.type === "ping") { ws.send('{"type":"pong"}'); }
    };
    ws.onclose = function (ev) {
      showLink("down");
      if (ev.code === 4401 || ev.code === 4410) { location.href = "/login"; return; }
      setTimeout(connect, delay); delay = Math.min(delay * 2, 10000);
    };
  }

  var form = document.getElementById("register");
  if (form) form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var fd = new FormData(form), cmd = {id: uid(), name: "incident.register", occurred_at: new Date().toISOString(),
      args: {type: fd.get("type"), place: fd.get("place"), head_count: parseInt(fd.get("head_count"), 10) || 0, summary: fd.get("summary")}};
    pending.push(cmd); save(QUEUE, pending); showLink(ws && ws.readyState === 1 ? "live" : "down"); send(cmd);
  });
  connect();
})();
