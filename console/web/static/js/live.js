// The live client of docs/protocol.md: resume from (epoch, position), keep the state, queue commands.
//
// State, cursor and queue are kept in IndexedDB per user, so a reload (even offline) shows what was
// known and keeps every queued action. Queued commands carry their ids and are resent after each
// `live`; the server's idempotency makes a resend safe, so nothing is lost and nothing is done twice.
// Commands carrying confidential values are never written to storage (seed §7): they are sent only
// while connected, and kept in memory until their result arrives.
import {change, load, save} from "./store.js";

// Reconnect delays in ms. When a replica dies or restarts the proxy sends the retry to another one at
// once (docs/deploy.md), so the first retry comes in 100-300 ms; each failure doubles the delay.
const RETRY_FIRST = 200;
const RETRY_MAX = 10000;
const STOP_CODES = new Set([4401, 4410]); // signed out: log in again rather than loop

export class OfflineError extends Error {}

function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// What the device keeps (IndexedDB on a phone): the latest of each incident's timeline and notes,
// so a long-running page or a resume after a long absence stays small. Older entries are paged.
const HISTORY_KEEP = 300;
const NOTES_KEEP = 1000;

function trimmed(byPosition, keep) {
  const positions = Object.keys(byPosition); // integer keys iterate in ascending order
  for (const p of positions.slice(0, Math.max(0, positions.length - keep))) delete byPosition[p];
  return byPosition;
}

function emptyState() {
  return {epoch: null, position: null, incidents: {}, notes: {}, history: {}};
}

export class Live extends EventTarget {
  constructor(boot) {
    super();
    this.boot = boot;
    this.stateKey = "state:" + boot.user.id;
    this.queueKey = "queue:" + boot.user.id;
    this.state = emptyState();
    this.queue = []; // persisted commands, oldest first
    this.volatile = []; // commands never written to storage
    this.failed = []; // refused commands nobody on this page is waiting for
    this.waiters = new Map();
    this.ws = null;
    this.live = false;
    this.status = "connecting";
    this.delay = RETRY_FIRST;
    this.retry = null;
    this.lastFrame = 0;
    this.heartbeat = 20;
    this.skew = 0;
    this.saveTimer = null;
    this.changeTimer = null;
  }

