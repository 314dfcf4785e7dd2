/* The visit app's service worker: keeps the page and the files it loads, so that the page opens
   without signal. Stale-while-revalidate: a kept copy is answered at once and refreshed from the
   network in the background when there is one. Only GET requests of the page and of /static/ are
   answered here; the household data (data.json) and the sends always go to the network — the
   page keeps the data in the phone's storage and the unsent visits in its queue. */
"use strict";

var CACHE = "jz-visit-app-v1";
var SCOPE_PATH = new URL(self.registration.scope).pathname;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (name) {
          return name.indexOf("jz-visit-app-") === 0 && name !== CACHE;
        }).map(function (name) {
          return caches.delete(name);
        })
      );
    }).then(function () {
      return self.clients.claim();
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  var page = url.pathname === SCOPE_PATH;
  var asset = url.pathname.indexOf("/static/") === 0;
  if (!page && !asset) {
    return;
  }
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return cache.match(page ? SCOPE_PATH : request, { ignoreSearch: page, ignoreVary: true }).then(function (kept) {
        var fresh = fetch(request).then(function (response) {
          // A redirect (to the login page, the session having expired) is never kept.
          if (response.ok && !response.redirected) {
            cache.put(page ? SCOPE_PATH : request, response.clone());
          }
          return response;
        });
        if (kept) {
          event.waitUntil(fresh.catch(function () { return null; }));
          return kept;
        }
        return fresh;
      });
    })
  );
});
