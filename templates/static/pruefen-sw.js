/* The service worker of the offline check (registered by /static/pruefen.js for the
 * scopes /pruefen, /Z and /z).
 *
 * A QR link (/Z/…) goes to the server first; the server's answer is the authority. When
 * the network fails, the server cannot be reached (502, 503, 504) or takes longer than
 * NETWORK_TIMEOUT_MS, the worker checks the token itself against what the device holds
 * and shows the server's result page, marked "offline geprüft" with the list's date.
 * The page /pruefen and its files come from the network when it answers, else from the
 * cache. Nothing about a checked certificate is stored.
 */
importScripts('/static/verifier.js');

var V = self.MietschulungVerifier;
var SHELL_CACHE = 'pruefen-seite';
var SHELL = ['/pruefen', '/static/style.css', '/static/verifier.js', '/static/pruefen.js',
  '/static/pruefen-icon.svg'];
// The page in every language, so that offline it still speaks the reader's.
var PAGES = V.LANGS.map(function (l) { return '/pruefen?lang=' + l; });

self.addEventListener('install', function (event) {
  self.skipWaiting();
  // The page that registers the worker fetches what the check needs; the worker keeps the
  // page itself, for the home screen.
  event.waitUntil(caches.open(SHELL_CACHE).then(function (c) { return c.addAll(SHELL.concat(PAGES)); }).catch(function () {}));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== 'GET') return;
  if (request.mode === 'navigate' && /^\/[zZ]\/./.test(url.pathname)) {
    event.respondWith(checkScan(event));
  } else if (request.mode === 'navigate' && /^\/[zZ]\/?$/.test(url.pathname)) {
    // The form for a typed code: only the server can answer it. Offline, the page that
    // says so and points to the QR code.
    event.respondWith(server(request).then(function (online) { return online || unavailable(request.url); }));
  } else if (url.pathname === '/pruefen' || SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(fromNetworkElseCache(request));
  }
});

/* The server's answer, or null when it cannot give one in time. */
function server(request) {
  // By URL: a navigation's own Request cannot be re-sent with other options.
  return V.fetchWithin(request.url, V.NETWORK_TIMEOUT_MS, { cache: 'no-store', credentials: 'same-origin', redirect: 'manual' })
    .then(function (r) { return [502, 503, 504].indexOf(r.status) >= 0 ? null : r; })
    .catch(function () { return null; });
}

function checkScan(event) {
  return server(event.request).then(function (online) {
    if (online) {
      // Online: a good moment to renew what the device holds (at most every few minutes).
      event.waitUntil(V.refresh(false).catch(function () {}));
      return online;
    }
    return offlineAnswer(event.request.url);
  });
}

function offlineAnswer(url) {
  var now = Math.floor(Date.now() / 1000);
  return V.load().then(function (known) {
    var lang = V.pageLanguage(url, self.navigator.languages);
    if (!known) return unavailable(url);
    return V.check(url, known, now).then(function (result) {
      var page = V.renderResult(result, known, lang, now);
      if (!page) return unavailable(url);
      var ok = result.verdict !== 'invalid' && result.verdict !== 'replaced';
      return new Response(page, {
        status: ok ? 200 : 404,
        headers: {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'no-store',
          'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
          'Referrer-Policy': 'no-referrer',
          'X-Mietschulung-Offline': V.fmtDateTime(now)
        }
      });
    });
  }).catch(function () { return unavailable(url); });
}

/* Nothing held yet (the page was never opened online): the browser's own offline error
   would say nothing useful, so say what to do. */
function unavailable(url) {
  var lang = V.pageLanguage(url, self.navigator.languages);
  return caches.match('/pruefen?lang=' + lang).then(function (page) {
    return page || caches.match('/pruefen', { ignoreSearch: true });
  }).then(function (page) { return page || Response.error(); });
}

function fromNetworkElseCache(request) {
  return V.fetchWithin(request.url, V.NETWORK_TIMEOUT_MS, { cache: 'no-cache', credentials: 'same-origin' })
    .then(function (r) {
      if (r.ok) {
        var copy = r.clone();
        caches.open(SHELL_CACHE).then(function (c) { return c.put(request.url, copy); });
        return r;
      }
      throw new Error('HTTP ' + r.status);
    })
    .catch(function () {
      return caches.match(request.url).then(function (hit) {
        return hit || caches.match(request.url, { ignoreSearch: true }).then(function (any) {
          return any || Response.error();
        });
      });
    });
}