  async start() {
    const [stored, queue] = await Promise.all([load(this.stateKey), load(this.queueKey)]);
    if (stored && stored.incidents) this.state = Object.assign(emptyState(), stored);
    this.queue = Array.isArray(queue) ? queue : [];
    this.changed();
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.drop());
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.reconnectNow(); });
    window.addEventListener("pagehide", () => this.saveState());
    setInterval(() => this.watchdog(), 2000);
    this.connect();
  }

  // --- connection ---

  connect() {
    if (this.ws) return;
    if (navigator.onLine === false) { this.setStatus("offline"); return; }
    let ws;
    try {
      ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    } catch (e) {
      this.schedule();
      return;
    }
    this.ws = ws;
    this.lastFrame = Date.now();
    ws.onopen = () => {
      const s = this.state;
      ws.send(JSON.stringify({type: "hello", epoch: s.epoch, position: s.epoch ? s.position : null,
        locale: this.boot.locale}));
    };
    ws.onmessage = (m) => { if (this.ws === ws) this.onFrame(ws, m.data); };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.live = false;
      if (STOP_CODES.has(ev.code)) { location.assign("/login"); return; }
      if (ev.code === 4400) this.delay = RETRY_MAX * 3; // a client bug: do not hammer the server
      this.setStatus("down");
      this.schedule();
    };
  }

  // Abandon the socket now (network gone, or silent too long) and reconnect when it makes sense.
  drop() {
    const ws = this.ws;
    this.ws = null;
    this.live = false;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onopen = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
    this.setStatus(navigator.onLine === false ? "offline" : "down");
    this.schedule();
  }

  schedule() {
    if (this.retry || this.ws) return;
    if (navigator.onLine === false) { this.setStatus("offline"); return; } // the `online` event resumes
    // Spread over [delay/2, 3·delay/2): the thousand tablets one replica served do not come back in step.
    const wait = this.delay * (0.5 + Math.random());
    this.delay = Math.min(this.delay * 2, RETRY_MAX);
    this.retry = setTimeout(() => { this.retry = null; this.connect(); }, wait);
  }

  reconnectNow() {
    if (this.ws) return;
    clearTimeout(this.retry);
    this.retry = null;
    this.delay = RETRY_FIRST;
    this.connect();
  }

  watchdog() {
    // The server pings every `heartbeat` seconds; silence for much longer means a dead link.
    if (this.ws && Date.now() - this.lastFrame > Math.max(this.heartbeat * 2.5, 15) * 1000) this.drop();
  }

  onFrame(ws, text) {
    this.lastFrame = Date.now();
    let f;
    try { f = JSON.parse(text); } catch (e) { return; }
    if (f.type === "welcome") {
      this.heartbeat = f.heartbeat || 20;
    } else if (f.type === "snapshot") {
      this.replace(f);
    } else if (f.type === "event") {
      this.apply(f);
    } else if (f.type === "live") {
      this.state.position = f.position;
      this.live = true;
      this.delay = RETRY_FIRST;
      this.setStatus("live");
      this.persist();
      for (const cmd of [...this.queue, ...this.volatile]) this.send(cmd);
    } else if (f.type === "result") {
      this.settle(f);
    } else if (f.type === "error" && f.id) {
      this.settle({id: f.id, ok: false, error: f.error});
    } else if (f.type === "ping") {
      ws.send('{"type":"pong"}');
    }
  }

  // --- state ---

  replace(f) {
    const kept = f.epoch === this.state.epoch ? this.state.history : {};
    const next = {epoch: f.epoch, position: f.position, incidents: {}, notes: {}, history: {}};
    for (const i of f.state.incidents || []) next.incidents[i.id] = i;
    // Timelines only of the incidents the snapshot still shows.
    for (const id of Object.keys(next.incidents)) if (kept[id]) next.history[id] = trimmed(kept[id], HISTORY_KEEP);
    for (const n of f.state.notes || []) next.notes[n.id] = n;
    this.state = next;
    this.persist();
    this.changed();
  }

  apply(f) {
    const s = this.state;
    if (s.position !== null && f.position <= s.position) return;
    s.position = f.position;
    const d = f.data || {};
    const id = d.incident_id;
    const i = id ? s.incidents[id] : undefined;
    if (f.event === "incident.registered") {
      s.incidents[id] = {id, number: d.number, type: d.incident_type, place: d.place,
        head_count: d.head_count, summary: d.summary, channel: d.channel, status: "open", drill: d.drill,
        outcome: null, outcome_summary: null, occurred_at: f.occurred_at, opened_at: f.recorded_at,
        closed_at: null, has_confidential: false, assigned: [], last_position: f.position,
        registered_by: f.actor ? f.actor.id : null};
    } else if (i && f.event === "incident.facts_amended") {
      Object.assign(i, d.changes);
    } else if (f.event === "incident.note_added") {
      s.notes[d.note_id] = {id: d.note_id, incident_id: id, position: f.position, author: f.actor,
        text: d.text, occurred_at: f.occurred_at};
      const ids = Object.keys(s.notes); // insertion order: oldest first
      for (const old of ids.slice(0, Math.max(0, ids.length - NOTES_KEEP))) delete s.notes[old];
    } else if (i && f.event === "incident.closed") {
      Object.assign(i, {status: "closed", outcome: d.outcome, outcome_summary: d.summary,
        closed_at: f.recorded_at});
    } else if (i && f.event === "incident.confidential_recorded") {
      i.has_confidential = true;
    } else if (i && f.event === "incident.member_assigned") {
      if (!i.assigned.includes(d.user_id)) i.assigned.push(d.user_id);
    } else if (i && f.event === "incident.member_unassigned") {
      i.assigned = i.assigned.filter((u) => u !== d.user_id);
    }
    if (i) i.last_position = f.position;
    if (id) trimmed(s.history[id] = s.history[id] || {}, HISTORY_KEEP)[f.position] = f;
    if (this.live) {
      const lag = Date.now() - Date.parse(f.recorded_at);
      this.skew = Math.abs(lag) > 30000 ? lag : 0; // a tablet clock far off: date actions by the server's
    }
    // The command's effect is committed: it no longer waits, whether or not its result arrives.
    if (f.command_id) this.forget(f.command_id);
    this.persist();
    this.changed();
  }

  persist() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveState(), 250);
  }

  saveState() {
    clearTimeout(this.saveTimer);
    save(this.stateKey, this.state);
  }

  changed() {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.dispatchEvent(new Event("change"));
    }, 16);
  }

  setStatus(status) {
    this.status = status;
    this.dispatchEvent(new Event("status"));
  }

  // --- commands ---

  pending() {
    return [...this.queue, ...this.volatile];
  }

  // Queue a command and send it when connected. Resolves once it is stored (or refused offline);
  // `done` resolves with the server's result frame.
  async submit(name, args, {persist = true} = {}) {
    if (!persist && !this.live) throw new OfflineError(name);
    const cmd = {id: commandId(), name, args, occurred_at: new Date(Date.now() - this.skew).toISOString()};
    const done = new Promise((resolve) => this.waiters.set(cmd.id, resolve));
    if (persist) {
      this.queue.push(cmd);
      await change(this.queueKey, (q) => [...(q || []).filter((c) => c.id !== cmd.id), cmd]);
    } else {
      this.volatile.push(cmd);
    }
    this.setStatus(this.status);
    this.changed();
    if (this.live) this.send(cmd);
    return {id: cmd.id, queued: !this.live, done};
  }

  send(cmd) {
    try {
      this.ws.send(JSON.stringify({type: "command", ...cmd}));
    } catch (e) {
      this.drop(); // resent after the next `live`
    }
  }

  forget(id) {
    const before = this.queue.length + this.volatile.length;
    this.queue = this.queue.filter((c) => c.id !== id);
    this.volatile = this.volatile.filter((c) => c.id !== id);
    if (this.queue.length + this.volatile.length !== before) {
      change(this.queueKey, (q) => (q || []).filter((c) => c.id !== id));
      this.setStatus(this.status);
      this.changed();
    }
  }

  settle(result) {
    const cmd = this.pending().find((c) => c.id === result.id);
    this.forget(result.id);
    const waiter = this.waiters.get(result.id);
    this.waiters.delete(result.id);
    if (waiter) waiter(result);
    else if (!result.ok && cmd) this.failed.push({command: cmd, error: result.error});
    this.dispatchEvent(new CustomEvent("result", {detail: result}));
    this.changed();
  }
}
