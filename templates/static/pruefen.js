/* The page /pruefen: installs the offline check, shows how fresh its knowledge is, and
 * checks up to 50 codes or scanned links at once. Results stay on this device, and only
 * when the person ticks "keep". */
(function () {
  'use strict';
  var V = window.MietschulungVerifier;
  var app = document.getElementById('pruefen');
  if (!app || !V) return;
  var texts = JSON.parse(app.getAttribute('data-texts'));
  var STORE = 'pruefen-ergebnisse';
  app.hidden = false;

  function t(key, args) {
    var s = texts[key] || key;
    Object.keys(args || {}).forEach(function (k) { s = s.split('{' + k + '}').join(String(args[k])); });
    return s;
  }
  function $(id) { return document.getElementById(id); }
  function now() { return Math.floor(Date.now() / 1000); }

  /* ---- what the device holds ---- */

  var known = null;

  function showState(state) {
    var el = $('state');
    el.setAttribute('data-state', state);
    el.textContent = t('pruefen.state_' + state);
    var facts = $('state-facts');
    if (known && known.list) {
      facts.hidden = false;
      $('list-issued').textContent = V.fmtDateTime(known.list.issuedAt);
      $('list-next').textContent = V.fmtDateTime(known.list.nextUpdate);
      $('list-entries').textContent = String(known.list.entries);
      $('key-count').textContent = String(Object.keys(known.keys).length);
    } else {
      facts.hidden = true;
    }
  }

  function update(force) {
    return V.refresh(force).then(function (k) {
      known = k;
      showState(V.listState(known && known.list, now()));
    }, function () {
      return V.load().then(function (k) {
        known = k;
        var state = V.listState(known && known.list, now());
        showState(state);
        if (force || state !== 'ready') {
          $('state').textContent += ' ' + t('pruefen.refresh_failed');
        }
      });
    });
  }

  function supported() {
    if (!('serviceWorker' in navigator) || !window.crypto || !crypto.subtle || !window.caches) {
      return Promise.resolve(false);
    }
    // Ed25519 in WebCrypto: Chrome 137, Firefox 129, Safari 17.
    return crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
      .then(function () { return true; }, function () { return false; });
  }

  supported().then(function (ok) {
    if (!ok) {
      showState('unsupported');
      $('refresh').hidden = true;
      return;
    }
    // One worker for each place it answers: this page, and the QR links in both cases.
    ['/pruefen', '/Z', '/z'].forEach(function (scope) {
      navigator.serviceWorker.register('/pruefen/sw.js', { scope: scope }).catch(function () {});
    });
    V.load().then(function (k) {
      known = k;
      showState(known ? V.listState(known.list, now()) : 'loading');
      return update(false);
    });
  });

  $('refresh').addEventListener('click', function () {
    showState('loading');
    update(true);
  });

  /* ---- bulk check ---- */

  function showError(message) {
    var summary = $('bulk-summary');
    $('bulk-summary-text').textContent = message;
    $('bulk-error').textContent = message;
    $('bulk-error').hidden = !message;
    summary.hidden = !message;
    $('bulk-field').classList.toggle('field-error', !!message);
    var area = $('bulk');
    if (message) {
      area.setAttribute('aria-invalid', 'true');
      area.setAttribute('aria-describedby', 'bulk-hint bulk-error');
      summary.focus();
    } else {
      area.removeAttribute('aria-invalid');
      area.setAttribute('aria-describedby', 'bulk-hint');
    }
  }

  var VERDICT_TEXT = {
    valid: 'verify.valid', revoked: 'verify.revoked', replaced: 'verify.replaced',
    invalid: 'verify.invalid', stale: 'verify.offline_stale', unusable: 'verify.offline_unusable'
  };

  function cell(row, label, text, cls) {
    var td = document.createElement('td');
    if (label) td.setAttribute('data-label', label);
    td.textContent = text || '';
    if (cls) td.className = cls;
    td.dir = 'auto';
    row.appendChild(td);
    return td;
  }

  function addRow(r) {
    var row = document.createElement('tr');
    row.setAttribute('data-verdict', r.verdict || '');
    cell(row, '#', String(r.n));
    cell(row, t('pruefen.col_input'), r.input);
    cell(row, t('pruefen.col_result'), r.result, 'verdict verdict-' + (r.verdict || 'none'));
    cell(row, t('pruefen.col_name'), r.name);
    cell(row, t('pruefen.col_course'), r.course);
    cell(row, t('pruefen.col_date'), r.date);
    cell(row, t('pruefen.col_how'), r.how ? t('pruefen.how_' + r.how) : '');
    $('results-body').appendChild(row);
    return row;
  }

  function shortInput(line) {
    return line.length > 40 ? line.slice(0, 18) + '…' + line.slice(-18) : line;
  }

  function looksLikeToken(line) { return /\/z\//i.test(line) || line.replace(/[\s-]/g, '').length > 24; }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function fromServer(v) {
    var f = v.facts || {};
    return {
      verdict: v.status, result: t(VERDICT_TEXT[v.status] || 'verify.invalid'),
      name: f.holder_name || '', course: f.course_title ? f.course_title + ' (' + f.course_code + ')' : '',
      date: f.completion_date ? V.fmtDate(f.completion_date) : '', how: 'online'
    };
  }

  function offline(line) {
    if (!known) return Promise.resolve({ verdict: 'unusable', result: t('verify.offline_unusable'), how: 'offline' });
    return V.check(line, known, now()).then(function (r) {
      var text = r.verdict === 'valid' ? 'verify.offline_valid' : VERDICT_TEXT[r.verdict];
      var out = { verdict: r.verdict, result: t(text), how: 'offline' };
      if (r.claims) {
        var issuer = known.issuers[String(r.organisationId)] || {};
        var title = (issuer.courses || {})[r.claims.courseCode];
        out.name = r.claims.holderName;
        out.course = (title ? title + ' (' + r.claims.courseCode + ')' : r.claims.courseCode);
        out.date = V.fmtDate(r.claims.completionDate);
      }
      return out;
    });
  }

  /* One line: online through the rate-limited API; a scanned link offline when the server
     cannot answer (or asks to wait); a typed code only online, waiting when asked to. */
  function checkLine(line, row, attempt) {
    var token = looksLikeToken(line);
    var path;
    try {
      path = token ? '/api/v1/verify/' + encodeURIComponent(V.tokenText(line))
        : '/api/v1/verify/code/' + encodeURIComponent(line);
    } catch (e) {
      return Promise.resolve({ verdict: 'invalid', result: t('verify.invalid'), how: 'offline' });
    }
    return V.fetchWithin(path, V.NETWORK_TIMEOUT_MS, { headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 429 && !token && attempt < 10) {
          var wait = Math.min(Number(r.headers.get('Retry-After')) || 6, 60);
          row.cells[2].textContent = t('pruefen.waiting', { seconds: wait });
          return sleep(wait * 1000).then(function () { return checkLine(line, row, attempt + 1); });
        }
        if (r.status === 422) return { verdict: 'none', result: t('pruefen.not_a_code'), how: 'online' };
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json().then(fromServer);
      })
      .catch(function () {
        if (token) return offline(line);
        return { verdict: 'none', result: t('pruefen.only_online') };
      });
  }

  function keep() { return $('keep').checked; }

  function save(rows) {
    try {
      if (keep()) localStorage.setItem(STORE, JSON.stringify(rows));
    } catch (e) { /* private mode or full: results are still on screen */ }
  }

  $('bulk-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var lines = $('bulk').value.split(/\r?\n/).map(function (l) { return l.trim(); })
      .filter(function (l) { return l !== ''; });
    if (!lines.length) return showError(t('pruefen.bulk_empty'));
    if (lines.length > V.BULK_MAX) return showError(t('pruefen.bulk_too_many', { count: lines.length }));
    showError('');
    $('results-body').textContent = '';
    $('results').hidden = false;
    $('bulk-submit').disabled = true;
    var rows = [];
    var chain = Promise.resolve();
    lines.forEach(function (line, i) {
      chain = chain.then(function () {
        var pending = addRow({ n: i + 1, input: shortInput(line), result: '…' });
        return checkLine(line, pending, 0).then(function (r) {
          r.n = i + 1;
          r.input = shortInput(line);
          pending.remove();
          addRow(r);
          rows.push(r);
        });
      });
    });
    chain.then(function () {
      $('bulk-submit').disabled = false;
      $('results-heading').focus();
      save(rows);
      $('forget').hidden = !keep();
    });
  });

  $('keep').addEventListener('change', function () {
    if (!keep()) {
      try { localStorage.removeItem(STORE); } catch (e) { /* nothing stored */ }
      $('forget').hidden = true;
    }
  });

  $('forget').addEventListener('click', function () {
    try { localStorage.removeItem(STORE); } catch (e) { /* nothing stored */ }
    $('keep').checked = false;
    $('results-body').textContent = '';
    $('results').hidden = true;
    $('forget').hidden = true;
  });

  // Results kept earlier, on this device only.
  try {
    var stored = JSON.parse(localStorage.getItem(STORE) || 'null');
    if (Array.isArray(stored) && stored.length) {
      $('keep').checked = true;
      $('results').hidden = false;
      $('forget').hidden = false;
      stored.forEach(addRow);
    }
  } catch (e) { /* nothing usable stored */ }
})();
