// 值班表: who is on duty now, the leader on duty, shifts to come; swap and override forms with their
// history (who made each change); import of units, people, places and shifts with row-level errors.
import {d} from "./board_rows.js";
import {boot, clearMessages, debounce, el, getJson, live, showError, showNotice, start, submitFrom, t, when} from "./ui.js";

const swap = document.getElementById("swap");
const override = document.getElementById("override");
const importForm = document.getElementById("import");

function fill(select, options) {
  const keep = select.value;
  select.replaceChildren(el("option", {value: ""}, d("choose")),
    ...options.map(([value, label]) => el("option", {value, selected: value === keep}, label)));
}

const shiftLabel = (s) => `${when(s.start)} ${s.post_label} · ${s.name}`;
// A shift is named by its day and post, never by its id (demo-20261201-duty_officer).
const dayFormat = new Intl.DateTimeFormat(boot.locale === "en" ? "en-GB" : "zh-CN",
  {month: boot.locale === "en" ? "short" : "numeric", day: "numeric", weekday: "short", timeZone: boot.timezone});
const shiftDay = (s) => dayFormat.format(new Date(s.start));

// Offline (or mid-restart) the fetch fails: keep showing what was last read; the next change retries.
const load = () => loadNow().catch(() => {});

async function loadNow() {
  const data = await getJson("/api/roster");
  if (!data.ok) return;
  document.getElementById("leader").textContent = data.leader_on_duty ? data.leader_on_duty.name : "—";
  document.querySelector("#on-duty tbody").replaceChildren(...data.on_duty.map((s) => el("tr", {"data-person": s.person_id, "data-shift": s.shift_id},
    el("td", {}, s.post_label), el("td", {}, s.name), el("td", {}, when(s.start)), el("td", {}, when(s.end)))));
  document.querySelector("#upcoming tbody").replaceChildren(...data.upcoming.map((s) => el("tr", {"data-shift": s.shift_id, "data-person": s.person_id},
    el("td", {}, shiftDay(s)), el("td", {}, s.post_label), el("td", {}, s.name, s.changed ? " *" : ""),
    el("td", {}, when(s.start)), el("td", {}, when(s.end)))));
  const named = new Map([...data.on_duty, ...data.upcoming].map((s) => [s.shift_id, `${when(s.start)} ${s.post_label}`]));
  const shiftName = (id) => named.get(id) || t("earlier_shift");
  // newest first: the change someone just made is the one they look for
  document.querySelector("#changes tbody").replaceChildren(...data.changes.slice().reverse().map((c) => el("tr", {"data-change": c.id, "data-kind": c.kind},
    el("td", {}, when(c.made_at)), el("td", {}, c.kind_label),
    el("td", {}, c.other_shift_id ? `${shiftName(c.shift_id)} ⇄ ${shiftName(c.other_shift_id)}` : shiftName(c.shift_id)),
    el("td", {}, c.new_holder || ""), el("td", {}, c.reason), el("td", {class: "made-by"}, c.made_by_name))));
  const shifts = data.upcoming.map((s) => [s.shift_id, shiftLabel(s)]);
  document.querySelectorAll("select[data-shifts]").forEach((select) => fill(select, shifts));
  if (override) {
    const people = await getJson("/api/responders");
    if (people.ok) fill(override.elements.new_holder_id, people.people.map((p) => [p.id, p.name]));
  }
}

function changeFrom(form, kind, extra) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = form.elements;
    const args = {kind, shift_id: f.shift_id.value, reason: f.reason.value.trim()};
    args[extra] = f[extra].value;
    for (const key of ["shift_id", extra, "reason"]) {
      if (!args[key]) { clearMessages(form); showError(form, key, d("required")); return; }
    }
    submitFrom(form, "roster.change", args, {persist: false, onOk: () => { form.reset(); showNotice(form, d("saved")); load(); }});
  });
}

function csrf() {
  const field = document.querySelector("#logout [name=csrf]");
  return field ? field.value : "";
}

function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// An import goes over HTTP, not the live socket: a whole file is bigger than a live frame may be.
async function importFile(e) {
  e.preventDefault();
  clearMessages(importForm);
  const errors = document.getElementById("import-errors");
  errors.hidden = true;
  const file = importForm.elements.file.files[0];
  if (!file) { showError(importForm, "file", d("choose_file")); return; }
  const format = /\.ya?ml$/i.test(file.name) ? "yaml" : "csv";
  const args = {table: importForm.elements.table.value, format, text: await file.text()};
  let body;
  try {
    const r = await fetch("/api/commands", {method: "POST", cache: "no-store",
      headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf()},
      body: JSON.stringify({id: commandId(), name: "org.import", args})});
    body = await r.json();
  } catch (err) {
    showError(importForm, "form", d("not_sent"));
    return;
  }
  if (body.ok) {
    importForm.reset();
    showNotice(importForm, d("imported", {n: body.result.rows}));
    load();
    return;
  }
  showError(importForm, "form", body.error.message);
  const rows = body.error.errors || [];
  errors.querySelector("tbody").replaceChildren(...rows.map((x) => el("tr", {"data-row": x.row},
    el("td", {}, String(x.row)), el("td", {}, x.column || "—"), el("td", {}, x.message))));
  errors.hidden = rows.length === 0;
}

if (swap) changeFrom(swap, "swap", "other_shift_id");
if (override) changeFrom(override, "override", "new_holder_id");
if (importForm) importForm.addEventListener("submit", importFile);
// Live: another desk's swap, override or import changes the roster part of the state, and only then is
// the roster read again (at most once per burst); the slow timer only catches a shift that starts or
// ends with no event at all.
live.subscribe(["roster"], debounce(load, 300));
start(() => {});
load();
setInterval(load, 60000);
