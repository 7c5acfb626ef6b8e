// 我的任务 (phone, 375×812): big buttons acknowledge → en route → on scene (choose or add a place);
// 处置完毕撤离 set apart and confirmed by a second tap. A new dispatch sounds and vibrates. The last
// assignments read are kept on the device, so a reload without network still shows where to go.
import {alarm} from "./alarm.js";
import {d} from "./board_rows.js";
import {load as loadStored, save as saveStored} from "./store.js";
import {boot, debounce, el, getJson, live, start, t} from "./ui.js";

const box = document.getElementById("assignments");
const error = document.getElementById("phone-error");
const stale = document.getElementById("mine-stale");
const KEPT = "mine:" + boot.user.id;
let places = [];
let busy = false;
let known = null; // incident ids of the assignments last shown: a new one is a new dispatch

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
    if (sent.queued) card.classList.add("pending");
    const result = await sent.done;
    if (!result.ok) error.textContent = result.error.message;
  } catch (e) {
    error.textContent = e.message;
  } finally {
    busy = false;
    load();
  }
}

// 处置完毕撤离 ends the assignment: it sits apart from the other moves and asks for a second tap.
// The first tap is remembered by incident, so a live update that redraws the card keeps it.
let confirming = null;
function clearButton(node, a) {
  const button = el("button", {type: "button", class: "big leave", "data-move": "clear"}, d("clear"));
  const ask = () => { button.dataset.confirm = "1"; button.textContent = t("clear_confirm"); };
  if (confirming === a.incident_id) ask();
  button.addEventListener("click", () => {
    if (button.dataset.confirm !== "1") {
      confirming = a.incident_id;
      ask();
      return;
    }
    confirming = null;
    act(node, a, "clear");
  });
  return el("div", {class: "leave-zone"}, el("p", {class: "hint"}, t("clear_hint")), button);
}

function card(a) {
  const node = el("article", {class: "assignment", "data-incident": a.incident_id, "data-status": a.status},
    el("h2", {}, a.number, " · ", a.incident_place),
    el("p", {class: "where"}, a.place ? d("at_place") + " " + a.place : d("destination") + " " + (a.destination || a.incident_place)),
    a.role ? el("p", {}, a.role) : null);
  const moves = a.moves || [];  // the legal next moves, from the server's status machine
  if (moves.includes("arrive") || moves.includes("move_to")) node.append(placePicker(a));
  node.append(el("div", {class: "big-buttons"}, moves.filter((m) => m !== "clear").map((m) =>
    el("button", {type: "button", class: "big primary", "data-move": m, onclick: () => act(node, a, m)}, d(m)))));
  if (moves.includes("clear")) node.append(clearButton(node, a));
  return node;
}

function draw(mine) {
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
  // 新任务: a dispatch that was not there before sounds and vibrates (not on the first draw)
  const ids = new Set(mine.assignments.map((a) => a.incident_id));
  if (known !== null && [...ids].some((id) => !known.has(id))) alarm(t("new_assignment"));
  known = ids;
}

async function loadNow() {
  let mine;
  let known2;
  try {
    [mine, known2] = await Promise.all([getJson("/api/responders/me"), getJson("/api/places")]);
  } catch (e) {
    // no network: what was read last, marked as such
    const kept = await loadStored(KEPT);
    if (kept && box.childElementCount === 0) {
      places = kept.places || [];
      draw(kept.mine);
      stale.textContent = t("kept_offline");
      stale.hidden = false;
    }
    return;
  }
  if (!mine.ok) return;
  places = known2.ok ? known2.places : [];
  stale.hidden = true;
  draw(mine);
  saveStored(KEPT, {mine, places});
}

const load = () => loadNow().catch(() => {});

// Read again when the assignments part of the live state changes (a dispatch, a move), not on every event.
live.subscribe(["assignments"], debounce(() => { if (!busy) load(); }, 200));
start(() => {});
load();
