// tellers: a member's receipt checked in the browser (the verify page).
//
// A receipt is c2sp.org/tlog-proof text: the header, an optional "extra" line, "index N",
// the inclusion proof's hashes, a blank line and the signed checkpoint note. This script
// 1. checks the checkpoint note's Ed25519 signature (c2sp.org/signed-note) with the log's
//    key, where the browser's WebCrypto supports Ed25519,
// 2. fetches the entry at that index from the log (its canonical bytes, as hashed),
// 3. recomputes the inclusion proof (RFC 9162, section 2.1.3.2) with WebCrypto SHA-256
//    and compares the root it reaches with the checkpoint's root,
// 4. checks that the log's latest published checkpoint and the receipt's are one log, the
//    later extending the earlier (RFC 9162, section 2.1.4.2, a consistency proof),
// 5. for a sealed paper, finds the receipt's tracker among the papers published at the
//    close and checks that paper opens the seal in the entry.
// Any failure refuses the receipt and says why. Nothing is sent anywhere but the request
// for the public entry.
(function () {
  "use strict";

  var HEADER = "c2sp.org/tlog-proof@v1";
  var form = document.getElementById("receipt-form");
  var field = document.getElementById("receipt");
  var verdict = document.getElementById("verdict");
  var data = JSON.parse(document.getElementById("verify-data").textContent);
  var encoder = new TextEncoder();

  function Refused(reason) { this.reason = reason; }

  function refuse(reason) { throw new Refused(reason); }

  function b64bytes(text, what) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      refuse(what + " is not base64");
    }
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) { total += arguments[i].length; }
    var out = new Uint8Array(total), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }

  // The receipt's parts (c2sp.org/tlog-proof, "Format").
  function parseReceipt(text) {
    text = text.replace(/\r\n/g, "\n").replace(/^\s+/, "");
    var split = text.indexOf("\n\n");
    if (split < 0) { refuse("the receipt has no blank line before its checkpoint"); }
    var lines = text.slice(0, split).split("\n");
    var note = text.slice(split + 2);
    if (lines[0] !== HEADER) { refuse("the receipt does not start with " + HEADER); }
    var at = 1, extra = null;
    if (lines[at] && lines[at].indexOf("extra ") === 0) {
      extra = new TextDecoder().decode(b64bytes(lines[at].slice(6), "the extra line"));
      at++;
    }
    if (!lines[at] || !/^index (0|[1-9][0-9]{0,17})$/.test(lines[at])) {
      refuse("the receipt has no 'index <n>' line");
    }
    var index = BigInt(lines[at].slice(6));
    var proof = lines.slice(at + 1).map(function (line, i) {
      var h = b64bytes(line, "proof line " + (i + 1));
      if (h.length !== 32) { refuse("proof line " + (i + 1) + " is not one SHA-256 hash"); }
      return h;
    });
    return { index: index, proof: proof, note: note, extra: extra };
  }

  // The signed note: its text (ending in a newline) and its signature lines.
  function parseNote(note) {
    if (!/\n$/.test(note)) { note += "\n"; }
    var split = note.lastIndexOf("\n\n");
    if (split < 0) { refuse("the checkpoint has no signature"); }
    var text = note.slice(0, split + 1);
    var signatures = note.slice(split + 2, -1).split("\n").map(function (line) {
      var m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) { refuse("a signature line of the checkpoint is malformed"); }
      return { name: m[1], bytes: b64bytes(m[2], "a signature") };
    });
    var body = text.slice(0, -1).split("\n");
    if (body.length < 3) { refuse("the checkpoint has fewer than three lines"); }
    if (!/^(0|[1-9][0-9]{0,17})$/.test(body[1])) { refuse("the checkpoint's size is not a number"); }
    return { text: text, signatures: signatures, origin: body[0], size: BigInt(body[1]),
             root: b64bytes(body[2], "the checkpoint's root hash") };
  }

  function parseVkey(vkey) {
    // <name>+<key ID, 8 hex digits>+<base64 of the type byte and the key>; the base64 may
    // hold "+" itself, the name never does
    var parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey);
    if (!parts) { refuse("the log's key is malformed"); }
    var key = b64bytes(parts[3], "the log's key");
    if (key[0] !== 1 || key.length !== 33) { refuse("the log's key is not an Ed25519 key"); }
    return { name: parts[1], id: parts[2], key: key.slice(1) };
  }

  // RFC 9162, 2.1.3.2: verify an inclusion proof of leaf_index in a tree of tree_size.
  function inclusionRoot(index, size, leaf, proof) {
    if (index >= size) { refuse("the entry's index " + index + " is past the checkpoint's size " + size); }
    var fn = index, sn = size - 1n, r = Promise.resolve(leaf);
    var one = new Uint8Array([1]);
    proof.forEach(function (p) {
      if (sn === 0n) { refuse("the inclusion proof is longer than the tree allows"); }
      if ((fn & 1n) === 1n || fn === sn) {
        r = r.then(function (h) { return sha256(concat(one, p, h)); });
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
        }
      } else {
        r = r.then(function (h) { return sha256(concat(one, h, p)); });
      }
      fn >>= 1n; sn >>= 1n;
    });
    if (sn !== 0n) { refuse("the inclusion proof is shorter than the tree needs"); }
    return r;
  }

  // RFC 9162, 2.1.4.2: verify that the tree of `second` leaves (root secondHash) extends
  // the tree of `first` leaves (root firstHash), given the consistency proof.
  function consistent(first, second, firstHash, secondHash, proof) {
    if (first === second) {
      if (proof.length || !equal(firstHash, secondHash)) { refuse("two checkpoints of the same size have different roots: the log was rewritten"); }
      return Promise.resolve();
    }
    if (first === 0n || first > second || !proof.length) { refuse("the consistency proof is malformed"); }
    var path = proof.slice();
    if ((first & (first - 1n)) === 0n) { path.unshift(firstHash); }
    var fn = first - 1n, sn = second - 1n, one = new Uint8Array([1]);
    while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
    var fr = Promise.resolve(path[0]), sr = Promise.resolve(path[0]);
    path.slice(1).forEach(function (c) {
      if (sn === 0n) { refuse("the consistency proof is longer than the trees allow"); }
      if ((fn & 1n) === 1n || fn === sn) {
        fr = fr.then(function (h) { return sha256(concat(one, c, h)); });
        sr = sr.then(function (h) { return sha256(concat(one, c, h)); });
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
        }
      } else {
        sr = sr.then(function (h) { return sha256(concat(one, h, c)); });
      }
      fn >>= 1n; sn >>= 1n;
    });
    if (sn !== 0n) { refuse("the consistency proof is shorter than the trees need"); }
    return Promise.all([fr, sr]).then(function (roots) {
      if (!equal(roots[0], firstHash) || !equal(roots[1], secondHash)) {
        refuse("the log's latest checkpoint does not extend the checkpoint in your receipt: the log was rewritten");
      }
    });
  }

  // The receipt's checkpoint and the latest published one must be one log, the later
  // extending the earlier (a consistency proof between them, from the log).
  function checkLatest(note, vkey) {
    if (!data.latest) { return Promise.resolve(null); }
    var latest = parseNote(data.latest);
    return checkSignature(latest, vkey).then(function () {
      var older = note.size <= latest.size ? note : latest;
      var newer = older === note ? latest : note;
      if (older.size === newer.size) {
        return consistent(older.size, newer.size, older.root, newer.root, []).then(function () { return latest; });
      }
      return fetch(data.consistency + "?old=" + older.size + "&new=" + newer.size, { credentials: "omit" })
        .then(function (response) {
          if (!response.ok) { refuse("the log gave no consistency proof between " + older.size + " and " + newer.size + " entries"); }
          return response.json();
        }).then(function (answer) {
          var proof = answer.proof.map(function (line) { return b64bytes(line, "a consistency proof hash"); });
          return consistent(older.size, newer.size, older.root, newer.root, proof);
        }).then(function () { return latest; });
    });
  }

  function checkSignature(note, vkey) {
    var signature = note.signatures.filter(function (s) {
      return s.name === vkey.name && hex(s.bytes.slice(0, 4)) === vkey.id;
    })[0];
    if (!signature) { refuse("the checkpoint is not signed by this log's key"); }
    if (signature.bytes.length !== 68) { refuse("the log's signature has the wrong length"); }
    return crypto.subtle.importKey("raw", vkey.key, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) {
        return crypto.subtle.verify({ name: "Ed25519" }, key, signature.bytes.slice(4),
                                    encoder.encode(note.text));
      }, function () { return null; })  // this browser has no Ed25519 in WebCrypto
      .then(function (ok) {
        if (ok === false) { refuse("the checkpoint's Ed25519 signature does not verify with the log's key"); }
        return ok === true;
      });
  }

  function describe(entry) {
    var b = entry.body || {};
    var what = (entry.type || "entry").replace(/_/g, " ");
    var about = b.ballot ? "ballot " + b.ballot : b.election ? "election " + b.election : "";
    var choice = b.for_votes ? "for" : b.against ? "against" : b.abstain ? "abstain" : "";
    var parts = [what];
    if (about) { parts.push("on " + about); }
    if (b.voter) { parts.push("by " + b.voter); }
    if (choice && b.voter) { parts.push("(" + choice + ")"); }
    if (b.ranking) { parts.push("ranking " + b.ranking.join(" > ")); }
    return parts.join(" ");
  }

  function sealedPaper(extra, entry) {
    var m = /^tracker ([0-9a-f]{64})/.exec(extra || "");
    if (!m) { return Promise.resolve(null); }
    var tracker = m[1], b = entry.body || {};
    var question = b.ballot || b.election;
    var papers = data.papers[question];
    if (!papers) { return Promise.resolve("Your sealed paper's tracker is " + tracker.slice(0, 16) + "…; the papers are published at the close, which has not happened yet."); }
    var found = papers.filter(function (p) { return p[0] === tracker; })[0];
    if (!found) { refuse("your tracker is not among the sealed papers published at the close"); }
    var choice = Array.isArray(found[1]) ? found[1].join("\n") : found[1];
    var sealed = encoder.encode("tellers seal v1\n" + question + "\n" + tracker + "\n" + choice);
    return sha256(sealed).then(function (h) {
      if (hex(h) !== b.seal) { refuse("the published paper with your tracker does not open the seal in your entry"); }
      var shown = Array.isArray(found[1]) ? found[1].join(" > ") : found[1];
      return "Your sealed paper is among the papers published at the close, and it says: " + shown + ".";
    });
  }

  function show(ok, title, items) {
    verdict.className = "verdict " + (ok ? "ok" : "bad");
    verdict.textContent = "";
    var h = document.createElement("h3");
    h.textContent = title;
    verdict.appendChild(h);
    var list = document.createElement("ul");
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
    verdict.appendChild(list);
    verdict.focus();
  }

  function check(text) {
    var done = [];
    var receipt, note, vkey, entry;
    return Promise.resolve().then(function () {
      receipt = parseReceipt(text);
      note = parseNote(receipt.note);
      vkey = parseVkey(data.vkey);
      if (note.origin !== vkey.name) { refuse("the receipt is for the log '" + note.origin + "', not this body's log"); }
      return checkSignature(note, vkey);  // the checkpoint first: is it this log's?
    }).then(function (signed) {
      done.push(signed ? "The checkpoint's Ed25519 signature verifies with the log's key."
                       : "This browser cannot check Ed25519 signatures: run tellers verify to check the signature.");
      return fetch(data.entry + receipt.index.toString(), { credentials: "omit" });
    }).then(function (response) {
      if (!response.ok) { refuse("the log has no entry " + receipt.index); }
      return response.arrayBuffer();
    }).then(function (buffer) {
      var bytes = new Uint8Array(buffer);
      entry = JSON.parse(new TextDecoder().decode(bytes));
      done.push("Entry " + receipt.index + " of the log: " + describe(entry) + ".");
      return sha256(concat(new Uint8Array([0]), bytes));
    }).then(function (leaf) {
      return inclusionRoot(receipt.index, note.size, leaf, receipt.proof);
    }).then(function (root) {
      if (!equal(root, note.root)) { refuse("the inclusion proof does not lead to the root of the checkpoint in the receipt"); }
      done.push("The inclusion proof, recomputed with SHA-256, reaches the root of the checkpoint of " + note.size + " entries (fingerprint " + hex(root.slice(0, 8)).replace(/(.{4})(?!$)/g, "$1 ") + ").");
      return checkLatest(note, vkey);
    }).then(function (latest) {
      if (latest) {
        done.push("The log's latest checkpoint (" + latest.size + " entries, fingerprint " + hex(latest.root.slice(0, 8)).replace(/(.{4})(?!$)/g, "$1 ") + ") is consistent with it: the log has only grown since.");
      }
      return sealedPaper(receipt.extra, entry);
    }).then(function (paper) {
      if (paper) { done.push(paper); }
      show(true, "Your receipt checks out", done);
    }).catch(function (error) {
      var reason = error instanceof Refused ? error.reason : "the receipt could not be read (" + error + ")";
      show(false, "Refused: " + reason, done.concat(["Refused: " + reason + "."]));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    verdict.className = "verdict";
    verdict.textContent = "Checking…";
    check(field.value);
  });
}());
