/* Similar ideas as one types a title on the submit form (ideas/new.html).
 *
 * Progressive enhancement: without this script, the "Check for similar ideas" button
 * does the same with a full page. The list goes into an aria-live="polite" region,
 * built from DOM nodes and textContent only (never innerHTML: titles are user text),
 * and is replaced only when the suggestions change, so a screen reader is not told
 * the same thing at every key press. No inline script: the CSP allows none.
 */
(function () {
  "use strict";

  var DELAY_MS = 300;
  var MIN_LETTERS = 3;

  var region = document.getElementById("similar-ideas");
  var title = document.getElementById("title");
  if (!region || !title || !window.fetch) {
    return;
  }
  var form = title.form;
  var tokenInput = form ? form.querySelector("input[name=csrf_token]") : null;
  var timer = null;
  var controller = null;
  var shown = null; // the ids now listed, as a string

  function letters(text) {
    return (text.match(/[\p{L}\p{N}]/gu) || []).length;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function supportForm(item) {
    var form = element("form", { method: "post", action: item.support_url });
    form.appendChild(
      element("input", { type: "hidden", name: "csrf_token", value: tokenInput.value })
    );
    form.appendChild(
      element(
        "button",
        {
          type: "submit",
          "class": "button secondary",
          "aria-describedby": "similar-" + item.id
        },
        region.dataset.support
      )
    );
    return form;
  }

  function row(item) {
    var li = element("li", { "class": "idea-row" });
    var heading = element("h3", { id: "similar-" + item.id });
    heading.appendChild(element("a", { href: item.url }, item.title));
    li.appendChild(heading);
    var meta = element("p", { "class": "meta" });
    [
      element("span", { "class": "status status-" + item.status }, item.status_label),
      element("span", {}, item.unit),
      element("span", {}, item.supports)
    ].forEach(function (part, index) {
      if (index) {
        meta.appendChild(document.createTextNode(" ")); // read apart, not run together
      }
      meta.appendChild(part);
    });
    li.appendChild(meta);
    if (item.supported) {
      li.appendChild(element("p", {}, region.dataset.supported));
    } else if (item.support_url && tokenInput) {
      li.appendChild(supportForm(item));
    }
    return li;
  }

  function show(items) {
    var ids = items.map(function (item) { return item.id; }).join(",");
    if (ids === shown) {
      return;
    }
    shown = ids;
    region.replaceChildren();
    if (!items.length) {
      return; // nothing alike: say nothing, let the person write
    }
    region.appendChild(element("h2", { id: "similar-heading" }, region.dataset.heading));
    region.appendChild(element("p", {}, region.dataset.intro));
    var list = element("ul", { "class": "idea-list", "aria-labelledby": "similar-heading" });
    items.forEach(function (item) { list.appendChild(row(item)); });
    region.appendChild(list);
  }

  function look() {
    var text = title.value.trim();
    if (controller) {
      controller.abort(); // an older answer must not overwrite a newer one
    }
    if (letters(text) < MIN_LETTERS) {
      show([]);
      return;
    }
    controller = new AbortController();
    var url = region.dataset.url + "?title=" + encodeURIComponent(text);
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller.signal
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && Array.isArray(body.items)) {
          show(body.items);
        }
      })
      .catch(function () { /* offline or aborted: the button still works */ });
  }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(look, DELAY_MS);
  });
}());
