/* The offline certificate check, for the page at /pruefen and its service worker.
 *
 * It makes the server's checks in the server's order (src/certificates/token.rs,
 * src/certificates/revocation.rs) and judges freshness as src/verification/offline.rs
 * does; the test tests/it/offline_check.rs holds both to shared vectors. Written in the
 * project, without libraries: base32, a small strict CBOR reader, COSE_Sign1 and Ed25519
 * through WebCrypto. Nothing here sends anything about a checked certificate anywhere.
 */
(function (root) {
  'use strict';

  var MAX_INPUT_BYTES = 512;
  var MAX_TOKEN_BYTES = 192;
  var MAX_TOKEN_BASE32_CHARS = 308;
  var CODE_BYTES = 10;
  var MAX_LIST_BYTES = 8 * 1024 * 1024;
  var MAX_LIST_VALIDITY_SECS = 24 * 3600;
  var LIST_MAX_AGE_SECS = 7 * 24 * 3600;
  var CLOCK_SLACK_SECS = 300;
  var NETWORK_TIMEOUT_MS = 3500;
  var REFRESH_EVERY_MS = 5 * 60 * 1000;
  var TEMPLATES_EVERY_MS = 24 * 3600 * 1000;
  var BULK_MAX = 50;
  var LANGS = ['de', 'en', 'tr', 'ru', 'ar'];
  var LIST_CONTENT_TYPE = 'application/vnd.mietschulung.revoked+cbor';
  var CLAIM_CERTIFICATE = -65537;
  var B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  var CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  var DATA_CACHE = 'pruefen-daten';
  var DATA_KEY = '/pruefen/daten';

  /* A check that failed; the reason is for tests, the person sees "Ungültig". */
  function Bad(reason) { this.reason = reason; }
  function bad(reason) { throw new Bad(reason); }

  var encoder = new TextEncoder();
  var utf8 = new TextDecoder('utf-8', { fatal: true });

  function utf8Length(s) { return encoder.encode(s).length; }

  /* Rust's char::is_whitespace (Unicode White_Space), which JavaScript's \s is not. */
  var WS = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
  var TRIM = new RegExp('^' + WS + '+|' + WS + '+$', 'g');
  function rustTrim(s) { return s.replace(TRIM, ''); }
  function asciiLower(s) { return s.replace(/[A-Z]/g, function (c) { return c.toLowerCase(); }); }
  function asciiUpper(s) { return s.replace(/[a-z]/g, function (c) { return c.toUpperCase(); }); }

  /* RFC 4648 base32 without padding, as data_encoding's BASE32_NOPAD: a length that cannot
     end a byte, or unused trailing bits that are not zero, is not base32. */
  function base32Decode(s) {
    if ([1, 3, 6].indexOf(s.length % 8) >= 0) bad('base32 length');
    var out = new Uint8Array(Math.floor(s.length * 5 / 8));
    var bits = 0, value = 0, j = 0;
    for (var i = 0; i < s.length; i++) {
      var v = B32.indexOf(s.charAt(i));
      if (v < 0) bad('base32 character');
      value = (value << 5) | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        out[j++] = (value >> bits) & 0xff;
        value &= (1 << bits) - 1;
      }
    }
    if (value !== 0) bad('base32 trailing bits');
    return out;
  }

  function base32Encode(bytes) {
    var out = '', bits = 0, value = 0;
    for (var i = 0; i < bytes.length; i++) {
      value = (value << 8) | bytes[i];
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out += B32.charAt((value >> bits) & 31);
        value &= (1 << bits) - 1;
      }
    }
    if (bits > 0) out += B32.charAt((value << (5 - bits)) & 31);
    return out;
  }

  function base64urlDecode(s) {
    if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) bad('base64url');
    var b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    return base64ToBytes(b64);
  }

  function bytesToBase64(bytes) {
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin);
  }

  function base64ToBytes(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }

  /* The base32 part of a scanned link or pasted token, as the server's token_from_text. */
  function tokenText(s) {
    if (utf8Length(s) > MAX_INPUT_BYTES) bad('input too long');
    s = rustTrim(s);
    s = s.split(/[?#]/)[0];
    s = s.replace(/\/+$/, '');
    var at = asciiLower(s).lastIndexOf('/z/');
    var encoded = at >= 0 ? s.slice(at + 3) : s;
    if (utf8Length(encoded) > MAX_TOKEN_BASE32_CHARS) bad('token too long');
    if (encoded === '') bad('empty');
    return asciiUpper(encoded);
  }

  function tokenFromText(s) { return base32Decode(tokenText(s)); }

  /* ---- CBOR (RFC 8949), strict enough to agree with the server's reader ---- */

  function Reader(bytes) { this.b = bytes; this.i = 0; this.depth = 0; }

  Reader.prototype.byte = function () {
    if (this.i >= this.b.length) bad('cbor: end of data');
    return this.b[this.i++];
  };

  /* The argument of a head: a Number when exact, else a BigInt. */
  Reader.prototype.arg = function (info) {
    if (info < 24) return info;
    var n = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!n) bad('cbor: reserved');
    var v = 0n;
    for (var k = 0; k < n; k++) v = (v << 8n) | BigInt(this.byte());
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  Reader.prototype.take = function (len) {
    if (typeof len !== 'number' || len > this.b.length - this.i) bad('cbor: length');
    var out = this.b.subarray(this.i, this.i + len);
    this.i += len;
    return out;
  };

  /* Items are {t: 'int'|'bytes'|'text'|'array'|'map'|'tag'|'simple'|'float', v}. */
  Reader.prototype.item = function () {
    if (++this.depth > 32) bad('cbor: too deep');
    var head = this.byte(), major = head >> 5, info = head & 31, out;
    if (info === 31) {
      out = this.indefinite(major);
    } else if (major === 0 || major === 1) {
      var a = this.arg(info);
      if (major === 0) out = { t: 'int', v: a };
      else out = { t: 'int', v: typeof a === 'number' ? -1 - a : -1n - a };
    } else if (major === 2) {
      out = { t: 'bytes', v: this.take(this.arg(info)) };
    } else if (major === 3) {
      out = { t: 'text', v: this.text(this.take(this.arg(info))) };
    } else if (major === 4) {
      var n = this.arg(info), items = [];
      if (typeof n !== 'number' || n > this.b.length - this.i) bad('cbor: length');
      for (var k = 0; k < n; k++) items.push(this.item());
      out = { t: 'array', v: items };
    } else if (major === 5) {
      var m = this.arg(info), pairs = [];
      if (typeof m !== 'number' || m > this.b.length - this.i) bad('cbor: length');
      for (var p = 0; p < m; p++) pairs.push([this.item(), this.item()]);
      out = { t: 'map', v: pairs };
    } else if (major === 6) {
      var tag = this.arg(info);
      out = { t: 'tag', tag: tag, v: this.item() };
    } else {
      out = this.simple(info);
    }
    this.depth--;
    return out;
  };

  Reader.prototype.text = function (bytes) {
    try { return utf8.decode(bytes); } catch (e) { return bad('cbor: utf-8'); }
  };

  Reader.prototype.isBreak = function () {
    if (this.i >= this.b.length) bad('cbor: end of data');
    if (this.b[this.i] === 0xff) { this.i++; return true; }
    return false;
  };

  Reader.prototype.indefinite = function (major) {
    if (major === 2 || major === 3) {
      var parts = [], total = 0;
      while (!this.isBreak()) {
        var chunk = this.item();
        if (chunk.t !== (major === 2 ? 'bytes' : 'text')) bad('cbor: chunk');
        var raw = major === 2 ? chunk.v : encoder.encode(chunk.v);
        parts.push(raw);
        total += raw.length;
      }
      var all = new Uint8Array(total), at = 0;
      parts.forEach(function (p) { all.set(p, at); at += p.length; });
      return major === 2 ? { t: 'bytes', v: all } : { t: 'text', v: this.text(all) };
    }
    if (major === 4) {
      var items = [];
      while (!this.isBreak()) items.push(this.item());
      return { t: 'array', v: items };
    }
    if (major === 5) {
      var pairs = [];
      while (!this.isBreak()) pairs.push([this.item(), this.item()]);
      return { t: 'map', v: pairs };
    }
    return bad('cbor: indefinite');
  };

  Reader.prototype.simple = function (info) {
    if (info === 20) return { t: 'simple', v: false };
    if (info === 21) return { t: 'simple', v: true };
    if (info === 22) return { t: 'simple', v: null };
    if (info === 23) return { t: 'simple', v: undefined };
    if (info === 24) { this.byte(); return { t: 'simple', v: 'other' }; }
    var n = { 25: 2, 26: 4, 27: 8 }[info];
    if (!n) return bad('cbor: simple');
    var raw = this.take(n), view = new DataView(raw.buffer, raw.byteOffset, n);
    var f = n === 2 ? half(view.getUint16(0)) : n === 4 ? view.getFloat32(0) : view.getFloat64(0);
    return { t: 'float', v: f };
  };

  function half(h) {
    var e = (h >> 10) & 31, f = h & 1023, s = h >> 15 ? -1 : 1;
    if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
    if (e === 31) return f ? NaN : s * Infinity;
    return s * Math.pow(2, e - 15) * (1 + f / 1024);
  }

  /* One whole CBOR item: trailing bytes make it something else. */
  function decode(bytes) {
    var r = new Reader(bytes);
    var item = r.item();
    if (r.i !== bytes.length) bad('cbor: trailing bytes');
    return item;
  }

  function isInt(item, n) { return item.t === 'int' && item.v === n; }

  /* A map's value for an integer key; a key twice makes the map invalid, as for the server. */
  function mapGet(pairs, key) {
    var found = null;
    pairs.forEach(function (p) {
      if (isInt(p[0], key)) {
        if (found) bad('duplicate key');
        found = p[1];
      }
    });
    return found;
  }

  function noDuplicateKeys(pairs) {
    var seen = {};
    pairs.forEach(function (p) {
      var k = p[0];
      if (k.t !== 'int' && k.t !== 'text') bad('header label');
      var name = k.t + ':' + String(k.v);
      if (seen[name]) bad('duplicate label');
      seen[name] = true;
    });
  }

  /* ---- COSE_Sign1 ---- */

  /* {protectedBytes, header: {alg, kid, contentType}, payload, signature} or Bad. */
  function parseSign1(bytes, allowAnyTag) {
    var top = decode(bytes);
    if (top.t === 'tag') {
      if (top.tag !== 18 || !(allowAnyTag || bytes[0] === 0xd2)) bad('not COSE_Sign1');
      top = top.v;
    }
    if (top.t !== 'array' || top.v.length !== 4) bad('not COSE_Sign1');
    var prot = top.v[0], unprot = top.v[1], payload = top.v[2], sig = top.v[3];
    if (prot.t !== 'bytes' || unprot.t !== 'map' || sig.t !== 'bytes') bad('not COSE_Sign1');
    noDuplicateKeys(unprot.v);
    if (unprot.v.length) bad('unprotected header');
    if (payload.t !== 'bytes') bad('no payload');
    var header = { alg: null, kid: null, contentType: null };
    if (prot.v.length) {
      var h = decode(prot.v);
      if (h.t !== 'map') bad('protected header');
      noDuplicateKeys(h.v);
      h.v.forEach(function (p) {
        var label = p[0].t === 'int' ? p[0].v : null, v = p[1];
        if (label === 1) {
          if (v.t !== 'int' && v.t !== 'text') bad('alg');
          header.alg = v;
        } else if (label === 2) {
          bad('crit');
        } else if (label === 3) {
          if (!(v.t === 'text' || (v.t === 'int' && typeof v.v === 'number' && v.v >= 0 && v.v <= 65535))) bad('content type');
          header.contentType = v;
        } else if (label === 4 || label === 5 || label === 6) {
          if (v.t !== 'bytes') bad('header bytes');
          if (label === 4) header.kid = v.v;
        }
      });
      if (mapGet(h.v, 5) && mapGet(h.v, 6)) bad('iv and partial iv');
    }
    return { protectedBytes: prot.v, header: header, payload: payload.v, signature: sig.v };
  }

  function head(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 256) return [(major << 5) | 24, n];
    if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
    return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  /* Sig_structure = ["Signature1", protected, external_aad = h'', payload] (RFC 9052). */
  function toBeSigned(sign1) {
    var ctx = encoder.encode('Signature1');
    var parts = [head(4, 4), head(3, ctx.length), ctx, head(2, sign1.protectedBytes.length),
      sign1.protectedBytes, head(2, 0), head(2, sign1.payload.length), sign1.payload];
    var total = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(total), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function algOk(alg) { return alg && alg.t === 'int' && (alg.v === -19 || alg.v === -8); }

  var keyCache = {};
  function importKey(x) {
    var id = hex(x);
    if (!keyCache[id]) {
      keyCache[id] = crypto.subtle.importKey('raw', x, { name: 'Ed25519' }, false, ['verify']);
    }
    return keyCache[id];
  }

  function verifySignature(sign1, x) {
    if (sign1.signature.length !== 64) return Promise.resolve(false);
    return importKey(x).then(function (key) {
      return crypto.subtle.verify({ name: 'Ed25519' }, key, sign1.signature, toBeSigned(sign1));
    }).catch(function () { return false; });
  }

  /* ---- the key set ---- */

  /* kid → {x, organisationId} for every usable Ed25519 key, as the command line reads it. */
  function parseJwks(set) {
    var keys = {};
    var list = set && Array.isArray(set.keys) ? set.keys : [];
    list.forEach(function (k) {
      if (!k || k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.kid !== 'string') return;
      if (!/^\+?[0-9]{1,3}$/.test(k.kid) || Number(k.kid) > 255) return;
      var x;
      try { x = base64urlDecode(String(k.x)); } catch (e) { return; }
      if (x.length !== 32) return;
      var org = typeof k.organisation_id === 'number' ? k.organisation_id : null;
      keys[Number(k.kid)] = { x: x, organisationId: org };
    });
    return keys;
  }

  /* ---- certificate tokens ---- */

  function parseDate(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!m) return null;
    var d = new Date(0);
    d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 ||
      d.getUTCDate() !== Number(m[3])) return null;
    return s;
  }

  var I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

  function claimsOf(payload) {
    var set = decode(payload);
    if (set.t !== 'map') bad('claims');
    noDuplicateKeys(set.v);
    var iat = null, cti = null, cert = null;
    set.v.forEach(function (p) {
      var k = p[0], v = p[1];
      if (k.t !== 'int') return;
      if (k.v === 1 || k.v === 2 || k.v === 3) { if (v.t !== 'text') bad('claim type'); }
      else if (k.v === 4 || k.v === 5 || k.v === 6) {
        if (v.t !== 'int' && v.t !== 'float') bad('timestamp');
        if (v.t === 'int' && (BigInt(v.v) < I64_MIN || BigInt(v.v) > I64_MAX)) bad('timestamp');
        if (k.v === 6) iat = v;
      } else if (k.v === 7) { if (v.t !== 'bytes') bad('cti'); cti = v.v; }
      else if (k.v === CLAIM_CERTIFICATE) cert = v;
    });
    if (!iat || iat.t !== 'int') bad('iat');
    if (!cti || cti.length !== CODE_BYTES) bad('cti');
    if (!cert || cert.t !== 'map') bad('certificate claim');
    var fields = {};
    cert.v.forEach(function (p) {
      if (p[0].t !== 'int') bad('certificate key');
      if (p[1].t !== 'text') bad('certificate value');
      var k = p[0].v;
      if (k === 1 || k === 2 || k === 3) {
        if (k in fields) bad('certificate key twice');
        fields[k] = p[1].v;
      }
    });
    var name = fields[1];
    if (typeof name !== 'string' || name === '' || name.normalize('NFC') !== name) bad('name');
    if (typeof fields[2] !== 'string') bad('course');
    if (typeof fields[3] !== 'string' || !parseDate(fields[3])) bad('date');
    return { code: cti, holderName: name, courseCode: fields[2], completionDate: fields[3] };
  }

  /* Resolves to {kid, organisationId, claims} or rejects with Bad. Certificates are signed
     by an organisation's key; the deployment's own key signs only revocation lists. */
  function verifyToken(bytes, keys) {
    return Promise.resolve().then(function () {
      if (bytes.length > MAX_TOKEN_BYTES) bad('too large');
      var sign1 = parseSign1(bytes, false);
      if (!algOk(sign1.header.alg)) bad('algorithm');
      if (!sign1.header.kid || sign1.header.kid.length !== 1) bad('kid');
      var key = keys[sign1.header.kid[0]];
      if (!key || key.organisationId === null) bad('unknown key');
      return verifySignature(sign1, key.x).then(function (ok) {
        if (!ok) bad('signature');
        return { kid: sign1.header.kid[0], organisationId: key.organisationId, claims: claimsOf(sign1.payload) };
      });
    });
  }

  /* ---- the revocation list ---- */

  function int64(item) {
    if (!item || item.t !== 'int') bad('list int');
    var v = BigInt(item.v);
    if (v < I64_MIN || v > I64_MAX) bad('list int');
    return Number(v);
  }

  function firstValue(pairs, key) {
    for (var i = 0; i < pairs.length; i++) if (isInt(pairs[i][0], key)) return pairs[i][1];
    return null;
  }

  function codeList(item) {
    if (!item || item.t !== 'array') bad('list codes');
    return item.v.map(function (c) {
      if (c.t !== 'bytes' || c.v.length !== CODE_BYTES) bad('list code');
      return hex(c.v);
    });
  }

  /* Resolves to {issuedAt, nextUpdate, revoked: Set, replaced: Set, entries} when the
     deployment's key signed it; expiry is judged later, against the device's clock. */
  function verifyList(bytes, keys) {
    return Promise.resolve().then(function () {
      if (bytes.length > MAX_LIST_BYTES) bad('list too large');
      var sign1 = parseSign1(bytes, true);
      if (!algOk(sign1.header.alg)) bad('list algorithm');
      var ct = sign1.header.contentType;
      if (!ct || ct.t !== 'text' || ct.v !== LIST_CONTENT_TYPE) bad('list content type');
      if (!sign1.header.kid || sign1.header.kid.length !== 1) bad('list kid');
      var key = keys[sign1.header.kid[0]];
      if (!key || key.organisationId !== null) bad('list key');
      return verifySignature(sign1, key.x).then(function (ok) {
        if (!ok) bad('list signature');
        var map = decode(sign1.payload);
        if (map.t !== 'map') bad('list payload');
        var issuedAt = int64(firstValue(map.v, 1)), nextUpdate = int64(firstValue(map.v, 2));
        var issuer = firstValue(map.v, 3);
        if (!issuer || issuer.t !== 'text') bad('list issuer');
        var revoked = codeList(firstValue(map.v, 4)), replaced = codeList(firstValue(map.v, 5));
        var validity = nextUpdate - issuedAt;
        if (!(validity > 0 && validity <= MAX_LIST_VALIDITY_SECS)) bad('list validity');
        return {
          issuedAt: issuedAt, nextUpdate: nextUpdate,
          revoked: new Set(revoked), replaced: new Set(replaced),
          entries: revoked.length + replaced.length
        };
      });
    });
  }

  /* ---- judging, as src/verification/offline.rs ---- */

  function judge(genuine, list, now) {
    if (!genuine) return 'invalid';
    if (!list || now - list.issuedAt > LIST_MAX_AGE_SECS) return 'unusable';
    if (list.listed === 'revoked') return 'revoked';
    if (list.listed === 'replaced') return 'replaced';
    if (now >= list.nextUpdate || list.issuedAt - now > CLOCK_SLACK_SECS) return 'stale';
    return 'valid';
  }

  /* The state of a held list at `now`: 'ready', 'stale' or 'missing' (none, or too old). */
  function listState(list, now) {
    if (!list || now - list.issuedAt > LIST_MAX_AGE_SECS) return 'missing';
    if (now >= list.nextUpdate || list.issuedAt - now > CLOCK_SLACK_SECS) return 'stale';
    return 'ready';
  }

  /* The code as printed: four groups of Crockford base32 and the Luhn mod 32 check. */
  function printedCode(code) {
    var v = 0n;
    for (var i = 0; i < code.length; i++) v = (v << 8n) | BigInt(code[i]);
    var digits = [];
    for (var d = 15; d >= 0; d--) digits.push(Number((v >> BigInt(5 * d)) & 31n));
    var sum = 0, doubled = true;
    for (var j = digits.length - 1; j >= 0; j--) {
      var add = digits[j];
      if (doubled) { add *= 2; add = Math.floor(add / 32) + (add % 32); }
      sum += add;
      doubled = !doubled;
    }
    var check = (32 - (sum % 32)) % 32;
    var s = digits.map(function (x) { return CROCKFORD.charAt(x); }).join('');
    return s.slice(0, 4) + '-' + s.slice(4, 8) + '-' + s.slice(8, 12) + '-' + s.slice(12, 16) + '-' + CROCKFORD.charAt(check);
  }

  /* The whole offline check of scanned text against held knowledge:
     {verdict, reason?, claims?, organisationId?, code?}. Never rejects. */
  function check(text, known, now) {
    var bytes;
    try { bytes = tokenFromText(text); } catch (e) { return Promise.resolve({ verdict: 'invalid', reason: e.reason || String(e) }); }
    return verifyToken(bytes, known.keys).then(function (v) {
      var code = hex(v.claims.code);
      var list = known.list ? {
        issuedAt: known.list.issuedAt, nextUpdate: known.list.nextUpdate,
        listed: known.list.revoked.has(code) ? 'revoked' : known.list.replaced.has(code) ? 'replaced' : 'no'
      } : null;
      return {
        verdict: judge(true, list, now), claims: v.claims, organisationId: v.organisationId,
        code: printedCode(v.claims.code)
      };
    }, function (e) {
      return { verdict: 'invalid', reason: e instanceof Bad ? e.reason : String(e) };
    });
  }

  /* ---- what the device holds ---- */

  function fetchWithin(url, ms, init) {
    var ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, ms);
    var opts = Object.assign({ cache: 'no-store', credentials: 'omit' }, init || {});
    if (ctrl) opts.signal = ctrl.signal;
    return fetch(url, opts).then(function (r) { clearTimeout(timer); return r; },
      function (e) { clearTimeout(timer); throw e; });
  }

  function okJson(r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); }
  function okBytes(r) {
    if (!r.ok) throw new Error('HTTP ' + r.status);
    return r.arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }

  function readStored() {
    return caches.open(DATA_CACHE).then(function (c) { return c.match(DATA_KEY); })
      .then(function (r) { return r ? r.json() : null; }).catch(function () { return null; });
  }

  function writeStored(stored) {
    return caches.open(DATA_CACHE).then(function (c) {
      return c.put(DATA_KEY, new Response(JSON.stringify(stored), { headers: { 'Content-Type': 'application/json' } }));
    });
  }

  /* What the device holds, checked again: {keys, list, issuers, templates, fetchedAt} or
     null. A stored list whose signature no longer holds is dropped. */
  function load() {
    return readStored().then(function (stored) {
      if (!stored) return null;
      var keys = parseJwks(stored.jwks);
      var listing = stored.list ? verifyList(base64ToBytes(stored.list), keys).catch(function () { return null; }) : Promise.resolve(null);
      return listing.then(function (list) {
        return {
          keys: keys, list: list, issuers: (stored.issuers && stored.issuers.issuers) || {},
          templates: stored.templates || {}, fetchedAt: stored.fetchedAt || 0,
          templatesAt: stored.templatesAt || 0
        };
      });
    });
  }

  /* Fetches key set, list and issuers (and the result pages once a day), verifies the
     list's signature, and stores them together. A list older than the one held is refused:
     an old list must not undo a revocation. Resolves to what load() gives. */
  function refresh(force) {
    return readStored().then(function (stored) {
      var now = Date.now();
      if (!force && stored && now - (stored.fetchedAt || 0) < REFRESH_EVERY_MS && stored.list) return load();
      var wantTemplates = !stored || !stored.templates || now - (stored.templatesAt || 0) > TEMPLATES_EVERY_MS;
      var t = NETWORK_TIMEOUT_MS * 3;
      return Promise.all([
        fetchWithin('/.well-known/jwks.json', t).then(okJson),
        fetchWithin('/.well-known/revoked', t).then(okBytes),
        fetchWithin('/pruefen/aussteller.json', t).then(okJson),
        wantTemplates ? Promise.all(LANGS.map(function (l) {
          return fetchWithin('/pruefen/vorlagen/' + l + '.json', t).then(okJson);
        })) : Promise.resolve(null)
      ]).then(function (got) {
        var keys = parseJwks(got[0]);
        return verifyList(got[1], keys).then(function (list) {
          var heldList = stored && stored.list ? verifyList(base64ToBytes(stored.list), parseJwks(stored.jwks)).catch(function () { return null; }) : Promise.resolve(null);
          return heldList.then(function (held) {
            if (held && held.issuedAt > list.issuedAt) throw new Error('older list refused');
            var templates = stored && stored.templates;
            if (got[3]) {
              templates = {};
              got[3].forEach(function (tpl) { templates[tpl.lang] = tpl; });
            }
            return writeStored({
              jwks: got[0], list: bytesToBase64(got[1]), issuers: got[2], templates: templates,
              fetchedAt: now, templatesAt: got[3] ? now : stored.templatesAt
            });
          });
        });
      }).then(load);
    });
  }

  /* ---- the offline result page ---- */

  function escapeHtml(s) {
    return String(s).replace(/[&<>"'`=]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' }[c];
    });
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtDateTime(secs) {
    var d = new Date(secs * 1000);
    return pad(d.getDate()) + '.' + pad(d.getMonth() + 1) + '.' + d.getFullYear() + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  function fmtDate(iso) { var p = iso.split('-'); return p[2] + '.' + p[1] + '.' + p[0]; }

  /* The language a page should speak: ?lang=, else the browser's, among the check page's. */
  function pageLanguage(url, accepted) {
    var asked = new URL(url).searchParams.get('lang');
    if (asked && LANGS.indexOf(asked) >= 0) return asked;
    var langs = accepted || [];
    for (var i = 0; i < langs.length; i++) {
      var primary = String(langs[i]).toLowerCase().split('-')[0];
      if (LANGS.indexOf(primary) >= 0) return primary;
    }
    return 'de';
  }

  /* The page the server would show, from its own template, filled with the checked facts. */
  function renderResult(result, known, lang, now) {
    var tpl = known.templates[lang] || known.templates.de;
    if (!tpl) return null;
    var facts = {};
    var contact = '';
    if (result.claims) {
      var issuer = known.issuers[String(result.organisationId)] || {};
      var title = (issuer.courses || {})[result.claims.courseCode];
      contact = issuer.contact || '';
      facts = {
        holder_name: result.claims.holderName,
        course_title: title || result.claims.courseCode,
        course_code: result.claims.courseCode,
        completion_date: fmtDate(result.claims.completionDate),
        issuer_name: issuer.name || '–',
        code: result.code,
        issuer_contact: contact,
        issuer_org: String(result.organisationId)
      };
    }
    facts.checked_at = fmtDateTime(now);
    facts.list_time = known.list ? fmtDateTime(known.list.issuedAt) : tpl.no_list;
    var page = tpl.pages[result.verdict + (contact ? '+contact' : '')] || tpl.pages[result.verdict];
    tpl.fields.forEach(function (name) {
      page = page.split(tpl.open + name + tpl.close).join(escapeHtml(facts[name] || ''));
    });
    return page;
  }

  root.MietschulungVerifier = {
    LIST_MAX_AGE_SECS: LIST_MAX_AGE_SECS, CLOCK_SLACK_SECS: CLOCK_SLACK_SECS,
    NETWORK_TIMEOUT_MS: NETWORK_TIMEOUT_MS, BULK_MAX: BULK_MAX, LANGS: LANGS,
    Bad: Bad, base32Decode: base32Decode, base32Encode: base32Encode, tokenText: tokenText,
    tokenFromText: tokenFromText, decode: decode, parseJwks: parseJwks, verifyToken: verifyToken,
    verifyList: verifyList, judge: judge, listState: listState, printedCode: printedCode,
    check: check, load: load, refresh: refresh, renderResult: renderResult,
    pageLanguage: pageLanguage, fetchWithin: fetchWithin, fmtDateTime: fmtDateTime,
    fmtDate: fmtDate, escapeHtml: escapeHtml
  };
})(typeof self !== 'undefined' ? self : this);
