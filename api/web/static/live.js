/* tellers: follow the log on a live meeting's page, and pick amendment words on the text.
   The page works without this script; with it, the parts marked data-live are refreshed
   whenever the body's log grows, so every screen shows the same meeting. The console
   follows the log's event stream (log/stream, Server-Sent Events) where the service has
   one and lets it in; otherwise, and on the ballot papers, it polls log/entries?after=.
   A part the reader is typing in is left alone until they are done. */
(function () {
  "use strict";
  var page = document.querySelector(".live-page");
  if (!page) { return; }
  var entries = page.getAttribute("data-live-entries");
  var size = parseInt(page.getAttribute("data-live-size"), 10) || 0;
  var status = document.getElementById("live-status");
  var pending = false;
  var busy = false;
  var dirty = new WeakSet();
  var streaming = false;
  var latest = size - 1;  /* the last entry the stream announced */

  function kick() {
    if (streaming && !busy && latest >= size) { refresh(); }
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form");
    if (form) { dirty.add(form); }
  });

  function inUse(part) {
    if (part.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    var forms = part.querySelectorAll("form");
    for (var i = 0; i < forms.length; i += 1) {
      if (dirty.has(forms[i])) { return true; }
    }
    return false;
  }

  function openDetails(part) {
    var open = {};
    part.querySelectorAll("details[open] > summary").forEach(function (s) {
      open[s.textContent.trim()] = true;
    });
    return open;
  }

  function refresh() {
    busy = true;
    return fetch(window.location.pathname, {credentials: "same-origin",
                                            headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var skipped = false;
        fresh.querySelectorAll("[data-live]").forEach(function (part) {
          var name = part.getAttribute("data-live");
          var here = document.querySelector('[data-live="' + name + '"]');
          if (!here) { return; }
          if (inUse(here)) {
            skipped = true;
            here.classList.add("live-stale");
            return;
          }
          var open = openDetails(here);
          part.querySelectorAll("details > summary").forEach(function (s) {
            if (open[s.textContent.trim()]) { s.parentNode.setAttribute("open", ""); }
          });
          here.replaceWith(document.importNode(part, true));
        });
        var freshPage = fresh.querySelector(".live-page");
        if (freshPage) {
          size = parseInt(freshPage.getAttribute("data-live-size"), 10) || size;
        }
        document.querySelectorAll(".log-size").forEach(function (n) { n.textContent = size; });
        pending = skipped;
        document.querySelectorAll(".notices .done").forEach(function (n) { n.remove(); });
        if (status) { status.textContent = "Updated: the log now holds " + size + " entries."; }
        wire();
      })
      .catch(function () { pending = true; })
      .finally(function () { busy = false; window.setTimeout(kick, 0); });
  }

  function follow(stream) {
    /* the stream tells when the log grows; any failure (no such route, too many
       followers, the server stopping) leaves the page to polling */
    if (!stream || typeof window.EventSource === "undefined") { return; }
    var source = new window.EventSource(stream + "?after=" + Math.max(size - 1, 0));
    source.addEventListener("open", function () { streaming = true; });
    source.addEventListener("entry", function (event) {
      var seq = parseInt(event.lastEventId, 10);
      if (seq > latest) { latest = seq; }
      kick();
    });
    function stop() { streaming = false; source.close(); }
    source.addEventListener("reconnect", function () { stop(); follow(stream); });
    source.addEventListener("shutdown", stop);
    source.addEventListener("error", function () {
      if (source.readyState === window.EventSource.CLOSED) { stop(); }
    });
  }

  function poll() {
    if (streaming && !pending) { return; }
    if (busy || document.hidden) { return; }
    var url = entries + "?limit=1&after=" + Math.max(size - 1, -1);
    fetch(url, {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (answer && (answer.size > size || pending)) { return refresh(); }
        return null;
      })
      .catch(function () { /* the next poll tries again */ });
  }

  /* Amendments: the words are chosen on the motion's own text. */
  function selectedIn(motion) {
    var text = document.querySelector('[data-motion-text="' + motion + '"]');
    var selection = window.getSelection();
    if (!text || !selection || selection.rangeCount === 0) { return ""; }
    var range = selection.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer)) { return ""; }
    return selection.toString().replace(/\s+/g, " ").trim();
  }

  function wire() {
    document.querySelectorAll("textarea[data-selection-target]").forEach(function (area) {
      if (area.previousElementSibling &&
          area.previousElementSibling.classList.contains("selection-tools")) { return; }
      var motion = area.getAttribute("data-selection-target");
      var form = area.closest("form");
      var tools = document.createElement("div");
      tools.className = "selection-tools";
      [["Leave out the selected words", area],
       ["Insert after the selected words", form.querySelector('input[name="after"]')]
      ].forEach(function (pair) {
        if (!pair[1]) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary small";
        button.textContent = pair[0];
        button.addEventListener("click", function () {
          var words = selectedIn(motion);
          if (status) {
            status.textContent = words ? "Chosen: " + words : "Select words in the motion's text first.";
          }
          if (words) { pair[1].value = words; dirty.add(form); }
        });
        tools.appendChild(button);
        tools.appendChild(document.createTextNode(" "));
      });
      area.parentNode.insertBefore(tools, area);
    });
  }

  wire();
  follow(page.getAttribute("data-live-stream"));
  var refusal = document.getElementById("refusal");
  if (refusal) { refusal.focus(); }
  window.setInterval(poll, 1500);
})();
