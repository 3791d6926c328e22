/* imgmod widget 2.1.0: a report control on each image marked data-image-id, and placeholders for hidden ones.
   Serve your own copy (GET /v1/widget.js of your imgmod, kept current) and point it at imgmod with data-api:
   <script src="/js/imgmod-widget.js" data-api="https://IMGMOD" data-lang="ar" defer></script>
   <img data-image-id="news/2024/05/hero.jpg" data-src="https://cdn.example/hero.jpg" alt="...">
   <picture><source type="image/webp" data-srcset="hero.webp"><img data-image-id="..." data-src="hero.jpg" alt="..."></picture>
   Every image is looked up (also those added later; window.imgmod.scan(element) rescans a fragment). When imgmod
   cannot answer within 2 s, photos are shown, hidden ones too, unless the script has data-fail="closed". */
(function () {
  "use strict";
  var VERSION = "2.1.0";
  var script = document.currentScript || document.querySelector("script[data-api][src*='widget']");
  if (!script || window.imgmod) return;

  var REASONS = ["nudity", "violence", "hate", "spam", "misleading", "copyright", "other"];
  var TEXT = {
    ar: {report: "إبلاغ", about: "إبلاغ عن الصورة", title: "لماذا تبلغ عن هذه الصورة؟", send: "إرسال",
      cancel: "إلغاء", hidden: "حُجبت هذه الصورة بعد إبلاغات القراء",
      failed: "تعذر إرسال الإبلاغ. حاول مرة أخرى بعد قليل.",
      reported: "تم الإبلاغ", already: "سبق أن أبلغت عن هذه الصورة. شكرا لك.",
      limited: "أرسلت عدة إبلاغات في وقت قصير. يمكنك الإبلاغ عن صور أخرى لاحقا.",
      reasons: ["عري", "عنف", "كراهية", "محتوى مزعج", "مضللة", "حقوق المؤلف", "سبب آخر"],
      comment: "تعليق (اختياري)", left: "الأحرف المتبقية: {n}"},
    fr: {report: "Signaler", about: "Signaler l'image", title: "Pourquoi signalez-vous cette image ?",
      send: "Envoyer", cancel: "Annuler", hidden: "Image masquée après des signalements de lecteurs",
      failed: "Le signalement n'a pas pu être envoyé. Réessayez dans un instant.",
      reported: "Signalée", already: "Vous avez déjà signalé cette image. Merci.",
      limited: "Vous avez envoyé plusieurs signalements en peu de temps. Vous pourrez signaler d'autres images plus tard.",
      reasons: ["Nudité", "Violence", "Haine", "Spam", "Trompeuse", "Droit d'auteur", "Autre raison"],
      comment: "Commentaire (facultatif)", left: "Caractères restants : {n}"},
    en: {report: "Report", about: "Report the image", title: "Why are you reporting this image?", send: "Send",
      cancel: "Cancel", hidden: "Image hidden after readers' reports",
      failed: "The report could not be sent. Please try again in a moment.",
      reported: "Reported", already: "You have already reported this image. Thank you.",
      limited: "You have sent several reports in a short time. You can report other images later.",
      reasons: ["Nudity", "Violence", "Hate", "Spam", "Misleading", "Copyright", "Other"],
      comment: "Comment (optional)", left: "Characters left: {n}"}
  };
  // The widget's own elements live in shadow roots: the page's styles do not reach them, theirs do not leak
  // out. Styles through one constructed sheet: a strict Content-Security-Policy forbids <style> and style="".
  var CSS = ":host{all:initial}" +
    // The report bar under a block photo; over the corner of an inline one (a zero-size box: rows stay rows).
    ":host(.imgmod-control){display:block;margin:.4em 0;font:.9rem/1.5 system-ui,sans-serif}" +
    ":host(.imgmod-control.imgmod-inline){display:inline-block;position:relative;width:0;height:0;margin:0;" +
    "vertical-align:top;overflow:visible}" +
    ".imgmod-bar{display:flex;flex-wrap:wrap;align-items:center;gap:.6em}" +
    ":host(.imgmod-inline) .imgmod-bar{position:absolute;top:4px;right:4px;flex-direction:column;align-items:flex-end;" +
    "width:max-content;max-width:16em;gap:.3em}" +
    ":host(.imgmod-inline.imgmod-page-rtl) .imgmod-bar{right:auto;left:4px;align-items:flex-start}" +
    ".imgmod-report{font:inherit;padding:.15em .8em;border:1px solid #a61b1b;border-radius:1em;background:#fff;" +
    "color:#a61b1b;cursor:pointer;white-space:nowrap}.imgmod-report:hover{background:#fbeaea}" +
    ".imgmod-report.imgmod-icon{padding:0;width:1.8em;height:1.8em;line-height:1.6em;text-align:center}" +
    ".imgmod-report.imgmod-done{border-color:#1f5f2e;color:#1f5f2e}" +
    ".imgmod-report:focus-visible,.imgmod-dialog :focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}" +
    ".imgmod-status{color:#1f5f2e}.imgmod-status.imgmod-error{color:#a61b1b}" +
    ":host(.imgmod-inline) .imgmod-status:not(:empty){padding:.3em .6em;border-radius:6px;background:#fff;" +
    "box-shadow:0 2px 8px rgba(0,0,0,.3);font-size:.85rem}" +
    // A hidden image: its frame (the image stays in the page, slotted) and an overlay that never spills.
    ":host(.imgmod-hidden){position:relative;display:inline-block;max-width:100%;line-height:0}" +
    ":host(.imgmod-hidden.imgmod-block){display:block}" +
    ".imgmod-overlay{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;overflow:hidden;" +
    "padding:1em;text-align:center;background:rgba(20,20,20,.55);color:#fff;font:600 1rem/1.5 system-ui,sans-serif}" +
    ".imgmod-overlay.imgmod-icon{padding:0;font-size:1.2rem}" +
    ".imgmod-dialog{max-width:22em;border:0;border-radius:10px;padding:1.2em 1.4em;color:#111;background:#fff;" +
    "box-shadow:0 10px 40px rgba(0,0,0,.35);font:1rem/1.5 system-ui,sans-serif;text-align:start}" +
    ".imgmod-dialog::backdrop{background:rgba(0,0,0,.45)}" +
    ".imgmod-dialog h2{font:700 1.1em/1.4 system-ui,sans-serif;margin:0 0 .6em;padding:0;color:inherit}" +
    ".imgmod-dialog fieldset{border:0;margin:0;padding:0}.imgmod-dialog label{display:flex;gap:.5em;padding:.2em 0}" +
    ".imgmod-actions{display:flex;gap:.6em;justify-content:flex-end;margin-top:1em}" +
    ".imgmod-dialog textarea{box-sizing:border-box;width:100%;height:4.5em;font:inherit;color:#111;background:#fff}" +
    ".imgmod-left{font-size:.85em;margin:0}" +
    ".imgmod-actions button{font:inherit;padding:.3em 1em;border-radius:6px;border:1px solid #888;background:#f4f4f4;" +
    "color:#111}.imgmod-actions .imgmod-send{background:#a61b1b;border-color:#a61b1b;color:#fff}";
  // The contract's image id (v2), the very expression of the API's schema (service/web/schemas/common.py IMAGE_ID_PATTERN).
  var ID_PATTERN = "^[\\p{L}\\p{N}][\\p{L}\\p{N}._:~/-]*$";
  var ID, ID_FORM = "1-200 letters and digits of any script, and . _ : ~ - /, starting with a letter or digit";
  try {
    ID = new RegExp(ID_PATTERN, "u");
  } catch (e) { // a browser without Unicode property escapes: imgmod judges the ids itself
    ID = /^[^\s\/._:~-][^\s]*$/;
  }
  var MAX_IDS = 100;        // the API's limit per bulk lookup
  var MAX_URL = 1900;       // bytes per lookup URL: cacheable everywhere, far below any server's or CDN's limit
  var TIMEOUT = 2000;       // ms: then imgmod counts as unreachable and the photos are shown (3 s promise)
  var BURST = 50;           // ms: images added to the page within this time share one lookup

  var api = (script.getAttribute("data-api") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "ar").slice(0, 2).toLowerCase();
  if (!TEXT[lang]) lang = "ar";
  var failClosed = script.getAttribute("data-fail") === "closed";
  var t = TEXT[lang];
  var dir = lang === "ar" ? "rtl" : "ltr";
  var sheet = null, dialog, current, queued = [], timer = null, waiting = [];
  // Ids are keys of Maps, never of plain objects: "constructor" or "toString" is an id like any other.
  var known = new Map();  // id -> hidden, as imgmod last answered on this page

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function shadow(host) {
    var root = host.attachShadow({mode: "open"});
    if (sheet === null && "adoptedStyleSheets" in document) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    if (sheet) root.adoptedStyleSheets = [sheet];
    return root;
  }

  function idOf(img) { return img.getAttribute("data-image-id"); }

  function length(text) { return Array.from ? Array.from(text).length : text.length; }

  function small(img) {
    var width = +img.getAttribute("width") || img.getBoundingClientRect().width;
    var height = +img.getAttribute("height") || img.getBoundingClientRect().height;
    return (width > 0 && width < 200) || (height > 0 && height < 100);
  }

  // The element that stands in the page for an image: its <picture> when it has one.
  function outer(img) {
    return img.parentNode && img.parentNode.nodeName === "PICTURE" ? img.parentNode : img;
  }

  function isBlock(img) {
    var node = outer(img).parentNode;
    var parent = node && node.nodeType === 1 ? getComputedStyle(node).display : "";
    return getComputedStyle(img).display === "block" && !/flex|grid/.test(parent);
  }

  function pageRtl(img) { return getComputedStyle(img).direction === "rtl"; }

  // Only now does the browser fetch the original: a hidden image's bytes are never requested.
  function show(img) {
    var picture = outer(img) !== img ? outer(img) : null;
    if (picture) {
      [].forEach.call(picture.children, function (source) {
        if (source.nodeName !== "SOURCE") return;
        var sizes = source.getAttribute("data-sizes"), srcset = source.getAttribute("data-srcset");
        if (sizes) source.sizes = sizes;
        if (srcset) source.srcset = srcset;
      });
    }
    var sizes = img.getAttribute("data-sizes"), srcset = img.getAttribute("data-srcset"), src = img.getAttribute("data-src");
    if (sizes) img.sizes = sizes;
    if (srcset) img.srcset = srcset;
    if (src) img.src = src;
  }

  function placeholderUrl(id) {
    return api + "/v1/images/" + encodeURIComponent(id) + "/placeholder";
  }

  function hide(img, id) {
    var host = el("span", "imgmod-hidden" + (isBlock(img) ? " imgmod-block" : ""));
    var icon = small(img), box = outer(img);
    box.parentNode.insertBefore(host, box);
    host.appendChild(box);
    var root = shadow(host);
    root.appendChild(el("slot"));
    if (box !== img) {
      [].forEach.call(box.querySelectorAll("source"), function (source) { source.removeAttribute("srcset"); });
    }
    img.removeAttribute("srcset");
    img.removeAttribute("sizes");
    img.src = placeholderUrl(id);
    img.alt = t.hidden;
    var overlay = el("span", icon ? "imgmod-overlay imgmod-icon" : "imgmod-overlay", icon ? "\u2298" : t.hidden);
    overlay.setAttribute("aria-hidden", "true");
    overlay.title = t.hidden;
    overlay.lang = lang;
    overlay.dir = dir;
    root.appendChild(overlay);
  }

  function originalUrl(img) {
    var raw = img.getAttribute("data-image-url") || img.getAttribute("data-src") || img.getAttribute("src");
    try {
      var url = new URL(raw, document.baseURI);
      return /^https?:$/.test(url.protocol) && url.href.length <= 2000 ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  // A reader's reports, remembered per image in this browser: an image reported once shows that, not a form.
  var STORE = "imgmod:reported:";
  function reported(id) {
    try { return window.localStorage.getItem(STORE + id) !== null; } catch (e) { return false; }
  }
  function remember(id) {
    try { window.localStorage.setItem(STORE + id, String(Date.now())); } catch (e) { /* storage refused */ }
  }

  function label(target) {
    var done = reported(target.id), button = target.button;
    button.textContent = "";
    button.classList.toggle("imgmod-done", done);
    var flag = el("span", "", done ? "\u2713" : "\u2691");
    flag.setAttribute("aria-hidden", "true");
    button.appendChild(flag);
    var words = done ? t.reported : t.report;
    if (!target.icon) button.appendChild(document.createTextNode(" " + words));
    button.setAttribute("aria-label", words + (target.img.alt ? ": " + target.img.alt : ""));
    if (target.icon) button.title = words;
    else button.removeAttribute("title");
  }

  function addControl(img, id) {
    var host = el("span", "imgmod-control");
    var target = {img: img, id: id, host: host};
    var root = shadow(host);
    var bar = el("span", "imgmod-bar");
    bar.lang = lang;
    bar.dir = dir;
    var button = target.button = el("button", "imgmod-report");
    button.type = "button";
    var status = target.status = el("span", "imgmod-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    bar.appendChild(button);
    bar.appendChild(status);
    root.appendChild(bar);
    var box = outer(img);
    box.parentNode.insertBefore(host, box.nextSibling);
    fit(target);
    img.addEventListener("load", function () { fit(target); });
    button.addEventListener("click", function () {
      current = target;
      if (reported(id)) say(target, t.already, false);
      else ask();
    });
  }

  // Under a block photo a bar; over the corner of an inline image (a row of thumbnails stays a row); small: an icon.
  function fit(target) {
    var img = target.img, host = target.host, inline = !isBlock(img);
    host.classList.toggle("imgmod-inline", inline);
    host.classList.toggle("imgmod-page-rtl", inline && pageRtl(img));
    target.icon = small(img);
    target.button.classList.toggle("imgmod-icon", target.icon);
    target.button.setAttribute("aria-haspopup", reported(target.id) ? "false" : "dialog");
    label(target);
  }

  function buildDialog() {
    var host = el("div", "imgmod-dialog-host");
    var root = shadow(host);
    dialog = el("dialog", "imgmod-dialog");
    dialog.lang = lang;
    dialog.dir = dir;
    dialog.setAttribute("aria-labelledby", "imgmod-dialog-title");
    var form = el("form");
    form.method = "dialog";
    var title = el("h2", "", t.title);
    title.id = "imgmod-dialog-title";
    var group = el("fieldset");
    group.setAttribute("aria-labelledby", "imgmod-dialog-title");
    REASONS.forEach(function (reason, i) {
      var row = el("label"), radio = el("input");
      radio.type = "radio";
      radio.name = "imgmod-reason";
      radio.value = reason;
      radio.required = true;
      row.appendChild(radio);
      row.appendChild(document.createTextNode(t.reasons[i]));
      group.appendChild(row);
    });
    // An optional comment, up to the API's 500 characters, counted.
    var commentLabel = el("label", "", t.comment), comment = el("textarea"), left = el("p", "imgmod-left");
    comment.id = commentLabel.htmlFor = "imgmod-text";
    comment.maxLength = 500;
    comment.dir = "auto";
    comment.setAttribute("aria-describedby", left.id = "imgmod-left");
    function count() { left.textContent = t.left.replace("{n}", 500 - comment.value.length); }
    comment.oninput = count;
    form.onreset = function () { setTimeout(count); };  // once the form has emptied it
    count();
    var actions = el("div", "imgmod-actions");
    var send = el("button", "imgmod-send", t.send);
    send.value = "send";
    var cancel = el("button", "imgmod-cancel", t.cancel);
    cancel.value = "cancel";
    cancel.formNoValidate = true;
    actions.appendChild(send);
    actions.appendChild(cancel);
    form.appendChild(title);
    form.appendChild(group);
    form.appendChild(commentLabel);
    form.appendChild(comment);
    form.appendChild(left);
    form.appendChild(actions);
    dialog.appendChild(form);
    dialog.addEventListener("close", function () {
      var chosen = form.querySelector("input:checked");
      if (dialog.returnValue === "send" && chosen && current) post(current, chosen.value, comment.value.trim());
      if (current) current.button.focus();
    });
    root.appendChild(dialog);
    document.body.appendChild(host);
  }

  function ask() {
    if (!dialog) buildDialog();
    dialog.querySelector("form").reset();
    dialog.returnValue = "";
    dialog.showModal();
  }

  function say(target, text, failed, answerLang) {
    target.status.classList.toggle("imgmod-error", !!failed);
    target.status.lang = answerLang || lang;
    target.status.dir = (answerLang || lang) === "ar" ? "rtl" : "ltr";
    target.status.textContent = text;
  }

  function post(target, reason, comment) {
    var body = {image_id: target.id, reason: reason};
    var url = originalUrl(target.img);
    if (url) body.image_url = url;
    if (comment) body.comment = comment;
    var article = location.origin + location.pathname;  // no query or fragment: they may name the reader
    if (/^https?:$/.test(location.protocol) && article.length <= 2000) body.article_url = article;
    fetch(api + "/v1/reports?lang=" + lang, {method: "POST", mode: "cors", credentials: "omit",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        remember(target.id);
        fit(target);
        say(target, answer.message, false, answer.lang);
      }, function (status) {
        // 429: this reader sent many reports lately; nothing to retry now, and no alarm either.
        if (status === 429) say(target, t.limited, false);
        else say(target, t.failed, true);
      });
  }

  // Each lookup URL stays under MAX_URL bytes (and MAX_IDS ids): cacheable, and far from any request-line limit.
  function encodeId(id) { return encodeURIComponent(id).replace(/%3A/g, ":").replace(/%2F/g, "/"); }

  function batches(ids) {
    var base = api + "/v1/images?", out = [], batch = [], size = base.length;
    ids.forEach(function (id) {
      var part = "id=" + encodeId(id);
      if (batch.length && (batch.length === MAX_IDS || size + 1 + part.length > MAX_URL)) {
        out.push(batch);
        batch = [];
        size = base.length;
      }
      size += (batch.length ? 1 : 0) + part.length;
      batch.push(id);
    });
    if (batch.length) out.push(batch);
    return out.map(function (ids) {
      return {ids: ids, url: base + ids.map(function (id) { return "id=" + encodeId(id); }).join("&")};
    });
  }

  // One lookup: a Map id -> hidden from imgmod, or a rejection (unreachable, time-out, an answer that is not a 2xx).
  function get(batch) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var stop = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT);
    var done = function () { clearTimeout(stop); };
    var expired = new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error("time-out")); }, TIMEOUT + 100);
    });
    var asked = fetch(batch.url, {mode: "cors", credentials: "omit", signal: controller ? controller.signal : undefined})
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (answer) {
        var hidden = new Map();
        if (!answer || !answer.images || answer.images.length !== batch.ids.length) throw new Error("bad answer");
        answer.images.forEach(function (image, i) {
          if (image.image_id !== batch.ids[i]) throw new Error("bad answer");
          hidden.set(image.image_id, image.hidden === true);
        });
        return hidden;
      });
    return Promise.race([asked, expired]).then(function (hidden) { done(); return hidden; },
      function (error) { done(); throw error; });
  }

  // An image taken out of the page meanwhile is left alone; put back, it is looked up again.
  function gone(img) {
    if (img.isConnected) return false;
    img.removeAttribute("data-imgmod");
    return true;
  }

  function settle(img, id, hidden) {
    if (gone(img)) return;
    img.setAttribute("data-imgmod", hidden ? "hidden" : "visible");
    if (hidden) {
      hide(img, id);
    } else {
      show(img);
      addControl(img, id);
    }
  }

  // imgmod did not answer: the photos are shown (hidden ones too), unless the site asked for data-fail="closed".
  function unknown(imgs, error, attempt) {
    if (!failClosed) {
      imgs.forEach(function (img) {
        if (gone(img)) return;
        img.setAttribute("data-imgmod", "unknown");
        show(img);
        addControl(img, idOf(img));
      });
      return;
    }
    setTimeout(function () { lookup(imgs, attempt + 1); }, Math.min(30000, 1000 * Math.pow(2, attempt)));
  }

  function lookup(imgs, attempt) {
    var byId = new Map(), ids = [];
    imgs.forEach(function (img) {
      var id = idOf(img);
      if (!byId.has(id)) { byId.set(id, []); ids.push(id); }
      byId.get(id).push(img);
    });
    return Promise.all(batches(ids).map(function (batch) {
      return get(batch).then(function (hidden) {
        batch.ids.forEach(function (id) {
          known.set(id, hidden.get(id));
          byId.get(id).forEach(function (img) { settle(img, id, hidden.get(id)); });
        });
      }, function (error) {
        // A browser tells a script nothing of why a request failed: a refused cross-origin answer and
        // an unreachable server are both a TypeError ("Failed to fetch"). Name the likely causes.
        var cause = error instanceof TypeError ? "; imgmod unreachable at " + api + ", or this page's origin " +
          location.origin + " is not in its IMGMOD_CORS_ORIGINS" : "";
        if (window.console) console.warn("imgmod: lookup failed (" + error.message + cause + "); " +
          (failClosed ? "photos stay hidden until imgmod answers" : "photos shown"));
        unknown([].concat.apply([], batch.ids.map(function (id) { return byId.get(id); })), error, attempt);
      });
    }));
  }

  function collect(root) {
    if (!root || root.nodeType !== 1 && root.nodeType !== 9 && root.nodeType !== 11) return;
    if (root.nodeType === 1 && root.matches("img[data-image-id]")) queued.push(root);
    if (root.querySelectorAll) queued.push.apply(queued, root.querySelectorAll("img[data-image-id]"));
  }

  // Looks up every image queued since the last flush, at most one lookup per MAX_URL-sized batch.
  function flush() {
    timer = null;
    var fresh = [], seen = [], settled = waiting;
    waiting = [];
    queued.splice(0).forEach(function (img) {
      if (img.hasAttribute("data-imgmod") || seen.indexOf(img) >= 0 || !img.isConnected) return;
      seen.push(img);
      var id = idOf(img);
      if (!ID.test(id) || length(id) > 200) {
        // Shown as usual: a refused id must never cost the page a photo.
        if (window.console) console.warn("imgmod: image id " + JSON.stringify(id) + " is not valid (" + ID_FORM +
          "); the image is shown without a lookup or a report control");
        img.setAttribute("data-imgmod", "refused");
        show(img);
      } else if (known.has(id)) {
        settle(img, id, known.get(id));
      } else {
        img.setAttribute("data-imgmod", "pending");
        fresh.push(img);
      }
    });
    var done = fresh.length ? lookup(fresh, 0) : Promise.resolve();
    done.then(function () { settled.forEach(function (resolve) { resolve(); }); });
  }

  function schedule(delay) {
    if (timer === null) timer = setTimeout(flush, delay);
  }

  // Images added to the page later (infinite scroll, "load more") are looked up too, one lookup per burst.
  function watch() {
    if (typeof MutationObserver !== "function") return;
    new MutationObserver(function (mutations) {
      var before = queued.length;
      mutations.forEach(function (mutation) {
        [].forEach.call(mutation.addedNodes, collect);
      });
      if (queued.length > before) schedule(BURST);
    }).observe(document.documentElement, {childList: true, subtree: true});
  }

  // window.imgmod.scan(element): look up the images of a fragment now; resolves once they are handled.
  function scan(root) {
    collect(root || document);
    return new Promise(function (resolve) {
      waiting.push(resolve);
      if (timer !== null) clearTimeout(timer);
      timer = null;
      flush();
    });
  }

  window.imgmod = {version: VERSION, scan: scan};

  function start() {
    watch();
    scan(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
