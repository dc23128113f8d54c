// The device's own storage: drafts, the outbox of unsent check-ins, and cached facts.
// Used by the pages and by the service worker, so it touches neither window nor document.

const DB_NAME = "waypoint";
const DB_VERSION = 1;

let opening = null;

/** Open (and on first use create) the database. */
export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("drafts", { keyPath: "instrument" });
        db.createObjectStore("outbox", { keyPath: "id" });
        db.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab or a newer service worker may upgrade; let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Run `work(stores)` in one transaction over `names`; resolves once it has committed. */
export async function transaction(names, mode, work) {
  const db = await openDb();
  const tx = db.transaction(names, mode);
  const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
  const result = work(stores);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });
  return result instanceof IDBRequest ? result.result : result;
}

/** One record by key, or undefined. */
export async function get(store, key) {
  const db = await openDb();
  return done(db.transaction(store).objectStore(store).get(key));
}

/** Every record of a store. */
export async function all(store) {
  const db = await openDb();
  return done(db.transaction(store).objectStore(store).getAll());
}

/** Insert or replace one record. */
export function put(store, value) {
  return transaction([store], "readwrite", (s) => s[store].put(value));
}

/** Delete one record by key. */
export function remove(store, key) {
  return transaction([store], "readwrite", (s) => s[store].delete(key));
}

/** A small fact kept on the device (`meta` store), or `fallback`. */
export async function getMeta(key, fallback = undefined) {
  const row = await get("meta", key);
  return row === undefined ? fallback : row.value;
}

/** Keep a small fact on the device. */
export function setMeta(key, value) {
  return put("meta", { key, value });
}
