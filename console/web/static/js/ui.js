// What every signed-in page shares: the boot data, translated text, formatting, the connection pill,
// the list of refused actions, and error display next to the field or form that caused it.
import {Live} from "./live.js";

export const boot = JSON.parse(document.getElementById("boot").textContent);
// Night mode (dark, low glare) is a choice of this device, applied on every page before it draws.
document.documentElement.classList.toggle("night", localStorage.getItem("console:night") === "1");

// Fill `{name}` parts of a translated text.
export function format(text, params) {
  return params ? text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m)) : text;
}

export function t(key, params) {
  return format(boot.text[key] || key, params);
}

// The one way pages read JSON over HTTP: no cache, and a failed request throws (the caller keeps what
// it showed).
export async function getJson(url) {
  const r = await fetch(url, {headers: {Accept: "application/json"}, cache: "no-store"});
  return r.json();
}

// `fn` once, `ms` after the last of a burst of calls.
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(...args); }, ms);
  };
}

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

export const can = (permission) => boot.permissions.includes(permission);
export const typeLabel = (type, full) => (boot.types[type] || [type, type])[full ? 1 : 0];
export const channelLabel = (c) => boot.channels[c] || c;
export const outcomeLabel = (o) => boot.outcomes[o] || o || "";

const timeFormat = (() => {
  const locale = boot.locale === "en" ? "en-GB" : "zh-CN";
  // "2 Dec, 05:41" in English (never 02/12, which half the world reads as February), 12月2日 05:41 in Chinese
  const options = {month: boot.locale === "en" ? "short" : "numeric", day: "numeric", hour: "2-digit",
    minute: "2-digit", hour12: false};
  try {
    return new Intl.DateTimeFormat(locale, {...options, timeZone: boot.timezone});
  } catch (e) {
    return new Intl.DateTimeFormat(locale, options);
  }
})();

export function when(iso) {
  const d = new Date(iso);
  return isNaN(d) ? "" : timeFormat.format(d);
}

const clockFormat = (() => {
  const options = {hour: "2-digit", minute: "2-digit", hour12: false};
  try {
    return new Intl.DateTimeFormat("en-GB", {...options, timeZone: boot.timezone});
  } catch (e) {
    return new Intl.DateTimeFormat("en-GB", options);
  }
})();

// The time of day only (HH:MM, the office's time zone): what happened within the incident's night.
export function clock(iso) {
  const d = new Date(iso);
  return isNaN(d) ? "" : clockFormat.format(d);
}

// A duration in whole minutes for people (3 分钟, 1 小时 5 分钟); seconds only under a minute.
export function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return t("seconds", {s: seconds});
  const m = Math.round(seconds / 60);
  return m < 60 ? t("minutes", {m}) : t("hours", {h: Math.floor(m / 60), m: m % 60});
}

export function age(fromIso, toIso) {
  const from = Date.parse(fromIso);
  if (isNaN(from)) return "—";
  const minutes = Math.max(0, Math.floor(((toIso ? Date.parse(toIso) : Date.now()) - from) / 60000));
  if (minutes < 1) return t("just_now");
  if (minutes < 60) return t("minutes", {m: minutes});
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("hours", {h: hours, m: minutes % 60});
  return t("days", {d: Math.floor(hours / 24), h: hours % 24});
}

// --- errors next to what caused them ---

export function clearMessages(form) {
  form.querySelectorAll("[data-error-for], [data-notice-for]").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((f) => f.removeAttribute("aria-invalid"));
}

export function showError(form, key, message) {
  const slot = form.querySelector(`[data-error-for="${key}"]`) || form.querySelector('[data-error-for="form"]');
  if (slot) slot.textContent = message;
  const field = form.querySelector(`[name="${key}"]`);
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus({preventScroll: false});
  }
}

export function showNotice(form, message) {
  const slot = form.querySelector('[data-notice-for="form"]');
  if (slot) slot.textContent = message;
}

// What a refused command says, placed where it belongs: a field named in the server's detail, or the form.
export function showResult(form, result) {
  const error = result.error || {};
  const field = Object.keys(boot.facts).concat(Object.keys(boot.confidential))
    .find((name) => (error.message || "").includes(name + ":"));
  showError(form, field && form.querySelector(`[data-error-for="${field}"]`) ? field : "form", error.message);
}

// The confidential part of a form, or null when nothing was filled in.
export function confidentialArgs(form) {
  const out = {};
  for (const key of Object.keys(boot.confidential)) {
    const field = form.elements[key];
    if (!field) continue;
    if (field.type === "checkbox") { if (field.checked) out[key] = true; }
    else if (field.value.trim()) out[key] = field.value.trim();
  }
  return Object.keys(out).length ? out : null;
}

// --- the page's live client ---

function describe(cmd) {
  const a = cmd.args || {};
  const incident = a.incident_id && live.state.incidents[a.incident_id];
  const number = incident ? incident.number + " · " : "";
  if (cmd.name === "incident.note") return number + a.text;
  if (cmd.name === "incident.register") return typeLabel(a.type) + " · " + a.place;
  return number + cmd.name;
}

function renderPill() {
  const pill = document.getElementById("link");
  if (!pill) return;
  const status = live.status;
  pill.dataset.state = status;
  pill.querySelector(".link-text").textContent = t("status_" + status);
  const n = live.pending().length;
  const pending = pill.querySelector(".link-pending");
  pending.hidden = n === 0;
  pending.textContent = t("pending", {n});
}

function renderFailed() {
  const box = document.getElementById("failed");
  if (!box) return;
  box.replaceChildren(...live.failed.map((f, index) => el("p", {class: "failed-item", role: "alert"},
    el("strong", {}, t("not_sent")), " ", describe(f.command), " — ", f.error.message, " ",
    el("button", {type: "button", class: "ghost small", onclick: () => { live.failed.splice(index, 1); renderFailed(); }},
      t("dismiss")))));
  box.hidden = live.failed.length === 0;
}

export const live = new Live(boot);
window.consoleLive = live; // for operators' debugging and the browser tests

export function start(render) {
  live.addEventListener("status", renderPill);
  live.addEventListener("change", () => { renderPill(); renderFailed(); render(); });
  render();
  renderPill();
  const logout = document.getElementById("logout");
  if (logout && "caches" in window) {
    // Pages kept for offline use name the user: drop them when the user signs out.
    logout.addEventListener("submit", () => { caches.keys().then((keys) => keys.forEach((k) => caches.delete(k))); });
  }
  if ("serviceWorker" in navigator) {
    // A page opened before the worker took control was never fetched through it: ask it to keep this
    // one too, so a reload with no network still shows it (the phone's assignments above all).
    const keep = () => navigator.serviceWorker.controller?.postMessage({keep: location.pathname});
    navigator.serviceWorker.addEventListener("controllerchange", keep);
    navigator.serviceWorker.register("/sw.js").then(keep).catch(() => {});
  }
  setInterval(render, 30000); // ages
  return live.start();
}

// Submit a command from a form: errors and notices appear in the form; offline it waits in the queue.
export async function submitFrom(form, name, args, {persist = true, onOk, onError} = {}) {
  clearMessages(form);
  let sent;
  try {
    sent = await live.submit(name, args, {persist});
  } catch (e) {
    showError(form, "form", t("err_offline_secret"));
    return false;
  }
  if (sent.queued) showNotice(form, t("queued"));
  sent.done.then((result) => {
    if (!form.isConnected) return;
    if (result.ok) {
      clearMessages(form);
      if (onOk) onOk(result);
    } else {
      showResult(form, result);
      if (onError) onError(result);
    }
  });
  return true;
}
