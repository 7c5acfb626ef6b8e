// The client's state, one reducer per domain (incidents, runs, assignments, roster): each is fed the
// snapshot's part and every event, and returns whether its part changed. Pages subscribe to the parts
// they show (live.subscribe) instead of fetching again over HTTP on every event anywhere.
//
// A run is graded and timed by the engine on the server, so the runs reducer keeps the snapshot's
// summaries and marks a run `stale` when an event may have changed it: a page showing runs fetches
// only then (docs/protocol.md §6). The roster is not in the snapshot: its reducer counts the changes,
// so the roster page reads it again only when it changed.

const ENDS = new Set(["clear", "release"]);
const DESTINATION = new Set(["dispatch", "depart"]);
const LOCATION = new Set(["arrive", "move_to"]);

export const incidents = {
  empty: () => ({incidents: {}, notes: {}}),
  snapshot(state) {
    const part = {incidents: {}, notes: {}};
    for (const i of state.incidents || []) part.incidents[i.id] = i;
    for (const n of state.notes || []) part.notes[n.id] = n;
    return part;
  },
  apply(s, f) {
    const d = f.data || {};
    const id = d.incident_id;
    const i = id ? s.incidents[id] : undefined;
    if (f.event === "incident.registered") {
      s.incidents[id] = {id, number: d.number, type: d.incident_type, place: d.place,
        head_count: d.head_count, summary: d.summary, channel: d.channel, status: "open", drill: d.drill,
        outcome: null, outcome_summary: null, occurred_at: f.occurred_at, opened_at: f.recorded_at,
        closed_at: null, has_confidential: false, assigned: [], last_position: f.position,
        about_commission_head: Boolean(d.about_commission_head),
        registered_by: f.actor ? f.actor.id : null};
    } else if (i && f.event === "incident.facts_amended") {
      Object.assign(i, d.changes);
    } else if (f.event === "incident.note_added") {
      s.notes[d.note_id] = {id: d.note_id, incident_id: id, position: f.position, author: f.actor,
        text: d.text, occurred_at: f.occurred_at};
      return true;
    } else if (i && f.event === "incident.closed") {
      Object.assign(i, {status: "closed", outcome: d.outcome, outcome_summary: d.summary,
        closed_at: f.recorded_at});
    } else if (i && f.event === "incident.about_commission_head_marked") {
      i.about_commission_head = true;
    } else if (i && f.event === "incident.confidential_recorded") {
      i.has_confidential = true;
    } else if (i && f.event === "incident.member_assigned") {
      if (!i.assigned.includes(d.user_id)) i.assigned.push(d.user_id);
    } else if (i && f.event === "incident.member_unassigned") {
      i.assigned = i.assigned.filter((u) => u !== d.user_id);
    } else {
      if (i) i.last_position = f.position;
      return false;
    }
    if (s.incidents[id]) s.incidents[id].last_position = f.position;
    return true;
  },
};

export const runs = {
  empty: () => ({runs: {}, stale: {}}),
  snapshot(state) {
    const part = {runs: {}, stale: {}};
    for (const r of state.runs || []) part.runs[r.incident_id] = r;
    return part;
  },
  apply(s, f) {
    const id = (f.data || {}).incident_id;
    // Run events, and the incident events a run follows (registered starts it, amended regrades it).
    if (!id || !(f.event.startsWith("run.") || f.event.startsWith("incident."))) return false;
    if (f.event === "incident.note_added" || f.event.startsWith("incident.member_")) return false;
    s.stale[id] = true;
    return true;
  },
};

export const assignments = {
  empty: () => ({assignments: {}}),
  snapshot(state) {
    const part = {assignments: {}};
    for (const a of state.assignments || []) (part.assignments[a.incident_id] ||= {})[a.person_id] = a;
    return part;
  },
  apply(s, f) {
    const d = f.data || {};
    if (f.event !== "responder.moved" || !d.incident_id) return false;
    const mine = (s.assignments[d.incident_id] ||= {});
    if (ENDS.has(d.move)) {
      delete mine[d.person_id];
      return true;
    }
    const before = mine[d.person_id] || {incident_id: d.incident_id, person_id: d.person_id, role: null,
      destination_id: null, place_id: null, dispatched_at: f.occurred_at};
    mine[d.person_id] = {...before, status: d.status, since: f.occurred_at,
      role: d.role || before.role,
      destination_id: DESTINATION.has(d.move) && d.place_id ? d.place_id : before.destination_id,
      place_id: LOCATION.has(d.move) ? d.place_id || before.place_id : before.place_id,
      dispatched_at: d.move === "dispatch" ? f.occurred_at : before.dispatched_at};
    return true;
  },
};

export const roster = {
  empty: () => ({roster: {changes: 0}}),
  snapshot: () => ({roster: {changes: 0}}),
  apply(s, f) {
    if (!["roster.changed", "org.imported", "place.added"].includes(f.event)) return false;
    s.roster = {changes: (s.roster ? s.roster.changes : 0) + 1};
    return true;
  },
};

export const DOMAINS = {incidents, runs, assignments, roster};

// Per-incident counts for the board: people on scene, sent (not yet there), not acknowledged.
export function peopleAt(state, incidentId) {
  const out = {on_scene: 0, dispatched: 0, unacknowledged: 0};
  for (const a of Object.values((state.assignments || {})[incidentId] || {})) {
    if (a.status === "on_scene") out.on_scene += 1;
    else out.dispatched += 1;
    if (a.status === "dispatched") out.unacknowledged += 1;
  }
  return out;
}
