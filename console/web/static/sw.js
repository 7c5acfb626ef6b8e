// The console's service worker (served at /sw.js by console/web/pages.py, which fills in the version
// and the asset list). It keeps the static files and the last copy of each page, so a tablet that
// reloads with no network still opens the board or the incident room, shows what it knew, and keeps
// its queued actions (they live in IndexedDB). API answers and the WebSocket are never cached.
const VERSION = "__VERSION__";
const ASSETS = __ASSETS__;
const STATIC_CACHE = "ic-static-" + VERSION;
const PAGE_CACHE = "ic-pages";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then((cache) => cache.addAll(ASSETS.map((url) => new Request(url, {cache: "reload"}))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ic-static-") && k !== STATIC_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isPage(url) {
  return url.pathname === "/" || url.pathname.startsWith("/incidents/") || url.pathname === "/access-log" ||
    url.pathname === "/responder";
}

async function pageFirstFromNetwork(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    // A redirect (to the sign-in page) or an error page is not the page to keep.
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    const kept = await cache.match(request, {ignoreSearch: true});
    if (kept) return kept;
    return new Response(
      '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
      '<title>离线 · Offline</title><p style="font:1.2rem sans-serif;padding:2rem">' +
      "网络不可用，此页面尚未在本设备保存。<br>No network, and this page was not kept on this device.</p>",
      {status: 503, headers: {"content-type": "text/html; charset=utf-8"}},
    );
  }
}

async function staticFromCache(request) {
  const kept = await caches.match(request, {ignoreSearch: true});
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}

// A page asks to be kept when it was loaded before this worker controlled it (ui.js).
self.addEventListener("message", (event) => {
  const path = event.data && event.data.keep;
  if (typeof path !== "string") return;
  const url = new URL(path, self.location.origin);
  if (url.origin !== self.location.origin || !isPage(url)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(PAGE_CACHE);
    if (await cache.match(url.href, {ignoreSearch: true})) return;
    const response = await fetch(url.href, {credentials: "same-origin"});
    if (response.ok && !response.redirected) await cache.put(url.href, response);
  })().catch(() => {}));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(pageFirstFromNetwork(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFromCache(request));
  }
});
