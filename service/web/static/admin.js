/* The editors' console: the admin API for judging reported photos.

The token is kept in this tab's sessionStorage and handed over, through a BroadcastChannel of this
origin, to the console's other tabs open in the same browser: it is never written anywhere that
outlives the last open console tab, and signing out forgets it in every tab (docs/security.md).
An editor signed in with the newsroom's account has no token here: the browser holds an HttpOnly
session cookie, and each action carries the session's CSRF token, kept in memory only. */
(function () {
  "use strict";
  var KEY = "imgmod.adminToken";
  // What waits for a verdict, first: notices of illegal content ahead of readers' reports.
  var QUEUE = ["notices", "review", "pending", "reported"];
  var t = JSON.parse(document.getElementById("texts").textContent);
  var nt = t.notices;
  var lang = document.documentElement.lang;
  var locale = lang === "ar" ? "ar-MA" : lang;
  var dates = new Intl.DateTimeFormat(locale, {dateStyle: "medium", timeStyle: "short"});
  var numbers = new Intl.NumberFormat(locale, {maximumFractionDigits: 2});
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("imgmod.admin") : null;
  var view = {state: null, cursor: null, found: null, history: null, asked: 0, opened: false};
  var session = null;  // signed in with the newsroom's account: {actor, csrf_token}
  var me = null;  // the audit's name for this editor, so that others' names on images stand out
  var cards = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // A heading over a text of its own direction (a notifier's or the site's words, in any language).
  function titled(className, level, heading, tag, text) {
    var box = el("div", className);
    box.appendChild(el(level, "", heading));
    var body = el(tag, "", text);
    body.dir = "auto";
    box.appendChild(body);
    return box;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values[name] === undefined ? whole : values[name];
    });
  }

  // An id or a name inside a sentence: isolated, so that it never reorders an Arabic line.
  function isolate(text, dir) {
    var node = el("bdi", "", text);
    if (dir) node.dir = dir;
    return node;
  }

  function token() { return sessionStorage.getItem(KEY); }

  // A fresh key per editor's action (one click): a retry of the same request after a network error
  // or a 503 is then applied at most once (the server records the key with the action).
  function freshKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // Who asks: the token, else the session cookie with its CSRF token on every action. An action on
  // an image names the image as the editor saw it (`etag`): if it changed since, nothing is done (409).
  function credentials(method) {
    if (!session) return {headers: {Authorization: "Bearer " + token()}, credentials: "omit"};
    var headers = {};
    if (method !== "GET") headers["X-CSRF-Token"] = session.csrf_token;
    return {headers: headers, credentials: "same-origin"};
  }

  function call(method, path, body, etag) {
    var asker = credentials(method);
    var options = {method: method, headers: asker.headers, credentials: asker.credentials, cache: "no-store"};
    if (etag) options.headers["If-Match"] = etag;
    if (method !== "GET") options.headers["Idempotency-Key"] = freshKey();
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        var error = new Error(data.message || String(response.status));
        error.status = response.status;
        error.current = data.current;  // 409: the image as it is now
        throw error;
      });
    });
  }

  function say(text) {
    $("status").textContent = "";
    $("status").textContent = text;
  }

  function fail(error) {
    if (error.status === 401 || error.status === 403) {
      signOut(error.status === 403 ? t.forbidden : t.refused);
    } else {
      say(error.status === 503 ? t.unavailable : t.failed + " " + error.message);
    }
  }

  function clearHistory() {
    view.history = null;
    $("history").hidden = true;
    $("history").querySelector("tbody").textContent = "";
    $("history-title").textContent = "";
  }

  function signOut(message) {
    if (session) {  // the server ends the session; the cookie goes with its answer
      fetch("/admin/sign-out", {method: "POST", credentials: "same-origin",
        headers: {"X-CSRF-Token": session.csrf_token}}).catch(function () {});
      session = null;
      $("sign-out").textContent = t.sign_out;
      $("sign-out").removeAttribute("title");
    }
    sessionStorage.removeItem(KEY);
    undo.clear();
    view.opened = false;
    view.state = view.found = null;
    $("console").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("list").textContent = "";
    clearHistory();
    $("sign-in-error").textContent = message || "";
    $("token").focus();
  }

  function open() {
    if (view.opened) return;
    view.opened = true;
    $("sign-in").hidden = true;
    $("console").hidden = false;
    $("sign-out").hidden = false;
    $("sign-in-error").textContent = "";
    // Who I am first (others' names on images stand out), then the image the address names, else the
    // queue first: the first of its tabs with something in it.
    var whoAmI = session ? Promise.resolve(session) : call("GET", "/v1/admin/session");
    whoAmI.then(function (found) { me = found.actor; }, function () {}).then(function () {
      var named = fromAddress();
      totals().then(function (counts) {
        if (named) return;
        if (!counts || view.state || view.found) return;
        var first = QUEUE.filter(function (state) { return counts[state] > 0; })[0];
        list(first || QUEUE[0]);
      });
    });
  }

  function totals() {
    return call("GET", "/v1/admin/totals").then(function (counts) {
      [].forEach.call(document.querySelectorAll("[data-total]"), function (node) {
        node.textContent = "(" + numbers.format(counts[node.getAttribute("data-total")]) + ")";
      });
      return counts;
    }, fail);
  }

  function when(iso) {
    var node = el("time", "", iso ? dates.format(new Date(iso)) : "—");
    if (iso) node.dateTime = iso;
    return node;
  }

  function field(dl, name, value, className) {
    var row = el("div", className);
    row.appendChild(el("dt", "", name));
    var dd = el("dd");
    if (typeof value === "string") dd.textContent = value;
    else dd.appendChild(value);
    row.appendChild(dd);
    dl.appendChild(row);
  }

  function listSeparator() { return lang === "ar" ? "، " : ", "; }

  function reasons(image) {
    return Object.keys(image.reasons).sort(function (a, b) { return image.reasons[b] - image.reasons[a]; })
      .map(function (reason) {
        return (t.reason_names[reason] || reason) + " " + numbers.format(image.reasons[reason]);
      })
      .join(listSeparator()) || "—";
  }

  function mix(reporters) {
    if (!reporters.anonymous && !reporters.accounts) return t.nobody;
    var parts = [fill(t.anonymous, {n: numbers.format(reporters.anonymous)}),
      fill(t.accounts, {n: numbers.format(reporters.accounts)})];
    var text = parts.join(listSeparator());
    if (reporters.poor_record) text += " (" + fill(t.poor_record, {n: numbers.format(reporters.poor_record)}) + ")";
    return text;
  }

  function button(text, heading, action, className) {
    var node = el("button", className, text);
    node.type = "button";
    node.setAttribute("aria-describedby", heading);
    node.addEventListener("click", action);
    return node;
  }

  // The photo itself, blurred until the editor chooses to look; a hidden one without a known address
  // shows its placeholder. The image is asked for without a referrer (the page's policy too).
  function photo(image, heading) {
    var figure = el("figure", "photo");
    var frame = el("div", "frame blurred");
    var placeholder = "/v1/images/" + encodeURIComponent(image.image_id) + "/placeholder";
    var source = image.image_url || (image.hidden ? placeholder : null);
    if (!source) {
      frame.className = "frame none";
      frame.appendChild(el("span", "", t.no_photo));
      figure.appendChild(frame);
      return figure;
    }
    var img = el("img");
    img.referrerPolicy = "no-referrer";
    img.decoding = "async";
    img.alt = fill(image.image_url ? t.photo_alt : t.placeholder_alt, {id: image.image_id});
    img.onerror = function () {  // unreachable, refused by the page's policy, or not an image: say so
      frame.className = "frame none";
      frame.replaceChildren(el("span", "", t.photo_failed));
    };
    img.src = source;
    frame.appendChild(img);
    figure.appendChild(frame);
    var caption = el("figcaption");
    var reveal = button(t.reveal, heading, function () {
      var blurred = frame.classList.toggle("blurred");
      if (!blurred) judging(image.image_id);
      reveal.textContent = blurred ? t.reveal : t.blur;
      reveal.setAttribute("aria-pressed", String(!blurred));
    }, "reveal");
    reveal.setAttribute("aria-pressed", "false");
    caption.appendChild(reveal);
    if (image.image_url) {
      var link = el("a", "", t.open_photo);
      link.href = image.image_url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      caption.appendChild(link);
      if (!image.registered_url) {  // a reader's claim about where the photo is, not the site's word
        caption.appendChild(el("span", "reader-url", t.reader_url));
      }
    }
    figure.appendChild(caption);
    return figure;
  }

  // The article the photo appeared in (never fetched by imgmod): the site's, or a reader's, said so.
  function article(image) {
    var box = el("span");
    if (!/^https?:\/\//i.test(image.article_url)) return box;
    var link = el("a", "", t.article_texts.open_article);
    link.href = image.article_url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    box.appendChild(link);
    if (image.article_by === "reader") box.appendChild(el("span", "reader-url", " " + t.article_texts.reader_article));
    return box;
  }

  function comments(image) {
    var box = el("div", "comments");
    box.appendChild(el("h4", "", t.comments));
    if (!image.comments.length) {
      box.appendChild(el("p", "none", t.no_comments));
      return box;
    }
    var items = el("ul");
    image.comments.forEach(function (comment) {
      var item = el("li");
      var text = el("q", "", comment.text);
      text.dir = "auto";
      item.appendChild(text);
      var about = el("span", "about", (t.reason_names[comment.reason] || comment.reason) + " · ");
      about.appendChild(when(comment.at));
      item.appendChild(about);
      items.appendChild(item);
    });
    box.appendChild(items);
    return box;
  }

  // A link to another image's card in this console (its id in the address: it opens in a new tab too).
  function imageLink(id) {
    var link = el("a", "image-link");
    link.href = "#image=" + encodeURIComponent(id);
    link.appendChild(isolate(id, "ltr"));
    return link;
  }

  function apart(distance) {
    return distance === null ? "" : " (" + fill(t.distance, {distance: numbers.format(distance)}) + ")";
  }

  // Same picture elsewhere: for a copy hidden by matching, its source; for any other hidden image
  // (a source), the copies hidden through it, nearest first. Asked for per hidden card only.
  function matches(image) {
    var box = el("div", "matches");
    box.appendChild(el("h4", "", t.matches));
    call("GET", "/v1/admin/matches?limit=50&image_id=" + encodeURIComponent(image.image_id)).then(function (found) {
      if (found.source) {
        var line = el("p", "source"), words = t.copy_of.split("{source}");
        line.appendChild(document.createTextNode(words[0]));
        line.appendChild(imageLink(found.source.image_id));
        line.appendChild(document.createTextNode((words[1] || "") + apart(found.source.distance)));
        box.appendChild(line);
        return;
      }
      if (!found.copies_total) {
        box.appendChild(el("p", "none", t.no_copies));
        return;
      }
      box.appendChild(el("p", "count", fill(t.copies, {n: numbers.format(found.copies_total)})));
      var items = el("ul", "copies");
      found.copies.forEach(function (copy) {
        var item = el("li");
        item.appendChild(imageLink(copy.image_id));
        item.appendChild(document.createTextNode(apart(copy.distance)));
        items.appendChild(item);
      });
      if (found.copies_total > found.copies.length) {
        var more = found.copies_total - found.copies.length;
        items.appendChild(el("li", "more", fill(t.more_copies, {n: numbers.format(more)})));
      }
      box.appendChild(items);
    }, fail);
    return box;
  }

  function card(image) {
    var id = image.image_id, heading = "card-" + (++cards);
    var item = el("li", "card state-" + image.state);
    item.setAttribute("data-image-id", id);
    item.appendChild(photo(image, heading));
    var info = el("div", "info");
    var title = el("h3");
    title.id = heading;
    var code = el("code", "", id);
    code.dir = "ltr";
    // An id in Arabic (or any script with joined letters) reads in the page's font, its letters joined.
    if (/[^\u0000-\u024f]/.test(id)) {
      code.className = "words";
      code.dir = "auto";  // an Arabic id reads right to left, as its words do
    }
    title.appendChild(code);
    title.appendChild(el("span", "badge state", t.states[image.state]));
    if (image.protected) title.appendChild(el("span", "badge protected", t.protected_badge));
    if (image.being_judged_by && image.being_judged_by !== me) {
      var name = isolate(image.being_judged_by.replace(/^oidc:/, ""), "ltr");
      var badge = el("span", "badge judging"), words = t.shared_texts.judging.split("{name}");
      badge.appendChild(document.createTextNode(words[0]));
      badge.appendChild(name);
      badge.appendChild(document.createTextNode(words[1] || ""));
      title.appendChild(badge);
    }
    info.appendChild(title);
    var dl = el("dl");
    field(dl, t.score, numbers.format(image.score) + " " + t.of + " " + numbers.format(image.threshold), "score");
    if (image.review_score) {
      field(dl, t.review_score, numbers.format(image.review_score) + " " + t.of + " " + numbers.format(image.threshold),
        "review-score");
    }
    field(dl, t.reports, numbers.format(image.report_count), "reports");
    field(dl, t.reporters, mix(image.reporters), "reporters");
    field(dl, t.reasons, reasons(image), "reasons");
    field(dl, t.first, when(image.first_reported_at));
    field(dl, t.last, when(image.last_reported_at));
    if (image.hidden_at) field(dl, t.hidden_at, when(image.hidden_at));
    // An editor's `disagree` holds for a while: readers can then only send the photo back to editors.
    if (image.restored_until) field(dl, t.restored_until, when(image.restored_until), "restored-until");
    if (image.notices && image.notices.length) field(dl, nt.on_image, namedBy(image.notices), "notices");
    if (image.article_url) field(dl, t.article_texts.article, article(image), "article");
    info.appendChild(dl);
    info.appendChild(comments(image));
    if (image.hidden) info.appendChild(matches(image));

    var verdicts = el("div", "verdicts");
    if (image.state !== "visible" || image.report_count) {
      verdicts.appendChild(button(t.confirm, heading, function () { act("confirm", image); }, "confirm"));
    }
    // Restoring means something only for a photo that is, or is about to be, taken away or judged.
    if (image.state !== "visible") {
      verdicts.appendChild(button(t.restore, heading, function () { act("restore", image); }, "restore"));
    }
    info.appendChild(verdicts);
    if (image.state !== "visible") info.appendChild(bulk.picker(image));
    var actions = el("div", "actions");
    if (!image.hidden) actions.appendChild(button(t.hide, heading, function () { act("hide", image); }));
    var protect = image.protected ? "unprotect" : "protect";
    actions.appendChild(button(t[protect], heading, function () { act(protect, image); }));
    actions.appendChild(button(t.history, heading, function () { history(id); }));
    info.appendChild(actions);
    item.appendChild(info);
    return item;
  }

  // Undo of the last verdict, for a few seconds (UNDO_SECONDS; a test page may set a shorter window).
  // A confirm is undone by the restore that teaches nothing (`ignore`): the reporters' records are as if
  // it had never been, the photo shows again and its reports stay set aside. A confirm of a photo that
  // was hidden already has no undo: a restore would show what readers' reports had hidden. A restore is
  // undone by the editor's hide; what it taught (`disagree`) or forgot stays, and a photo restored from
  // the queue is hidden rather than queued again: the bar says so.
  // Each undo names the image as the verdict left it (its new ETag): one changed since is left alone.
  var UNDO_SECONDS = window.imgmodUndoSeconds || t.undo_seconds;
  var undo = (function () {
    var words = t.undo_texts, last = null, timer = null;
    var bar = el("div", "undo");
    bar.hidden = true;
    var what = bar.appendChild(el("span", "what"));
    var again = bar.appendChild(el("button", "", words.undo));
    again.type = "button";
    again.addEventListener("click", function () { run(); });
    $("console").appendChild(bar);
    function expire() {
      clearTimeout(timer);
      last = null;
      bar.hidden = true;
    }
    function offer(kind, body, judged, text) {
      expire();
      var undoable = judged.filter(function (one) { return kind === "restore" || !one.before.hidden; });
      var caveats = [];
      if (kind === "restore" && body.verdict === "disagree") caveats.push(words.restore_kept);
      if (kind === "restore" && body.forget_reporters) caveats.push(words.restore_forgot);
      // No verdict puts a photo back in the queue: one restored from it is hidden by its undo.
      if (kind === "restore" && judged.some(function (one) { return !one.before.hidden; })) {
        caveats.push(words.restore_unqueued);
      }
      if (kind === "confirm" && undoable.length < judged.length) caveats.push(words.not_undoable);
      var message = [text].concat(caveats).join(" ");
      // What the undo cannot take back is said on its bar, before the editor uses it.
      if ((kind !== "confirm" && kind !== "restore") || !undoable.length) return say(message);
      say(text);
      last = {kind: kind, images: undoable.map(function (one) { return one.after; })};
      what.textContent = message;
      bar.hidden = false;
      timer = setTimeout(expire, UNDO_SECONDS * 1000);
    }
    function run() {
      var done = last;
      if (!done) return say(words.nothing);
      expire();
      var tally = {done: 0, changed: 0, failed: 0}, failure = null;
      return done.images.reduce(function (previous, image) {
        return previous.then(function () {
          var path = "/v1/admin/images/" + encodeURIComponent(image.image_id) + (done.kind === "confirm" ? "/reset"
            : "/hide");
          var body = done.kind === "confirm" ? {verdict: "ignore", forget_reporters: false, note: words.confirm_note}
            : null;
          return call("POST", path, body, image.etag).then(function () { tally.done++; }, function (error) {
            tally[error.status === 409 ? "changed" : "failed"]++;
            failure = failure || error;
          });
        });
      }, Promise.resolve()).then(function () {
        refresh();
        var one = done.images.length === 1 && done.images[0].image_id;
        if (failure && failure.status !== 409 && (one || failure.status === 401 || failure.status === 403)) {
          return fail(failure);
        }
        if (!one) {
          say(fill(words.bulk_undone, {done: numbers.format(tally.done), changed: numbers.format(tally.changed),
            failed: numbers.format(tally.failed)}));
        } else if (tally.changed) say(fill(words.changed, {id: one}));
        else say(fill(done.kind === "confirm" ? words.undone_confirm : words.undone_restore, {id: one}));
      });
    }
    return {offer: offer, run: run, clear: expire};
  })();

  // The keyboard: j/k move between cards, v shows the photo, c and r ask for a verdict (Enter says
  // yes), a opens the article, ? lists them. The current card stays at its place in the list after a
  // verdict, so the next photo comes up under the same keys.
  var keys = (function () {
    var current = -1, used = false;
    function cards() { return document.querySelectorAll("#list li.card"); }
    function mark(index) {
      var all = cards();
      if (!all.length) { current = -1; return null; }
      current = Math.max(0, Math.min(index, all.length - 1));
      [].forEach.call(all, function (node, i) { node.classList.toggle("current", i === current); });
      var node = all[current];
      node.tabIndex = -1;
      node.focus({preventScroll: true});
      node.scrollIntoView({block: "nearest"});
      return node;
    }
    function press(selector) {
      var node = cards()[current] || mark(0);
      var target = node && node.querySelector(selector);
      if (target) target.click();
    }
    function help() {
      var words = t.keys_texts, box = $("keys");
      if (!box) {
        box = el("dialog");
        box.id = "keys";
        box.setAttribute("aria-labelledby", "keys-title");
        box.appendChild(el("h2", "", words.title)).id = "keys-title";
        var list = el("dl");
        words.keys.forEach(function (pair) {
          var row = el("div");
          row.appendChild(el("dt")).appendChild(el("kbd", "", pair[0]));
          row.appendChild(el("dd", "", pair[1]));
          list.appendChild(row);
        });
        box.appendChild(list);
        var close = el("button", "", words.close);
        close.type = "button";
        close.addEventListener("click", function () { box.close(); });
        box.appendChild(close);
        document.body.appendChild(box);
      }
      box.showModal();
    }
    var ACTIONS = {
      j: function () { mark(current + 1); }, k: function () { mark(current - 1); },
      v: function () { press("button.reveal"); }, c: function () { press("button.confirm"); },
      r: function () { press("button.restore"); }, a: function () { press(".article a"); }, u: undo.run, "?": help
    };
    document.addEventListener("keydown", function (event) {
      var target = event.target, action = ACTIONS[event.key];
      // Ctrl+Z (Cmd+Z) undoes too, outside a text field, where it undoes the typing.
      var undoKey = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey
        && (event.key === "z" || event.key === "Z");
      if (undoKey) action = undo.run;
      else if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
      if (!action || !view.opened || event.isComposing) return;
      if (document.querySelector("dialog[open]") || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)
          || target.isContentEditable) return;
      event.preventDefault();
      used = true;
      action();
    });
    // After a listing is shown: the card at the same place is current again, once the keyboard was used.
    return {shown: function () { if (used) mark(current < 0 ? 0 : current); }};
  })();

  // Several photos, one confirmation: a box on each card of the queue, and a bar with the two verdicts.
  // Each verdict is sent with its image's ETag: one another editor changed meanwhile is left as it is.
  var bulk = (function () {
    var words = t.shared_texts, picked = {};
    var bar = el("div", "bulk");
    bar.hidden = true;
    var count = bar.appendChild(el("span", "count"));
    function verdict(kind) {
      var node = el("button", kind, words[kind]);
      node.type = "button";
      node.addEventListener("click", function () { send(kind); });
      return bar.appendChild(node);
    }
    verdict("confirm");
    verdict("restore");
    $("list").parentNode.insertBefore(bar, $("list"));
    function update() {
      var n = Object.keys(picked).length;
      bar.hidden = n === 0;
      count.textContent = fill(words.selected, {n: numbers.format(n)});
    }
    function send(kind) {
      var images = Object.keys(picked).map(function (id) { return picked[id]; });
      ask(kind, {image_id: ""}, function (given) {
        var tally = {done: 0, changed: 0, failed: 0}, judged = [];
        var body = kind === "confirm" ? {note: given.note} : {note: given.note, forget_reporters: given.forget,
          verdict: given.choice === "ignore" ? "ignore" : "disagree"};
        images.reduce(function (previous, image) {
          return previous.then(function () {
            return call("POST", "/v1/admin/images/" + encodeURIComponent(image.image_id) + PATHS[kind], body,
              image.etag).then(function (now) {
              tally.done++;
              judged.push({before: image, after: now});
            }, function (error) {
              tally[error.status === 409 ? "changed" : "failed"]++;
            });
          });
        }, Promise.resolve()).then(function () {
          picked = {};
          update();
          refresh();
          undo.offer(kind, body, judged, fill(words.result, {done: numbers.format(tally.done),
            changed: numbers.format(tally.changed), failed: numbers.format(tally.failed)}));
        });
      });
      $("ask-title").textContent = fill(words.ask[kind], {n: numbers.format(images.length)});
    }
    return {
      picker: function (image) {
        var label = el("label", "pick"), box = el("input");
        box.type = "checkbox";
        box.addEventListener("change", function () {
          if (box.checked) picked[image.image_id] = image;
          else delete picked[image.image_id];
          update();
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + words.select));
        return label;
      },
      clear: function () { picked = {}; update(); }
    };
  })();

  function show(images, append) {
    if (!append) {
      $("list").textContent = "";
      bulk.clear();  // a new listing: what is selected is what the editor ticks on it
    }
    images.forEach(function (image) { $("list").appendChild(card(image)); });
    if (!$("list").children.length) $("list").appendChild(el("li", "empty", t.empty));
    keys.shown();
  }

  // The notices naming an image, on its card: each reference with its category and where it stands.
  function namedBy(found) {
    var items = el("ul", "named");
    found.forEach(function (notice) {
      var item = el("li");
      item.appendChild(isolate(notice.reference, "ltr"));
      var words = [nt.categories[notice.category] || notice.category, nt.statuses[notice.status]];
      if (notice.action) words.push(nt.actions[notice.action]);
      item.appendChild(document.createTextNode(" — " + words.join(listSeparator())));
      items.appendChild(item);
    });
    return items;
  }

  function elements(names) {
    return names.map(function (name) { return nt.elements[name] || name; }).join(listSeparator());
  }

  // One choice of the decision form: a radio button and its label.
  function choice(group, value, text) {
    var label = el("label", "choice");
    var input = el("input");
    input.type = "radio";
    input.name = group;
    input.value = value;
    input.required = true;
    label.appendChild(input);
    label.appendChild(document.createTextNode(" " + text));
    return label;
  }

  function fieldset(legend, className) {
    var box = el("fieldset", className);
    box.appendChild(el("legend", "", legend));
    return box;
  }

  // The editors' decision on a notice: hide or keep, the ground, their own explanation; the redress the
  // notifier is told of is the site's text, shown as it will be sent.
  function decisionForm(notice, heading) {
    var n = cards;
    var form = el("form", "decision");
    form.setAttribute("aria-labelledby", heading);
    form.appendChild(el("h4", "", nt.decision));
    var action = fieldset(nt.action, "action");
    action.appendChild(choice("action-" + n, "hide", nt.hide));
    action.appendChild(choice("action-" + n, "keep", nt.keep));
    form.appendChild(action);
    var ground = fieldset(nt.ground, "ground");
    ground.appendChild(choice("ground-" + n, "illegal", nt.illegal));
    ground.appendChild(choice("ground-" + n, "terms", nt.terms));
    form.appendChild(ground);
    var label = el("label", "", nt.your_explanation);
    label.htmlFor = "explanation-" + n;
    form.appendChild(label);
    var explanation = el("textarea");
    explanation.id = "explanation-" + n;
    explanation.required = true;
    explanation.maxLength = 2000;
    explanation.rows = 3;
    explanation.dir = "auto";
    form.appendChild(explanation);
    form.appendChild(titled("redress", "h5", nt.redress, "p", t.redress));
    var send = el("button", "primary", nt.send);
    send.type = "submit";
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input[name='action-" + n + "']:checked").value;
      var body = {action: chosen, ground: form.querySelector("input[name='ground-" + n + "']:checked").value,
        explanation: explanation.value.trim()};
      if (!body.explanation) {
        explanation.setCustomValidity(nt.your_explanation);
        explanation.reportValidity();
        explanation.setCustomValidity("");
        return;
      }
      send.disabled = true;
      call("POST", "/v1/admin/notices/" + encodeURIComponent(notice.reference) + "/decision", body).then(function () {
        say(fill(chosen === "hide" ? nt.done_hide : nt.done_keep, {reference: notice.reference}));
        refresh();
      }, function (error) {
        send.disabled = false;
        fail(error);
      });
    });
    return form;
  }

  function noticeCard(notice) {
    var heading = "card-" + (++cards);
    var item = el("li", "card notice " + (notice.complete ? "complete" : "incomplete"));
    item.setAttribute("data-reference", notice.reference);
    var info = el("div", "info");
    var title = el("h3");
    title.id = heading;
    var words = nt.heading.split("{reference}");
    title.appendChild(document.createTextNode(words[0]));
    title.appendChild(isolate(notice.reference, "ltr"));
    title.appendChild(document.createTextNode(words[1] || ""));
    title.appendChild(el("span", "badge completeness", notice.complete ? nt.complete : nt.incomplete));
    info.appendChild(title);
    var dl = el("dl");
    field(dl, nt.category, nt.categories[notice.category] || notice.category, "category");
    field(dl, nt.received, when(notice.received_at), "received");
    var link = el("a", "location");
    link.href = notice.location;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.appendChild(isolate(notice.location, "ltr"));
    field(dl, nt.location, link, "location");
    if (notice.law) {
      var law = el("span", "", notice.law);
      law.dir = "auto";
      field(dl, nt.law, law, "law");
    }
    field(dl, nt.completeness, notice.complete ? nt.all_there : fill(nt.missing, {elements: elements(notice.missing)}),
      "completeness");
    info.appendChild(dl);
    info.appendChild(titled("explanation", "h4", nt.explanation, "blockquote", notice.explanation));
    var images = el("div", "images");
    images.appendChild(el("h4", "", nt.images));
    var items = el("ul");
    notice.images.forEach(function (image) {
      var entry = el("li");
      entry.appendChild(imageLink(image.image_id));
      entry.appendChild(document.createTextNode(" "));
      entry.appendChild(el("span", "badge state", t.states[image.state] || image.state));
      items.appendChild(entry);
    });
    images.appendChild(items);
    info.appendChild(images);
    if (notice.status === "received") info.appendChild(decisionForm(notice, heading));
    item.appendChild(info);
    return item;
  }

  function showNotices(found, append) {
    if (!append) $("list").textContent = "";
    found.forEach(function (notice) { $("list").appendChild(noticeCard(notice)); });
    if (!$("list").children.length) $("list").appendChild(el("li", "empty", nt.empty));
  }

  function pressed(state) {
    [].forEach.call(document.querySelectorAll(".states button"), function (node) {
      node.setAttribute("aria-pressed", String(node.getAttribute("data-state") === state));
    });
  }

  // Only the answer to the latest question is shown: a slow earlier listing must not overwrite it.
  function latest(handle) {
    var asked = ++view.asked;
    return function (answer) { if (asked === view.asked) handle(answer); };
  }

  function list(state, cursor) {
    if (!cursor && (view.state !== state || view.found)) clearHistory();
    view.state = state;
    view.found = null;
    pressed(state);
    var after = cursor ? "&cursor=" + encodeURIComponent(cursor) : "";
    var path = state === "notices" ? "/v1/admin/notices?limit=25&status=received" + after
      : "/v1/admin/images?limit=25&state=" + state + after;
    return call("GET", path).then(latest(function (page) {
      if (state === "notices") showNotices(page.notices, !!cursor);
      else show(page.images, !!cursor);
      view.cursor = page.next_cursor;
      $("more").hidden = !page.next_cursor;
    }), fail);
  }

  function find(id) {
    if (view.found !== id) clearHistory();  // a new search: the previous image's history goes
    view.found = id;
    pressed(null);
    $("more").hidden = true;
    return call("GET", "/v1/admin/images/" + encodeURIComponent(id)).then(latest(function (image) {
      show([image]);
    }), fail);
  }

  // "#image=<id>" (a link from another card, or a bookmark) shows that image; true if it named one.
  function fromAddress() {
    var named = /^#image=(.+)$/.exec(location.hash);
    if (!named) return false;
    try {
      $("find").value = decodeURIComponent(named[1]);
    } catch (error) {
      return false;  // not percent-encoded as this console writes it
    }
    find($("find").value);
    return true;
  }

  function refresh() {
    totals();
    if (view.history) history(view.history);
    return view.found ? find(view.found) : list(view.state || QUEUE[0]);
  }

  // The confirmation dialog: resolves with the editor's choice, or nothing when they step back.
  var asking = null;

  // This editor has the image open: the others see their name on it for a few minutes (a hint, not a lock).
  function judging(id) {
    if (!id) return;  // several images at once (a bulk verdict): no one image is open
    call("PUT", "/v1/admin/judging?image_id=" + encodeURIComponent(id)).then(null, function () {});
  }

  function ask(kind, image, done) {
    judging(image.image_id);
    var words = t.ask[kind === "hide" ? "hide" : kind];
    $("ask-title").textContent = fill(words.title, {id: image.image_id});
    $("ask-help").textContent = words.help;
    $("ask-yes").textContent = words.yes;
    $("ask-ignore").textContent = words.ignore || "";
    $("ask-ignore").hidden = !words.ignore;
    $("ask-forget-label").hidden = kind !== "restore";
    $("ask-forget").checked = false;
    $("ask-note").value = "";
    $("ask-note").hidden = $("ask-note-label").hidden = kind === "hide";  // a hide takes no note
    asking = {done: done, opener: document.activeElement};
    $("ask").showModal();
    (kind === "hide" ? $("ask-cancel") : $("ask-note")).focus();
  }

  function answer(choice) {
    var pending = asking;
    asking = null;
    if ($("ask").open) $("ask").close();
    if (!pending) return;
    if (pending.opener && pending.opener.isConnected) pending.opener.focus();
    if (choice) pending.done({choice: choice, note: $("ask-note").value.trim(), forget: $("ask-forget").checked});
  }

  var PATHS = {confirm: "/confirm", restore: "/reset", hide: "/hide", protect: "/protection", unprotect: "/protection"};

  function act(kind, image) {
    var id = image.image_id;
    function send(body) {
      var method = kind === "protect" || kind === "unprotect" ? "PUT" : "POST";
      call(method, "/v1/admin/images/" + encodeURIComponent(id) + PATHS[kind], body, image.etag).then(function (now) {
        undo.offer(kind, body, [{before: image, after: now}], fill(t.done[kind], {id: id}));
        refresh();
      }, function (error) {
        if (error.status !== 409 || !error.current) return fail(error);
        // Another editor acted first: show the image as it is now, in place, instead of overwriting.
        var old = document.querySelector('li.card[data-image-id="' + CSS.escape(id) + '"]');
        var fresh = card(error.current);
        fresh.classList.add("changed");
        if (old) old.replaceWith(fresh);
        say(t.sign_in_texts.changed);
        history(id);
      });
    }
    if (kind === "protect" || kind === "unprotect") return send({protected: kind === "protect"});
    ask(kind, image, function (given) {
      if (kind === "hide") send(null);
      else if (kind === "confirm") send({note: given.note});
      else {
        send({note: given.note, forget_reporters: given.forget,
          verdict: given.choice === "ignore" ? "ignore" : "disagree"});
      }
    });
  }

  function number(value) { return typeof value === "number" ? numbers.format(value) : String(value); }

  // One event's detail as sentences in the editor's language; the editor's note as they wrote it.
  function describe(event, cell) {
    var d = event.detail, w = t.details, parts = [];
    function add(text, values) { if (text) parts.push(fill(text, values || {})); }
    switch (event.type) {
    case "hidden":
      add(w.hidden, {count: number(d.report_count), score: number(d.score)});
      break;
    case "reset":
      add(w.previous, {count: number(d.previous_count)});
      if (d.was_hidden) add(w.was_hidden);
      if (d.was_in_review) add(w.was_in_review);
      add(d.verdict === "ignore" ? w.ignore : w.disagree, {count: number(d.disagreed_reporters || 0)});
      if (d.forget_reporters) add(w.forgot);
      break;
    case "confirmed":
      add(w.agreed, {count: number(d.agreed_reporters || 0)});
      if (d.already_hidden) add(w.already_hidden);
      break;
    case "manual_hide":
      if (d.already_hidden) add(w.already_hidden);
      break;
    case "protected":
    case "unprotected":
      if (d.changed === false) add(w.no_change);
      if (d.cancelled_pending_hide) add(w.cancelled);
      break;
    case "review":
      add(d.brake ? w.brake : w.review, {score: number(d.brake ? d.score : d.review_score)});
      break;
    case "matched":
      break;
    default:  // an event this console does not know yet: its fields, as the API gives them
      Object.keys(d).forEach(function (key) { if (key !== "note") parts.push(key + ": " + JSON.stringify(d[key])); });
    }
    cell.appendChild(document.createTextNode(parts.join(lang === "ar" ? "؛ " : "; ")));
    if (event.type === "matched" && d.source) {
      var parts2 = w.matched.split("{source}");
      cell.appendChild(document.createTextNode(parts2[0]));
      cell.appendChild(isolate(d.source, "ltr"));
      cell.appendChild(document.createTextNode(parts2[1] || ""));
    }
    if (d.note) {
      var note = el("span", "note", (parts.length ? " — " : "") + w.note + " ");
      note.appendChild(el("q", "", d.note)).dir = "auto";
      cell.appendChild(note);
    }
  }

  function history(id) {
    view.history = id;
    call("GET", "/v1/admin/audit?limit=100&image_id=" + encodeURIComponent(id)).then(function (data) {
      if (view.history !== id) return;  // another image was asked for meanwhile
      var body = $("history").querySelector("tbody");
      body.textContent = "";
      data.events.forEach(function (event) {
        var row = el("tr");
        row.setAttribute("data-type", event.type);
        row.appendChild(el("td")).appendChild(when(event.at));
        row.appendChild(el("td", "", t.events[event.type] || event.type));
        row.appendChild(el("td")).appendChild(event.actor === "system" ? el("span", "", t.system)
          : isolate(event.actor));
        describe(event, row.appendChild(el("td", "detail")));
        body.appendChild(row);
      });
      if (!data.events.length) {
        var empty = el("tr");
        empty.appendChild(el("td", "", t.no_events)).colSpan = 4;
        body.appendChild(empty);
      }
      var wasHidden = $("history").hidden;
      var title = $("history-title");
      title.textContent = "";
      var words = t.history_of.split("{id}");
      title.appendChild(document.createTextNode(words[0]));
      title.appendChild(isolate(id, "ltr"));
      title.appendChild(document.createTextNode(words[1] || ""));
      $("history").hidden = false;
      if (wasHidden) title.focus();
    }, fail);
  }

  if (channel) {
    channel.onmessage = function (message) {
      var data = message.data || {};
      if (data.ask && token()) channel.postMessage({token: token()});
      else if (data.token && !token()) {
        sessionStorage.setItem(KEY, data.token);
        open();
      } else if (data.forget && token()) signOut("");
    };
  }

  $("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    open();
  });
  $("sign-out").addEventListener("click", function () {
    if (channel) channel.postMessage({forget: true});
    signOut("");
  });
  window.addEventListener("hashchange", function () { if (view.opened) fromAddress(); });
  $("refresh").addEventListener("click", refresh);
  $("more").addEventListener("click", function () { list(view.state, view.cursor); });
  $("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    find($("find").value.trim());
  });
  [].forEach.call(document.querySelectorAll(".states button"), function (node) {
    node.addEventListener("click", function () { list(node.getAttribute("data-state")); });
  });
  $("ask-yes").addEventListener("click", function () { answer("yes"); });
  $("ask-ignore").addEventListener("click", function () { answer("ignore"); });
  $("ask-cancel").addEventListener("click", function () { answer(null); });
  $("ask-note").addEventListener("keydown", function (event) {  // Enter says yes: two keys per verdict
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      answer("yes");
    }
  });
  $("ask").addEventListener("close", function () { answer(null); });  // Escape
  // Signed in with the newsroom's account? The session answers (its cookie is HttpOnly: no script reads it).
  function fromSession() {
    return fetch("/v1/admin/session", {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (found) {
      if (!found || !found.csrf_token || token()) return;
      session = found;
      $("sign-out").title = t.sign_in_texts.signed_in_as + " " + found.actor.replace(/^oidc:/, "");
      $("sign-out").textContent = t.sign_in_texts.sign_out;  // no token to forget
      open();
    }, function () {});
  }

  if (token()) open();
  else {
    fromSession();
    if (channel) channel.postMessage({ask: true});  // another console tab of this browser may hold it
  }
})();
