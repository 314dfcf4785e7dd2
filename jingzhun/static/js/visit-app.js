/* The visit app (assistance/visit_app.html): visits are saved in the phone's storage first and
   sent when the connection is there. Nothing is dropped silently:
   - a visit leaves the queue only when the server says it is stored (201, or 200 for the same
     visit sent again — its client id makes a repeated send harmless);
   - a conflict (409: this id was stored with other content) stays, shown, until the user sends
     it as a new record or deletes it; the stored one is never overwritten;
   - a refusal (400, 404) stays with the server's messages until corrected or deleted;
   - an expired session keeps everything and asks to sign in again;
   - a full storage refuses the save on the spot and says so.
   Messages come translated from the page (data-msg elements). */
(function () {
  "use strict";
  var root = document.getElementById("visit-app");
  if (!root) { return; }
  var QUEUE = "jz-visit-queue";
  var SENT = "jz-visit-sent";
  var DATA = "jz-visit-data";
  var SENT_KEPT = 20;
  var PHOTOS = 3;
  var PHOTO_SIDE = 1280;
  var sending = false;

  function msg(key) {
    var node = root.querySelector('[data-msg="' + key + '"]');
    return node ? node.textContent : key;
  }
  function read(key, fallback) {
    try {
      var text = window.localStorage.getItem(key);
      return text ? JSON.parse(text) : fallback;
    } catch (error) {
      return fallback;
    }
  }
  function write(key, value) {
    window.localStorage.setItem(key, JSON.stringify(value)); // throws when the storage is full
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "v-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- the data kept on the phone ----------------------------------------------------------
  var data = read(DATA, null);

  function fillLists() {
    var form = root.querySelector("[data-visit-form]");
    var kinds = form.querySelector("[data-kinds]");
    var checks = form.querySelector("[data-checks]");
    var risks = form.querySelector("[data-risks]");
    if (!data) {
      root.querySelector("[data-household-note]").textContent = msg("no-data");
      return;
    }
    kinds.textContent = "";
    data.kinds.forEach(function (k) { kinds.appendChild(el("option", { value: k[0] }, k[1])); });
    checks.textContent = "";
    data.checks.forEach(function (c) {
      var row = el("div", { "class": "check-row" });
      var label = el("label");
      var box = el("input", { type: "checkbox", name: "concern_" + c[0], "data-check": c[0] });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + c[1]));
      row.appendChild(label);
      row.appendChild(el("input", { name: "note_" + c[0], maxlength: "200", placeholder: msg("seen") }));
      checks.appendChild(row);
    });
    risks.textContent = "";
    data.risks.forEach(function (r) {
      var label = el("label");
      label.appendChild(el("input", { type: "checkbox", name: "risk_types", value: r[0] }));
      label.appendChild(document.createTextNode(" " + r[1] + " "));
      risks.appendChild(label);
    });
    if (!form.elements.visited_on.value) { form.elements.visited_on.value = today(); }
    if (!form.elements.visitors.value) { form.elements.visitors.value = data.user || ""; }
    root.querySelector("[data-household-note]").textContent =
      msg("kept").replace("%s", String(data.households.length));
    showHouseholds("");
  }

  function today() {
    var now = new Date();
    var month = String(now.getMonth() + 1).padStart(2, "0");
    var day = String(now.getDate()).padStart(2, "0");
    return now.getFullYear() + "-" + month + "-" + day;
  }

  function showHouseholds(term) {
    var select = root.querySelector("[data-household-select]");
    select.textContent = "";
    if (!data) { return; }
    term = term.trim();
    var shown = 0;
    data.households.some(function (h) {
      if (term && h.number.indexOf(term) === -1 && h.head.indexOf(term) === -1) { return false; }
      var text = h.head + " · " + h.number + " · " + h.village +
        (h.last_visit ? " · " + msg("last-visit") + " " + h.last_visit : "");
      select.appendChild(el("option", { value: String(h.id) }, text));
      shown += 1;
      return shown >= 200;
    });
    if (shown === 1) { select.selectedIndex = 0; }
  }

  function householdLabel(id) {
    var found = (data ? data.households : []).filter(function (h) { return String(h.id) === String(id); })[0];
    return found ? found.head + "（" + found.number + "）" : String(id);
  }

  // --- the queue ---------------------------------------------------------------------------
  function queue() { return read(QUEUE, []); }

  function render() {
    var items = queue();
    var list = root.querySelector("[data-queue-list]");
    list.textContent = "";
    root.querySelector("[data-queue-count]").textContent = String(items.length);
    root.querySelector("[data-queue-empty]").hidden = items.length > 0;
    items.forEach(function (item) {
      var li = el("li", { "data-item": item.client_id, "data-state": item.state });
      li.appendChild(el("strong", {}, item.household_label));
      li.appendChild(document.createTextNode(" " + item.visited_on + " "));
      li.appendChild(el("span", { "class": "tag" + (item.state === "waiting" ? "" : " danger") }, msg("state-" + item.state)));
      if (item.message) { li.appendChild(el("div", { "class": "errorlist" }, item.message)); }
      var actions = el("div", { "class": "actions small" });
      if (item.state === "conflict") {
        actions.appendChild(el("button", { type: "button", "class": "light", "data-as-new": item.client_id }, msg("as-new")));
      }
      if (item.state === "refused") {
        actions.appendChild(el("button", { type: "button", "class": "light", "data-edit": item.client_id }, msg("edit")));
      }
      actions.appendChild(el("button", { type: "button", "class": "light", "data-discard": item.client_id }, msg("discard")));
      li.appendChild(actions);
      list.appendChild(li);
    });
    read(SENT, []).forEach(function (sent) {
      var li = el("li", { "data-sent": sent.client_id, "class": "muted" });
      li.appendChild(document.createTextNode(sent.household_label + " " + sent.visited_on + " "));
      li.appendChild(el("span", { "class": "tag" }, msg("state-sent")));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("a", { href: sent.url }, msg("view")));
      if (sent.signal) { li.appendChild(document.createTextNode(" · " + sent.signal)); }
      list.appendChild(li);
    });
  }

  function update(clientId, change) {
    var items = queue().map(function (item) {
      return item.client_id === clientId ? Object.assign({}, item, change) : item;
    });
    write(QUEUE, items);
  }

  function remove(clientId) {
    write(QUEUE, queue().filter(function (item) { return item.client_id !== clientId; }));
  }

  function messagesOf(errors) {
    return Object.keys(errors || {}).map(function (key) { return errors[key].join("；"); }).join("；");
  }

  // --- sending -----------------------------------------------------------------------------
  function setNet() {
    root.querySelector("[data-net]").textContent = navigator.onLine ? msg("online") : msg("offline");
  }

  function loginNeeded(yes) {
    root.querySelector("[data-login-needed]").hidden = !yes;
  }

  function refresh() {
    // Fresh data and a fresh CSRF token; fails without a connection.
    return fetch(root.getAttribute("data-data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          loginNeeded(true);
          throw new Error("login");
        }
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (fresh) {
        loginNeeded(false);
        data = fresh;
        try { write(DATA, fresh); } catch (error) { /* the list is still in memory */ }
        fillLists();
        return fresh;
      });
  }

  function sendOne(item, token) {
    var body = Object.assign({}, item);
    delete body.state; delete body.message; delete body.household_label; delete body.saved_at;
    return fetch(root.getAttribute("data-send-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.redirected) { loginNeeded(true); throw new Error("login"); }
      return response.json().then(function (answer) {
        if (response.status === 201 || response.status === 200) {
          var sent = read(SENT, []);
          sent.unshift({
            client_id: item.client_id, household_label: item.household_label,
            visited_on: item.visited_on, url: answer.url, signal: answer.signal
          });
          write(SENT, sent.slice(0, SENT_KEPT));
          remove(item.client_id);
        } else if (response.status === 409) {
          update(item.client_id, { state: "conflict", message: messagesOf(answer.errors) });
        } else if (response.status === 403) {
          loginNeeded(true);
          throw new Error("login");
        } else {
          update(item.client_id, { state: "refused", message: messagesOf(answer.errors) });
        }
      });
    });
  }

  function sendAll() {
    if (sending) { return Promise.resolve(); }
    var waiting = queue().filter(function (item) { return item.state === "waiting"; });
    if (!waiting.length) { return refresh().catch(function () { return null; }); }
    sending = true;
    return refresh().then(function (fresh) {
      return waiting.reduce(function (chain, item) {
        return chain.then(function () {
          update(item.client_id, { state: "sending" });
          render();
          return sendOne(item, fresh.csrf).catch(function (error) {
            // No connection (or the session ended) on the way: it waits for the next try.
            update(item.client_id, { state: "waiting" });
            throw error;
          });
        });
      }, Promise.resolve());
    }).catch(function () { return null; }).then(function () {
      sending = false;
      render();
    });
  }

  // --- saving a visit ----------------------------------------------------------------------
  function compress(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.7);
    });
  }

  function collect(form) {
    var checks = {};
    (data ? data.checks : []).forEach(function (c) {
      checks[c[0]] = {
        concern: form.elements["concern_" + c[0]].checked,
        note: form.elements["note_" + c[0]].value.trim()
      };
    });
    var risks = Array.prototype.filter.call(form.querySelectorAll('input[name="risk_types"]'), function (box) {
      return box.checked;
    }).map(function (box) { return box.value; });
    return {
      household: form.elements.household.value,
      visited_on: form.elements.visited_on.value,
      kind: form.elements.kind.value,
      visitors: form.elements.visitors.value.trim(),
      checks: checks,
      note: form.elements.note.value.trim(),
      follow_ups: form.elements.follow_ups.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean),
      risk_types: risks
    };
  }

  function problem(text) {
    var node = root.querySelector("[data-form-error]");
    node.textContent = text;
    node.hidden = !text;
  }

  root.querySelector("[data-visit-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var values = collect(form);
    if (!values.household) { problem(msg("choose")); return; }
    if (!values.visited_on || !values.visitors) { problem(msg("required")); return; }
    var files = Array.prototype.slice.call(form.querySelector("[data-photos]").files || [], 0, PHOTOS);
    Promise.all(files.map(compress)).then(function (photos) {
      var editing = form.getAttribute("data-editing");
      var item = Object.assign(values, {
        client_id: editing || newId(),
        photos: photos,
        state: "waiting",
        message: "",
        household_label: householdLabel(values.household),
        saved_at: new Date().toISOString()
      });
      var items = queue().filter(function (other) { return other.client_id !== item.client_id; });
      items.push(item);
      try {
        write(QUEUE, items);
      } catch (error) {
        problem(msg("full"));
        return;
      }
      problem("");
      form.removeAttribute("data-editing");
      form.reset();
      fillLists();
      render();
      if (navigator.onLine) { sendAll(); }
    });
  });

  root.querySelector("[data-household-search]").addEventListener("input", function (event) {
    showHouseholds(event.target.value);
  });

  root.querySelector("[data-queue-list]").addEventListener("click", function (event) {
    var target = event.target;
    var id;
    if ((id = target.getAttribute("data-discard"))) {
      if (window.confirm(msg("confirm-discard"))) { remove(id); render(); }
    } else if ((id = target.getAttribute("data-as-new"))) {
      // Kept as a new visit under a new id; the stored one stays as it is.
      var item = queue().filter(function (i) { return i.client_id === id; })[0];
      if (!item) { return; }
      remove(id);
      var items = queue();
      items.push(Object.assign({}, item, { client_id: newId(), state: "waiting", message: "" }));
      write(QUEUE, items);
      render();
      if (navigator.onLine) { sendAll(); }
    } else if ((id = target.getAttribute("data-edit"))) {
      var kept = queue().filter(function (i) { return i.client_id === id; })[0];
      if (!kept) { return; }
      var form = root.querySelector("[data-visit-form]");
      form.setAttribute("data-editing", id);
      form.elements.visited_on.value = kept.visited_on;
      form.elements.kind.value = kept.kind;
      form.elements.visitors.value = kept.visitors;
      form.elements.note.value = kept.note;
      form.elements.follow_ups.value = (kept.follow_ups || []).join("\n");
      showHouseholds("");
      form.elements.household.value = kept.household;
      Object.keys(kept.checks || {}).forEach(function (code) {
        if (form.elements["concern_" + code]) {
          form.elements["concern_" + code].checked = kept.checks[code].concern;
          form.elements["note_" + code].value = kept.checks[code].note;
        }
      });
      problem(kept.message);
      form.scrollIntoView();
    }
  });

  root.querySelector("[data-send-now]").addEventListener("click", function () { sendAll(); });
  window.addEventListener("online", function () { setNet(); sendAll(); });
  window.addEventListener("offline", setNet);
  root.querySelector("[data-login-link]").setAttribute("href", root.getAttribute("data-login-url"));

  // --- kept for opening without signal -----------------------------------------------------
  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return Promise.resolve(false); }
    return navigator.serviceWorker.register(root.getAttribute("data-worker-url")).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      var files = [window.location.pathname];
      document.querySelectorAll('link[rel="stylesheet"][href], script[src]').forEach(function (node) {
        files.push(node.getAttribute("href") || node.getAttribute("src"));
      });
      return caches.open("jz-visit-app-v1").then(function (cache) { return cache.addAll(files); });
    }).then(function () {
      root.querySelector("[data-ready]").textContent = msg("ready");
      document.documentElement.setAttribute("data-offline-ready", "1");
      return true;
    }).catch(function () { return false; });
  }

  // Visits interrupted mid-send (the page closed) are waiting again.
  try {
    write(QUEUE, queue().map(function (item) {
      return item.state === "sending" ? Object.assign({}, item, { state: "waiting" }) : item;
    }));
  } catch (error) { /* unchanged: nothing to write */ }
  setNet();
  fillLists();
  render();
  if (navigator.onLine) {
    keepForOffline();
    sendAll();
  }
})();
