/* imgmod widget: a report control on each image marked data-image-id, and placeholders for hidden ones.
   <script src="https://IMGMOD/v1/widget.js" data-api="https://IMGMOD" data-lang="ar" defer></script>
   <img data-image-id="article-1842.hero" data-src="https://cdn.example/hero.jpg" alt="..."> */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.imgmodWidget) return;
  window.imgmodWidget = true;

  var REASONS = ["nudity", "violence", "hate", "spam", "misleading", "copyright", "other"];
  var TEXT = {
    ar: {report: "إبلاغ", about: "إبلاغ عن الصورة", title: "لماذا تبلغ عن هذه الصورة؟", send: "إرسال",
      cancel: "إلغاء", hidden: "حُجبت هذه الصورة بعد إبلاغات القراء",
      failed: "تعذر إرسال الإبلاغ. حاول مرة أخرى بعد قليل.",
      reasons: ["عري", "عنف", "كراهية", "محتوى مزعج", "مضللة", "حقوق المؤلف", "سبب آخر"]},
    fr: {report: "Signaler", about: "Signaler l'image", title: "Pourquoi signalez-vous cette image ?",
      send: "Envoyer", cancel: "Annuler", hidden: "Image masquée après des signalements de lecteurs",
      failed: "Le signalement n'a pas pu être envoyé. Réessayez dans un instant.",
      reasons: ["Nudité", "Violence", "Haine", "Spam", "Trompeuse", "Droit d'auteur", "Autre raison"]},
    en: {report: "Report", about: "Report the image", title: "Why are you reporting this image?", send: "Send",
      cancel: "Cancel", hidden: "Image hidden after readers' reports",
      failed: "The report could not be sent. Please try again in a moment.",
      reasons: ["Nudity", "Violence", "Hate", "Spam", "Misleading", "Copyright", "Other"]}
  };
  // Styles through a constructed sheet: a strict Content-Security-Policy forbids <style> and style="".
  var CSS = ".imgmod-frame{position:relative;display:inline-block;max-width:100%;vertical-align:bottom}" +
    ".imgmod-frame.imgmod-block{display:block}" +
    ".imgmod-overlay{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;" +
    "padding:1em;text-align:center;background:rgba(20,20,20,.55);color:#fff;font:600 1rem/1.5 system-ui,sans-serif}" +
    ".imgmod-bar{display:flex;flex-wrap:wrap;align-items:center;gap:.6em;margin:.4em 0;font:.9rem/1.5 system-ui,sans-serif}" +
    ".imgmod-report{font:inherit;padding:.15em .8em;border:1px solid #a61b1b;border-radius:1em;background:#fff;" +
    "color:#a61b1b;cursor:pointer}.imgmod-report:hover{background:#fbeaea}" +
    ".imgmod-report:focus-visible,.imgmod-dialog :focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}" +
    ".imgmod-status{color:#1f5f2e}.imgmod-status.imgmod-error{color:#a61b1b}" +
    ".imgmod-dialog{max-width:22em;border:0;border-radius:10px;padding:1.2em 1.4em;color:#111;background:#fff;" +
    "box-shadow:0 10px 40px rgba(0,0,0,.35);font:1rem/1.5 system-ui,sans-serif}" +
    ".imgmod-dialog::backdrop{background:rgba(0,0,0,.45)}.imgmod-dialog h2{font-size:1.1em;margin:0 0 .6em}" +
    ".imgmod-dialog fieldset{border:0;margin:0;padding:0}.imgmod-dialog label{display:flex;gap:.5em;padding:.2em 0}" +
    ".imgmod-actions{display:flex;gap:.6em;justify-content:flex-end;margin-top:1em}" +
    ".imgmod-actions button{font:inherit;padding:.3em 1em;border-radius:6px;border:1px solid #888;background:#f4f4f4}" +
    ".imgmod-actions .imgmod-send{background:#a61b1b;border-color:#a61b1b;color:#fff}";
  var ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]*$/;

  var api = (script.getAttribute("data-api") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "ar").slice(0, 2).toLowerCase();
  if (!TEXT[lang]) lang = "ar";
  var t = TEXT[lang];
  var dir = lang === "ar" ? "rtl" : "ltr";
  var dialog, current;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function addStyles() {
    if (!("adoptedStyleSheets" in document)) return;
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  }

  // A block image (the usual article photo) keeps its full width; an inline one shrinks to its size.
  function frame(img) {
    var box = el("span", getComputedStyle(img).display === "block" ? "imgmod-frame imgmod-block" : "imgmod-frame");
    img.parentNode.insertBefore(box, img);
    box.appendChild(img);
    return box;
  }

  // Only now does the browser fetch the original: a hidden image's bytes are never requested.
  function show(img) {
    var src = img.getAttribute("data-src"), srcset = img.getAttribute("data-srcset");
    if (srcset) img.srcset = srcset;
    if (src) img.src = src;
  }

  function hide(img, id) {
    var box = frame(img);
    img.removeAttribute("srcset");
    img.src = api + "/v1/images/" + encodeURIComponent(id) + "/placeholder";
    img.alt = t.hidden;
    var overlay = el("span", "imgmod-overlay", t.hidden);
    overlay.setAttribute("aria-hidden", "true");
    overlay.lang = lang;
    overlay.dir = dir;
    box.appendChild(overlay);
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

  function addControl(img, id) {
    var bar = el("span", "imgmod-bar");
    bar.lang = lang;
    bar.dir = dir;
    var button = el("button", "imgmod-report");
    button.type = "button";
    button.setAttribute("aria-haspopup", "dialog");
    var flag = el("span", "", "\u2691 ");
    flag.setAttribute("aria-hidden", "true");
    button.appendChild(flag);
    button.appendChild(document.createTextNode(t.report));
    if (img.alt) button.setAttribute("aria-label", t.report + ": " + img.alt);
    var status = el("span", "imgmod-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    bar.appendChild(button);
    bar.appendChild(status);
    img.parentNode.insertBefore(bar, img.nextSibling);
    button.addEventListener("click", function () {
      current = {img: img, id: id, button: button, status: status};
      ask();
    });
  }

  function buildDialog() {
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
      var label = el("label"), radio = el("input");
      radio.type = "radio";
      radio.name = "imgmod-reason";
      radio.value = reason;
      radio.required = true;
      label.appendChild(radio);
      label.appendChild(document.createTextNode(t.reasons[i]));
      group.appendChild(label);
    });
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
    form.appendChild(actions);
    dialog.appendChild(form);
    dialog.addEventListener("close", function () {
      var chosen = form.querySelector("input:checked");
      if (dialog.returnValue === "send" && chosen && current) post(current, chosen.value);
      if (current) current.button.focus();
    });
    document.body.appendChild(dialog);
  }

  function ask() {
    if (!dialog) buildDialog();
    dialog.querySelector("form").reset();
    dialog.returnValue = "";
    dialog.showModal();
  }

  function say(target, text, failed) {
    target.status.classList.toggle("imgmod-error", !!failed);
    target.status.textContent = text;
  }

  function post(target, reason) {
    var body = {image_id: target.id, reason: reason};
    var url = originalUrl(target.img);
    if (url) body.image_url = url;
    fetch(api + "/v1/reports?lang=" + lang, {method: "POST", mode: "cors", credentials: "omit",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        target.status.lang = answer.lang;
        target.status.dir = answer.lang === "ar" ? "rtl" : "ltr";
        say(target, answer.message, false);
      }, function () { say(target, t.failed, true); });
  }

  // One bulk lookup per 100 images (the API's limit): one request for any ordinary article.
  function lookup(ids) {
    var batches = [];
    for (var i = 0; i < ids.length; i += 100) {
      var query = ids.slice(i, i + 100).map(function (id) { return "id=" + encodeURIComponent(id); }).join("&");
      batches.push(fetch(api + "/v1/images?" + query, {mode: "cors", credentials: "omit"})
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); }));
    }
    return Promise.all(batches).then(function (answers) {
      var hidden = {};
      answers.forEach(function (answer) {
        answer.images.forEach(function (image) { hidden[image.image_id] = image.hidden; });
      });
      return hidden;
    });
  }

  function start() {
    var images = [].slice.call(document.querySelectorAll("img[data-image-id]")).filter(function (img) {
      return ID.test(img.getAttribute("data-image-id")) && img.getAttribute("data-image-id").length <= 200;
    });
    if (!images.length) return;
    addStyles();
    var ids = images.map(function (img) { return img.getAttribute("data-image-id"); });
    lookup(ids.filter(function (id, i) { return ids.indexOf(id) === i; })).then(function (hidden) {
      images.forEach(function (img, i) {
        if (hidden[ids[i]]) {
          hide(img, ids[i]);
        } else {
          show(img);
          addControl(img, ids[i]);
        }
      });
    }, function () {
      // imgmod unreachable: the article keeps its images rather than losing them all.
      images.forEach(function (img, i) { show(img); addControl(img, ids[i]); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
