// vnfil pages: forms post JSON to the API with the session's CSRF token; uploads
// stream each file with a progress bar. Without this script the pages still read.
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // name="a[]" → list; name="a.b" → nested; name="a[0].b" → list of objects.
  function setPath(obj, path, value) {
    const parts = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    let cur = obj;
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      const key = /^\d+$/.test(p) ? Number(p) : p;
      if (last) { cur[key] = value; return; }
      if (cur[key] === undefined) cur[key] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      cur = cur[key];
    });
  }

  function serialize(form) {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "file") continue;
      const type = el.dataset.type;
      let value;
      if (el.type === "radio") {
        if (!el.checked) continue;
        value = type === "bool" ? el.value === "true" : el.value;
      } else if (el.type === "checkbox") {
        if (type === "bool") value = el.checked;
        else if (!el.checked) continue;
        else value = el.value;
      } else {
        value = el.value;
        if (value === "" && (type === "int" || "optional" in el.dataset)) continue;
        if (type === "int") value = parseInt(value, 10);
        // <input type="datetime-local"> is the person's own time: sent as an instant.
        if (type === "datetime") value = new Date(value).toISOString();
        // A date a link ends on: the end of that day, in the person's own time.
        if (type === "date-end") value = new Date(value + "T23:59:59").toISOString();
        if (type === "bool-text") value = value === "true";
        // An amount typed in the currency's units (12.50), sent in minor units (1250).
        if (type === "minor") value = Math.round(parseFloat(value.replace(",", ".")) * 100);
      }
      if (el.name.endsWith("[]")) {
        const name = el.name.slice(0, -2);
        (out[name] = out[name] || []).push(value);
      } else {
        setPath(out, el.name, value);
      }
    }
    return out;
  }

  // A line at the end of a form that says what became of it (made once, then reused).
  function formLine(form, kind, role, text) {
    let box = form.querySelector(":scope > .form-" + kind);
    if (!box) {
      box = document.createElement("p");
      box.className = "form-" + kind + (kind === "error" ? " error" : " ok");
      box.setAttribute("role", role);
      form.append(box);
    }
    box.textContent = text;
    box.hidden = !text;
  }

  // A refusal stays on screen beside the form it concerns (and is announced).
  const formError = (form, text) => formLine(form, "error", "alert", text);

  // A refused field's reason, beside the field (the API names each as body.a.0.b).
  function fieldErrors(form, errors) {
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    for (const e of errors || []) {
      const loc = e.field.split(".").filter((p, i) => !(i === 0 && (p === "body" || p === "query")));
      const name = loc.map((p, i) => (/^\d+$/.test(p) ? "[" + p + "]" : (i ? "." : "") + p)).join("");
      const el = form.elements[name] || form.elements[name + "[]"];
      const field = el && (el.length !== undefined && !el.tagName ? el[0] : el);
      if (!field || !field.insertAdjacentElement) continue;
      const note = document.createElement("span");
      note.className = "field-error error";
      note.id = (field.id || name) + "-error";
      note.setAttribute("role", "alert");
      note.textContent = e.message;
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", note.id);
      field.insertAdjacentElement("afterend", note);
    }
  }

  // Steps that cannot be undone ask first: data-confirm, or only when a field holds a
  // value (data-confirm-if="status=withdrawn").
  function confirmed(form) {
    const question = form.dataset.confirm;
    if (!question) return true;
    const when = form.dataset.confirmIf;
    if (when) {
      const [name, value] = when.split("=");
      if (!form.elements[name] || form.elements[name].value !== value) return true;
    }
    return window.confirm(question);
  }

  // While a request runs its buttons are disabled: a second click posts nothing.
  function busy(form, on) {
    form.setAttribute("aria-busy", on ? "true" : "false");
    for (const b of form.querySelectorAll("button")) b.disabled = on;
  }

  async function send(form) {
    if (form.getAttribute("aria-busy") === "true" || !confirmed(form)) return;
    const body = serialize(form);
    busy(form, true);
    formError(form, "");
    if (!(await attach(form, body))) { busy(form, false); return; }
    let response;
    try {
      response = await fetch(form.dataset.api, {
        method: form.dataset.method || "POST",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrf(),
          // A refusal comes back in the page's language.
          "Accept-Language": document.documentElement.lang,
        },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (e) {
      busy(form, false);
      formError(form, document.documentElement.dataset.offline || String(e));
      return;
    }
    if (response.status === 401) {  // the session ended: sign in, then come back here
      location.href = "/login?" + new URLSearchParams(
        { expired: "1", next: location.pathname + location.search });
      return;
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* 204 */ }
    fieldErrors(form, response.status === 422 ? data.errors : []);
    if (!response.ok) {
      busy(form, false);
      formError(form, data.detail || response.statusText);
      return;
    }
    if (form.dataset.done) {  // stay here, and say it was done
      busy(form, false);
      form.reset();
      formLine(form, "done", "status", form.dataset.done);
      return;
    }
    if (form.dataset.then === "case") { location.href = "/app/cases/" + data.id; return; }
    if (form.dataset.show) {
      busy(form, false);
      const box = form.parentElement.querySelector(":scope > .secret");
      // Each field the answer fills: a text, a link (its address too) or an image.
      for (const name of form.dataset.show.split(" ")) {
        for (const el of box.querySelectorAll('[data-field="' + name + '"]')) {
          if (el.tagName === "IMG") el.src = data[name];
          else if (el.tagName === "A") { el.href = data[name]; if (!el.dataset.keep) el.textContent = data[name]; }
          else el.textContent = data[name];
        }
      }
      box.hidden = false;
      return;
    }
    location.href = form.dataset.reload || location.pathname;
  }

  // A file a step refers to (an identity photo): sent first to its own address, and the
  // step carries what the server answered (<input type="file" data-attach="photo">).
  async function attach(form, body) {
    for (const input of form.querySelectorAll("input[type=file][data-attach]")) {
      const file = input.files && input.files[0];
      if (!file) continue;
      if (file.size > Number(input.dataset.maxBytes || Infinity)) {
        formError(form, say(input.dataset.msgLarge, { name: file.name, size: sizeText(file.size) }));
        return false;
      }
      let response;
      try {
        response = await fetch(
          input.dataset.upload + "?" + new URLSearchParams({ filename: file.name }), {
            method: "POST",
            headers: {
              "Content-Type": file.type || "application/octet-stream",
              "X-CSRF-Token": csrf(),
              "Accept-Language": document.documentElement.lang,
            },
            body: file,
            credentials: "same-origin",
          });
      } catch (e) {
        formError(form, document.documentElement.dataset.offline || String(e));
        return false;
      }
      let data = {};
      try { data = await response.json(); } catch (e) { /* keep */ }
      if (!response.ok) {
        formError(form, file.name + ": " + (data.detail || response.statusText));
        return false;
      }
      body[input.dataset.attach] = data;
    }
    return true;
  }

  const sizeText = (n) => n >= 1048576
    ? (n / 1048576 >= 10 ? Math.round(n / 1048576) : (n / 1048576).toFixed(1)) + " MB"
    : Math.max(1, Math.round(n / 1024)) + " kB";
  const say = (template, values) =>
    template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

  // Why the browser will not send this file (the server checks again), or "".
  function refusal(form, file) {
    const allowed = (form.dataset.extensions || "").split(",").filter(Boolean);
    const ext = file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
    if (allowed.length && !allowed.includes(ext)) return say(form.dataset.msgType, { name: file.name });
    if (file.size > Number(form.dataset.maxBytes || Infinity)) {
      return say(form.dataset.msgLarge, { name: file.name, size: sizeText(file.size) });
    }
    return "";
  }

  function upload(form, files) {
    const params = new URLSearchParams();
    params.append("kind", form.elements.kind.value);
    for (const box of form.querySelectorAll('input[name="lo"]:checked')) params.append("lo", box.value);
    const list = form.querySelector(".progress");
    let pending = files.length;
    let failed = 0;
    const finished = () => {
      if (--pending > 0) return;
      if (!failed) { location.reload(); return; }
      if (failed < files.length) {  // some went in: the list is out of date, errors stay
        const more = document.createElement("li");
        const link = document.createElement("a");
        link.href = location.pathname; link.textContent = form.dataset.msgDone;
        more.append(link); list.append(more);
      }
    };
    const fail = (item, text) => {  // the message names the file
      failed++;
      const why = document.createElement("span");
      why.className = "error"; why.setAttribute("role", "alert");
      why.textContent = "✘ " + text;
      item.replaceChildren(why);
      finished();
    };
    for (const file of files) {
      const item = document.createElement("li");
      list.append(item);
      const refused = refusal(form, file);
      if (refused) { fail(item, refused); continue; }
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      item.append(file.name + " ", bar);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.upload + "?" + params.toString());
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.setRequestHeader("Accept-Language", document.documentElement.lang);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (e.loaded / e.total) * 100; };
      xhr.onload = () => {
        if (xhr.status === 401) {
          location.href = "/login?" + new URLSearchParams(
            { expired: "1", next: location.pathname + location.search });
          return;
        }
        if (xhr.status >= 300) {
          let detail = xhr.statusText;
          try { detail = JSON.parse(xhr.responseText).detail; } catch (e) { /* keep */ }
          if (xhr.status === 413) detail = say(form.dataset.msgLarge, { name: file.name, size: sizeText(file.size) });
          else if (xhr.status === 415) detail = say(form.dataset.msgType, { name: file.name });
          else detail = say(form.dataset.msgFailed, { name: file.name, why: detail });
          fail(item, detail);
        } else { bar.value = 100; item.append(" ✔"); finished(); }
      };
      xhr.onerror = () => {
        fail(item, say(form.dataset.msgFailed, { name: file.name, why: form.dataset.msgBroken }));
      };
      const data = new FormData();
      data.append("file", file, file.name);
      xhr.send(data);
    }
  }

  // Switching language, signed in: the account keeps the choice (every browser, and the
  // messages), then the page reloads in it.
  for (const link of document.querySelectorAll("a[data-language]")) {
    link.addEventListener("click", () => {
      fetch("/me/preferences", {
        method: "PUT",
        keepalive: true,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ language: link.dataset.language }),
        credentials: "same-origin",
      });
    });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.api) { event.preventDefault(); send(form); }
    else if (form.dataset.upload) {
      event.preventDefault();
      const files = Array.from(form.elements.files.files);
      if (files.length) upload(form, files);
    }
  });
  for (const zone of document.querySelectorAll(".dropzone")) {
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault(); zone.classList.remove("over");
      upload(zone.closest("form"), Array.from(e.dataTransfer.files));
    });
  }
})();
