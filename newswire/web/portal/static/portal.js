// newswire subscriber portal: the live wire. Opens /portal/stream (Server-Sent Events,
// same origin, the session cookie authenticates it), puts new items on top of the wire,
// marks withdrawn ones, and shows a notice when an item matches a saved topic. Every
// string from the server is put in the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var words = document.getElementById("portal-words");
  if (!words || !window.EventSource) { return; }
  var t = words.dataset;
  var wire = document.getElementById("wire");
  var status = document.getElementById("live-status");
  var notices = document.getElementById("topic-notices");
  var url = wire ? wire.dataset.stream : "/portal/stream";

  function say(text) { if (status) { status.textContent = text; } }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function badge(cls, text) { return el("strong", "badge " + cls, text); }

  function row(e) {
    var li = el("li", "entry is-new" + (e.flash ? " is-flash" : "") + (e.withdrawn ? " is-withdrawn" : "") + (e.thumb ? " has-thumb" : ""));
    li.dataset.id = e.id;
    if (e.thumb) {  // as the wire page shows it: the portal's own link to the thumbnail
      var img = el("img", "thumb");
      img.src = e.thumb.src; img.alt = e.thumb.alt || "";
      // The alt is the picture's caption, in its own language, not the page's: a screen
      // reader speaks it with that language's voice.
      if (e.thumb.lang) img.lang = e.thumb.lang;
      if (e.thumb.width) { img.width = e.thumb.width; img.height = e.thumb.height; }
      img.decoding = "async";
      li.appendChild(img);
    }
    var meta = el("p", "meta");
    // An update or a correction of an item already out says so; only a new item is new.
    var signal = e.signal === "update" ? t.signalUpdate : e.signal === "correction" ? t.signalCorrection : "";
    meta.appendChild(signal ? badge("signal", signal) : badge("new", t["new"]));
    if (e.urgency === 1) { meta.appendChild(badge("flash", t.flash)); }
    else if (e.flash) { meta.appendChild(badge("urgent", t.urgent)); }
    if (e.withdrawn) { meta.appendChild(badge("withdrawn", t.withdrawn)); }
    if (e.embargoed) { meta.appendChild(badge("embargoed", t.embargoed)); }
    if (e.access === "teaser") { meta.appendChild(el("span", "badge teaser", t.teaser)); }
    var time = el("time", "", e.time_text);
    time.setAttribute("datetime", e.time);
    meta.appendChild(time);
    if (e.dateline) {
      var d = el("span", "dateline", e.dateline);
      d.lang = e.language; d.dir = e.dir || "auto";
      meta.appendChild(d);
    }
    var h = el("h3", "headline");
    var a = el("a", "", e.headline);
    a.href = e.href; a.lang = e.language; a.dir = e.dir || "auto";
    h.appendChild(a);
    li.appendChild(meta);
    li.appendChild(h);
    return li;
  }

  function existing(id) {
    if (!wire) { return null; }
    var rows = wire.querySelectorAll("li[data-id]");
    for (var i = 0; i < rows.length; i++) { if (rows[i].dataset.id === id) { return rows[i]; } }
    return null;
  }

  function markWithdrawn(node) {
    if (node.classList.contains("is-withdrawn")) { return; }
    node.classList.add("is-withdrawn");
    var thumb = node.querySelector("img.thumb");  // its files are nobody's now
    if (thumb) { thumb.remove(); node.classList.remove("has-thumb"); }
    var meta = node.querySelector(".meta");
    if (meta) { meta.insertBefore(badge("withdrawn", t.withdrawn), meta.firstChild); }
  }

  function notify(e) {
    if (!notices || !e.topics || !e.topics.length) { return; }
    var li = el("li");
    var p = el("p", "", t.topic.replace("{name}", e.topics.join("، ")) + " ");
    var a = el("a", "", e.headline);
    a.href = e.href; a.lang = e.language; a.dir = e.dir || "auto";
    p.appendChild(a);
    var close = el("button", "", t.dismiss);
    close.type = "button";
    close.addEventListener("click", function () { li.remove(); });
    li.appendChild(p);
    li.appendChild(close);
    notices.insertBefore(li, notices.firstChild);
  }

  function onItem(msg) {
    var e = JSON.parse(msg.data);
    notify(e);
    if (!wire) { return; }
    var old = existing(e.id);
    if (e.withdrawn) { if (old) { markWithdrawn(old); } return; }
    if (!e.shown) { return; }
    if (old) { old.remove(); }
    wire.insertBefore(row(e), wire.firstChild);
    var empty = document.getElementById("wire-empty");
    if (empty) { empty.remove(); }
  }

  var last = null;

  function withAfter(base, after) {
    var u = new URL(base, window.location.href);
    u.searchParams.set("after", after);
    return u.pathname + u.search;
  }

  function connect(target) {
    var source = new EventSource(target);
    source.addEventListener("open", function () { say(t.live); });
    ["item", "update", "embargo-lift", "withdraw"].forEach(function (kind) {
      source.addEventListener(kind, function (msg) {
        if (msg.lastEventId) { last = msg.lastEventId; }
        onItem(msg);
      });
    });
    // The server ended the stream (too far behind, shutting down, session ended): say
    // why, and try again from the last event seen; a session that ended answers 401,
    // which closes the source for good.
    source.addEventListener("close", function (msg) {
      var reason = "";
      try { reason = JSON.parse(msg.data).reason; } catch (err) { reason = ""; }
      say(t.stopped.replace("{reason}", reason));
      source.close();
      window.setTimeout(function () { connect(last ? withAfter(url, last) : url); }, 3000);
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) { say(t.stopped.replace("{reason}", "")); }
      else { say(t.reconnecting); }
    });
  }

  connect(url);
})();
