/* The editors' console: the admin API, with the token kept in this tab's sessionStorage only. */
(function () {
  "use strict";
  var KEY = "imgmod.adminToken";
  var t = JSON.parse(document.getElementById("texts").textContent);
  var lang = document.documentElement.lang;
  var dates = new Intl.DateTimeFormat(lang === "ar" ? "ar-MA" : lang, {dateStyle: "medium", timeStyle: "short"});
  var view = {state: "hidden", cursor: null, found: null, history: null, asked: 0};
  var cards = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function call(method, path, body) {
    var options = {method: method, headers: {Authorization: "Bearer " + sessionStorage.getItem(KEY)},
      credentials: "omit", cache: "no-store"};
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        var error = new Error(data.message || String(response.status));
        error.status = response.status;
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

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    $("console").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("list").textContent = "";
    $("history").hidden = true;
    $("sign-in-error").textContent = message || "";
    $("token").focus();
  }

  function open() {
    $("sign-in").hidden = true;
    $("console").hidden = false;
    $("sign-out").hidden = false;
    $("sign-in-error").textContent = "";
    return list(view.state);
  }

  function when(iso) {
    var node = el("time", "", iso ? dates.format(new Date(iso)) : "—");
    if (iso) node.dateTime = iso;
    return node;
  }

  function field(dl, name, value) {
    var row = el("div");
    row.appendChild(el("dt", "", name));
    var dd = el("dd");
    if (typeof value === "string") dd.textContent = value;
    else dd.appendChild(value);
    row.appendChild(dd);
    dl.appendChild(row);
  }

  function reasons(image) {
    return Object.keys(image.reasons).sort(function (a, b) { return image.reasons[b] - image.reasons[a]; })
      .map(function (reason) { return (t.reason_names[reason] || reason) + " " + image.reasons[reason]; })
      .join(lang === "ar" ? "، " : ", ") || "—";
  }

  function button(text, heading, action) {
    var node = el("button", "", text);
    node.type = "button";
    node.setAttribute("aria-describedby", heading);
    node.addEventListener("click", action);
    return node;
  }

  function card(image) {
    var id = image.image_id, heading = "card-" + (++cards);
    var item = el("li", "card state-" + image.state);
    item.setAttribute("data-image-id", id);
    var thumb = el("div", "thumb");
    if (image.hidden) {
      var img = el("img");
      img.src = "/v1/images/" + encodeURIComponent(id) + "/placeholder";
      img.alt = "";
      thumb.appendChild(img);
    } else {
      thumb.appendChild(el("span", "no-thumb", t.states[image.state]));
    }
    item.appendChild(thumb);
    var info = el("div", "info");
    var title = el("h3");
    title.id = heading;
    var code = el("code", "", id);
    code.dir = "ltr";
    title.appendChild(code);
    title.appendChild(el("span", "badge state", t.states[image.state]));
    if (image.protected) title.appendChild(el("span", "badge protected", t.protected_badge));
    info.appendChild(title);
    var dl = el("dl");
    field(dl, t.reports, image.report_count + " " + t.of + " " + image.threshold);
    field(dl, t.reasons, reasons(image));
    field(dl, t.first, when(image.first_reported_at));
    field(dl, t.last, when(image.last_reported_at));
    if (image.hidden_at) field(dl, t.hidden_at, when(image.hidden_at));
    info.appendChild(dl);

    var actions = el("div", "actions");
    var reset = el("details", "reset");
    reset.appendChild(el("summary", "", t.reset));
    var forgetLabel = el("label"), forget = el("input");
    forget.type = "checkbox";
    forgetLabel.appendChild(forget);
    forgetLabel.appendChild(document.createTextNode(" " + t.forget));
    var noteLabel = el("label", "", t.note + " "), note = el("input");
    note.maxLength = 500;
    noteLabel.appendChild(note);
    reset.appendChild(forgetLabel);
    reset.appendChild(noteLabel);
    reset.appendChild(button(t.reset_now, heading, function () {
      act("reset", id, {forget_reporters: forget.checked, note: note.value});
    }));
    actions.appendChild(reset);
    if (!image.hidden) actions.appendChild(button(t.hide, heading, function () { act("hide", id); }));
    var protect = image.protected ? "unprotect" : "protect";
    actions.appendChild(button(t[protect], heading, function () { act(protect, id, {protected: !image.protected}); }));
    actions.appendChild(button(t.history, heading, function () { history(id); }));
    info.appendChild(actions);
    item.appendChild(info);
    return item;
  }

  function show(images, append) {
    if (!append) $("list").textContent = "";
    images.forEach(function (image) { $("list").appendChild(card(image)); });
    if (!$("list").children.length) $("list").appendChild(el("li", "empty", t.empty));
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
    view.state = state;
    view.found = null;
    pressed(state);
    var path = "/v1/admin/images?limit=25&state=" + state + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
    return call("GET", path).then(latest(function (page) {
      show(page.images, !!cursor);
      view.cursor = page.next_cursor;
      $("more").hidden = !page.next_cursor;
    }), fail);
  }

  function find(id) {
    view.found = id;
    pressed(null);
    $("more").hidden = true;
    return call("GET", "/v1/admin/images/" + encodeURIComponent(id)).then(latest(function (image) {
      show([image]);
    }), fail);
  }

  function refresh() {
    if (view.history) history(view.history);
    return view.found ? find(view.found) : list(view.state);
  }

  function act(kind, id, body) {
    var path = "/v1/admin/images/" + encodeURIComponent(id) +
      (kind === "reset" ? "/reset" : kind === "hide" ? "/hide" : "/protection");
    var method = kind === "protect" || kind === "unprotect" ? "PUT" : "POST";
    call(method, path, body).then(function () {
      say(t.done[kind].replace("{id}", id));
      refresh();
    }, fail);
  }

  function history(id) {
    view.history = id;
    call("GET", "/v1/admin/audit?limit=100&image_id=" + encodeURIComponent(id)).then(function (data) {
      var body = $("history").querySelector("tbody");
      body.textContent = "";
      data.events.forEach(function (event) {
        var row = el("tr");
        row.appendChild(el("td")).appendChild(when(event.at));
        row.appendChild(el("td", "", t.events[event.type] || event.type));
        row.appendChild(el("td", "", event.actor));
        row.appendChild(el("td", "", Object.keys(event.detail).map(function (key) {
          return key + ": " + JSON.stringify(event.detail[key]);
        }).join("; ")));
        body.appendChild(row);
      });
      if (!data.events.length) {
        var empty = el("tr");
        empty.appendChild(el("td", "", t.no_events)).colSpan = 4;
        body.appendChild(empty);
      }
      var wasHidden = $("history").hidden;
      $("history-title").textContent = t.history_of.replace("{id}", id);
      $("history").hidden = false;
      if (wasHidden) $("history-title").focus();
    }, fail);
  }

  $("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    open();
  });
  $("sign-out").addEventListener("click", function () { signOut(""); });
  $("refresh").addEventListener("click", refresh);
  $("more").addEventListener("click", function () { list(view.state, view.cursor); });
  $("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    find($("find").value.trim());
  });
  [].forEach.call(document.querySelectorAll(".states button"), function (node) {
    node.addEventListener("click", function () { list(node.getAttribute("data-state")); });
  });
  if (sessionStorage.getItem(KEY)) open();
})();
