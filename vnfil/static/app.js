// vnfil pages: forms post JSON to the API with the session's CSRF token; uploads
// stream each file with a progress bar. Without this script the pages still read.
"use strict";
(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const flash = (text, bad) => {
    const el = document.getElementById("flash");
    if (el) { el.textContent = text; el.className = bad ? "error" : "ok"; }
  };

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
      if (el.type === "checkbox") {
        if (type === "bool") value = el.checked;
        else if (!el.checked) continue;
        else value = el.value;
      } else {
        value = el.value;
        if (value === "" && (type === "int" || "optional" in el.dataset)) continue;
        if (type === "int") value = parseInt(value, 10);
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

  async function send(form) {
    const body = serialize(form);
    const response = await fetch(form.dataset.api, {
      method: form.dataset.method || "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* 204 */ }
    if (!response.ok) { flash(data.detail || response.statusText, true); return; }
    if (form.dataset.then === "case") { location.href = "/app/cases/" + data.id; return; }
    if (form.dataset.show) {
      const box = form.parentElement.querySelector(".secret");
      box.querySelector('[data-field="' + form.dataset.show + '"]').textContent = data[form.dataset.show];
      box.hidden = false;
      return;
    }
    location.href = form.dataset.reload || location.pathname;
  }

  function upload(form, files) {
    const params = new URLSearchParams();
    params.append("kind", form.elements.kind.value);
    for (const box of form.querySelectorAll('input[name="lo"]:checked')) params.append("lo", box.value);
    const list = form.querySelector(".progress");
    let pending = files.length;
    for (const file of files) {
      const item = document.createElement("li");
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      item.append(file.name + " ", bar);
      list.append(item);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.upload + "?" + params.toString());
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (e.loaded / e.total) * 100; };
      xhr.onload = () => {
        if (xhr.status >= 300) {
          let detail = xhr.statusText;
          try { detail = JSON.parse(xhr.responseText).detail; } catch (e) { /* keep */ }
          item.append(" ✘ " + detail); flash(detail, true);
        } else { bar.value = 100; item.append(" ✔"); }
        if (--pending === 0 && !list.querySelector(".error")) setTimeout(() => location.reload(), 300);
      };
      const data = new FormData();
      data.append("file", file, file.name);
      xhr.send(data);
    }
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
