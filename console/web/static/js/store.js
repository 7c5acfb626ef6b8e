// Browser storage for the live client: IndexedDB through idb-keyval (vendored from the npm registry).
// If IndexedDB is unavailable (a locked-down browser), everything still works for the life of the page.
import {createStore, get, set, update} from "../vendor/idb_keyval/index.js";

let db = null;
try {
  db = createStore("incident-console", "kv");
} catch (e) {
  db = null;
}
const memory = new Map();

export async function load(key) {
  if (db) {
    try { return await get(key, db); } catch (e) { db = null; }
  }
  return memory.get(key);
}

export async function save(key, value) {
  memory.set(key, value);
  if (db) {
    try { await set(key, value, db); } catch (e) { db = null; }
  }
}

// Read-modify-write in one IndexedDB transaction, so two tabs never overwrite each other's queue.
export async function change(key, fn) {
  if (db) {
    try { await update(key, fn, db); return; } catch (e) { db = null; }
  }
  memory.set(key, fn(memory.get(key)));
}
