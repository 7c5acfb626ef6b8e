// 目标管理: the page keeps the console's live connection like every page; for admins, the form for a
// unit's targets of the year and the import of a CSV sheet, both commands (review.set_targets,
// review.import_targets). A refused sheet lists every bad row.
import {boot, start} from "./ui.js";

const T = boot.ttext;
start(() => {});

function csrf() {
  const field = document.querySelector("#logout [name=csrf]");
  return field ? field.value : "";
}

function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "w-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function send(name, args, form) {
  const error = form.querySelector("[data-error-for=form]");
  const rows = form.querySelector("#rt-import-errors");
  error.textContent = "";
  if (rows) rows.replaceChildren();
  let body;
  try {
    const r = await fetch("/api/commands", {method: "POST", cache: "no-store",
      headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf()},
      body: JSON.stringify({id: commandId(), name, args})});
    body = await r.json();
  } catch (err) {
    error.textContent = T.not_sent;
    return;
  }
  if (!body.ok) {
    error.textContent = body.error.message;
    for (const e of body.error.errors || []) {
      const li = document.createElement("li");
      const column = e.column ? " · " + (T.columns[e.column] || e.column) : "";
      li.textContent = `${T.row.replace("{n}", e.row)}${column}: ${e.message}`;
      rows && rows.append(li);
    }
    return;
  }
  error.textContent = T.saved;
  location.reload();
}

const set = document.getElementById("rt-set");
if (set) set.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const targets = {};
  for (const input of set.querySelectorAll("input[type=number]")) {
    targets[input.name] = input.value === "" ? null : Number(input.value);
  }
  send("review.set_targets", {year: Number(set.dataset.year), unit_id: set.elements.unit_id.value, targets}, set);
});
if (set) set.elements.unit_id.addEventListener("change", () => {
  const url = new URL(location.href);
  url.searchParams.set("unit", set.elements.unit_id.value);
  location.href = url.toString();
});

const imp = document.getElementById("rt-import");
if (imp) {
  document.getElementById("rt-import-file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (file) imp.elements.text.value = await file.text();
  });
  imp.addEventListener("submit", (ev) => {
    ev.preventDefault();
    send("review.import_targets", {format: "csv", text: imp.elements.text.value}, imp);
  });
}
