// 我的任务 (phone, 375×812): big buttons acknowledge → en route → on scene (choose or add a place) → cleared.
import {d} from "./board_rows.js";
import {el, live, start} from "./ui.js";

const box = document.getElementById("assignments");
const error = document.getElementById("phone-error");
let places = [];
let busy = false;

async function getJson(url) {
  const r = await fetch(url, {headers: {Accept: "application/json"}, cache: "no-store"});
  return r.json();
}

function placePicker(a) {
  const select = el("select", {class: "big", name: "place_id", "aria-label": d("choose_place")},
    el("option", {value: ""}, d("choose_place")),
    places.map((p) => el("option", {value: p.id, selected: p.id === (a.place_id || a.destination_id)}, p.name)));
  const fresh = el("input", {class: "big", name: "new_place", placeholder: d("add_place"), maxLength: 200});
  return el("div", {class: "place-pick"}, select, fresh);
}

async function placeOf(card) {
  const fresh = card.querySelector("[name=new_place]");
  if (fresh && fresh.value.trim()) {
    const sent = await live.submit("place.add", {name: fresh.value.trim()});
    const result = await sent.done;
    if (!result.ok) throw new Error(result.error.message);
    return result.result.place_id;
  }
  const select = card.querySelector("[name=place_id]");
  return select && select.value ? select.value : null;
}

async function act(card, a, move) {
  if (busy) return;
  busy = true;
  error.textContent = "";
  try {
    const args = {move, incident_id: a.incident_id};
    if (move === "arrive" || move === "move_to") {
      const place = await placeOf(card);
      if (place) args.place_id = place;
    }
    const sent = await live.submit("responder.move", args);
    const result = await sent.done;
    if (!result.ok) error.textContent = result.error.message;
  } catch (e) {
    error.textContent = e.message;
  } finally {
    busy = false;
    load();
  }
}

function card(a) {
  const node = el("article", {class: "assignment", "data-incident": a.incident_id, "data-status": a.status},
    el("h2", {}, a.number, " · ", a.incident_place),
    el("p", {class: "where"}, a.place ? d("at_place") + " " + a.place : d("destination") + " " + (a.destination || a.incident_place)),
    a.role ? el("p", {}, a.role) : null);
  const moves = a.moves || [];  // the legal next moves, from the server's status machine
  if (moves.includes("arrive") || moves.includes("move_to")) node.append(placePicker(a));
  node.append(el("div", {class: "big-buttons"}, moves.map((m) =>
    el("button", {type: "button", class: "big primary", "data-move": m, onclick: () => act(node, a, m)}, d(m)))));
  return node;
}

// Offline (or mid-restart) the fetch fails: keep showing what was last read; the next change retries.
const load = () => loadNow().catch(() => {});

async function loadNow() {
  const [mine, known] = await Promise.all([getJson("/api/responders/me"), getJson("/api/places")]);
  if (!mine.ok) return;
  places = known.ok ? known.places : [];
  document.getElementById("me").textContent = mine.person ? mine.person.name : d("not_linked");
  // A live update redraws the cards: what the responder was typing or choosing must survive it.
  const typed = {};
  box.querySelectorAll("article.assignment").forEach((node) => {
    const fresh = node.querySelector("[name=new_place]");
    const select = node.querySelector("[name=place_id]");
    typed[node.dataset.incident] = {fresh: fresh ? fresh.value : "", place: select ? select.value : "",
      status: node.dataset.status, focused: node.contains(document.activeElement) ? document.activeElement.name : null};
  });
  box.replaceChildren(...mine.assignments.map(card));
  box.querySelectorAll("article.assignment").forEach((node) => {
    const before = typed[node.dataset.incident];
    if (!before || before.status !== node.dataset.status) return;
    const fresh = node.querySelector("[name=new_place]");
    const select = node.querySelector("[name=place_id]");
    if (fresh) fresh.value = before.fresh;
    if (select && before.place) select.value = before.place;
    const focus = before.focused && node.querySelector(`[name=${before.focused}]`);
    if (focus) focus.focus();
  });
  const none = document.getElementById("none");
  none.textContent = d("no_assignment");
  none.hidden = mine.assignments.length > 0 || !mine.person;
}

let timer = null;
start(() => { if (!busy) { clearTimeout(timer); timer = setTimeout(load, 200); } });
load();
