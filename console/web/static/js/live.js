// The live client of docs/protocol.md: resume from (epoch, position), keep the state, queue commands.
//
// State, cursor and queue are kept in IndexedDB per user, so a reload (even offline) shows what was
// known and keeps every queued action. Queued commands carry their ids and are resent after each
// `live`; the server's idempotency makes a resend safe, so nothing is lost and nothing is done twice.
// Commands carrying confidential values are never written to storage (seed §7): they are sent only
// while connected, and kept in memory until their result arrives.
import {DOMAINS} from "./state.js";
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

function trimmed(byKey, keep) {
  // Integer keys (positions) iterate in ascending order, other keys (note ids) in insertion order:
  // either way the oldest come first.
  const keys = Object.keys(byKey);
  for (const k of keys.slice(0, Math.max(0, keys.length - keep))) delete byKey[k];
  return byKey;
}

function emptyState() {
  const parts = Object.values(DOMAINS).map((reducer) => reducer.empty());
  return Object.assign({epoch: null, position: null, history: {}}, ...parts);
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
    this.touched = new Set(); // the domains changed since subscribers were last told
    this.subscribers = [];
  }

  // Call `fn(live)` after any change to one of `domains` (incidents, runs, assignments, roster).
  subscribe(domains, fn) {
    this.subscribers.push({domains: new Set(domains), fn});
  }

  async start() {
    const [stored, queue] = await Promise.all([load(this.stateKey), load(this.queueKey)]);
    if (stored && stored.incidents) this.state = Object.assign(emptyState(), stored);
    for (const name of Object.keys(DOMAINS)) this.touched.add(name);
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
    const parts = Object.values(DOMAINS).map((reducer) => reducer.snapshot(f.state || {}));
    this.state = Object.assign({epoch: f.epoch, position: f.position, history: {}}, ...parts);
    // Timelines only of the incidents the snapshot still shows.
    for (const id of Object.keys(this.state.incidents || {})) {
      if (kept[id]) this.state.history[id] = trimmed(kept[id], HISTORY_KEEP);
    }
    for (const name of Object.keys(DOMAINS)) this.touched.add(name);
    this.persist();
    this.changed();
  }

  apply(f) {
    const s = this.state;
    if (s.position !== null && f.position <= s.position) return;
    s.position = f.position;
    for (const [name, reducer] of Object.entries(DOMAINS)) {
      if (reducer.apply(s, f)) this.touched.add(name);
    }
    if (f.event === "incident.note_added" && s.notes) trimmed(s.notes, NOTES_KEEP);
    const id = (f.data || {}).incident_id;
    if (id) trimmed(s.history[id] = s.history[id] || {}, HISTORY_KEEP)[f.position] = f;
    if (this.live) {
      const lag = Date.now() - Date.parse(f.recorded_at);
      this.skew = Math.abs(lag) > 30000 ? lag : 0; // a tablet clock far off: date actions by the server's
    }
    // Each event as it comes, for parts of a page that read more than the state (pages_alerts.js).
    this.dispatchEvent(new CustomEvent("event", {detail: f}));
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
      const touched = this.touched;
      this.touched = new Set();
      this.dispatchEvent(new Event("change"));
      for (const sub of this.subscribers) {
        if ([...sub.domains].some((d) => touched.has(d))) sub.fn(this);
      }
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
