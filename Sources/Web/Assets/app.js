// facepipe pages: progressive enhancement only (every page works without it, except the ones
// whose whole point is a live upload or search). No framework, no third-party origin: the
// Content-Security-Policy allows scripts from this server only.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value; else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function errorText(body, status) {
  const error = body && body.error;
  return error ? `${error.message} (${error.code})` : `HTTP ${status}`;
}

// Forms that destroy something ask first.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// A drop zone that hands files to `take`; the file input inside works without dragging.
function dropZone(zone, input, take) {
  if (!zone || !input) return;
  input.addEventListener("change", () => { take([...input.files]); input.value = ""; });
  zone.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); } });
  for (const name of ["dragenter", "dragover"]) zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("over"); });
  for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => { event.preventDefault(); take([...event.dataTransfer.files]); });
}

// --- Upload: one request per file, so each has its own progress bar; two at a time. ---------
function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const rows = document.getElementById("upload-rows");
  const queue = [];
  let active = 0;
  const maxBytes = Number(form.dataset.maxBytes);

  function next() {
    while (active < 2 && queue.length) { active += 1; send(queue.shift()).finally(() => { active -= 1; next(); }); }
  }

  function send(item) {
    return new Promise((resolve) => {
      const data = new FormData();
      data.append("files", item.file, item.file.name);
      const report = document.getElementById("reportId").value.trim();
      if (report) data.append("reportId", report);
      data.append("blurFaces", document.getElementById("blurFaces").checked ? "true" : "false");
      const isPublic = document.getElementById("public");
      if (isPublic && isPublic.checked) data.append("public", "true");
      const request = new XMLHttpRequest();
      request.open("POST", "/upload/images");
      request.setRequestHeader("X-CSRF-Token", csrf());
      request.responseType = "json";
      request.upload.onprogress = (event) => { if (event.lengthComputable) item.bar.value = event.loaded / event.total; };
      request.onload = () => {
        item.bar.value = 1;
        const body = request.response;
        const file = body && body.files && body.files[0];
        if (request.status !== 200 && !(file && file.status === "rejected")) {
          item.result.textContent = "Refused: " + errorText(body, request.status);
          item.row.classList.add("rejected");
        } else if (file.status === "rejected") {
          item.result.textContent = `Refused: ${file.error.message} (${file.error.code})`;
          item.row.classList.add("rejected");
        } else if (file.receipt) {
          // An anonymous visitor (public mode): the receipt is their only way back to the upload.
          item.result.textContent = file.duplicate ? "already uploaded: following…" : "processing…";
          followReceipt(file.receipt, item.result);
        } else {
          item.result.replaceChildren(el("a", { href: `/ui/images/${file.id}`, text: file.duplicate ? "already uploaded" : "processing…" }));
          follow(file.id, file.jobId, item.result);
        }
        resolve();
      };
      request.onerror = () => { item.result.textContent = "Network error: try again"; resolve(); };
      request.send(data);
    });
  }

  // Live status: the processing job is polled until it ends, then the image is read once (reading
  // an image as an admin hands out a link to its original, which is audited: not once a second).
  async function follow(id, jobId, cell) {
    for (let attempt = 0; jobId && attempt < 600; attempt += 1) {
      const response = await fetch(`/jobs/${jobId}`, { credentials: "same-origin" });
      if (!response.ok) break;
      const job = await response.json();
      if (job.status !== "queued" && job.status !== "processing") break;
      await new Promise((wait) => setTimeout(wait, 1000));
    }
    const response = await fetch(`/images/${id}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const image = await response.json();
    const label = image.status === "done" ? `done${image.faceCount ? ` · ${image.faceCount} face(s)` : ""}`
      : image.status === "failed" ? `failed: ${image.error || ""}` : image.status;
    cell.replaceChildren(el("a", { href: `/ui/images/${id}`, class: `status status-${image.status}`, text: label }));
  }

  // Seed 002's flow for a visitor: poll the receipt until the anonymized copy is verified (or
  // processing ends without one), then show the copy.
  async function followReceipt(receipt, cell) {
    for (let attempt = 0; attempt < 900; attempt += 1) {
      const response = await fetch("/upload/receipt", { headers: { "X-Upload-Receipt": receipt }, credentials: "same-origin" });
      if (!response.ok) { cell.textContent = "Could not follow this upload: " + errorText(await response.json(), response.status); return; }
      const state = await response.json();
      const copy = (state.processed || []).find((variant) => variant.url);
      if (copy) {
        cell.replaceChildren(el("a", { href: copy.url, class: "receipt-copy" },
          el("img", { src: copy.url, alt: "Anonymized copy", width: "150", height: "150" })),
          el("span", { class: "status status-done", text: "anonymized" }));
        return;
      }
      const settled = state.status === "failed" || state.anonymization === "failed"
        || (state.status === "done" && state.anonymization === "none" && attempt > 5);
      if (settled) {
        cell.replaceChildren(el("span", { class: `status status-${state.status}`, text: state.anonymization === "failed" ? "anonymization failed" : state.status }));
        return;
      }
      cell.textContent = state.anonymization === "none" ? state.status + "…" : "anonymizing…";
      await new Promise((wait) => setTimeout(wait, 1000));
    }
  }

  dropZone(document.getElementById("drop"), document.getElementById("files"), (files) => {
    for (const file of files) {
      const bar = el("progress", { max: "1", value: "0", "aria-label": `Upload of ${file.name}` });
      const result = el("td", { text: "waiting" });
      const row = el("tr", {}, el("td", { text: file.name }), el("td", {}, bar), result);
      rows.append(row);
      if (file.size > maxBytes) { result.textContent = `Refused: larger than ${Math.round(maxBytes / 1048576)} MB (file_too_large)`; continue; }
      queue.push({ file, bar, result, row });
    }
    next();
  });
}

// --- Queue: refresh the counters and the table without reloading the page. -----------------
function setupQueue() {
  const live = document.getElementById("queue-live");
  if (!live) return;
  setInterval(async () => {
    if (document.hidden) return;
    const response = await fetch(live.dataset.refresh, { credentials: "same-origin" });
    if (response.ok) live.innerHTML = await response.text();
  }, 2000);
}

// --- Duplicates: C or D judges the pair on screen. ----------------------------------------
function setupReviewKeys() {
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const button = document.querySelector(`button[data-key="${event.key.toLowerCase()}"]`);
    if (button) { event.preventDefault(); button.form.requestSubmit(button); }
  });
}

// --- Face search: preview, results grid, and the faces found when the photo is refused. ----
function setupSearch() {
  const form = document.getElementById("search-form");
  if (!form) return;
  const message = document.getElementById("search-message");
  const results = document.getElementById("search-results");
  const preview = document.getElementById("search-preview");
  const image = document.getElementById("search-image");
  const boxes = document.getElementById("search-boxes");

  function draw(faces) {
    boxes.replaceChildren();
    for (const face of faces || []) {
      const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("x", face.x * 100); rect.setAttribute("y", face.y * 100);
      rect.setAttribute("width", face.width * 100); rect.setAttribute("height", face.height * 100);
      rect.setAttribute("class", "face");
      boxes.append(rect);
    }
  }

  dropZone(document.getElementById("search-drop"), document.getElementById("search-file"), async (files) => {
    const file = files[0];
    if (!file) return;
    image.src = URL.createObjectURL(file);
    preview.hidden = false;
    draw([]);
    results.replaceChildren();
    message.textContent = "Searching…";
    const data = new FormData();
    data.append("image", file, file.name);
    data.append("minSimilarity", document.getElementById("min-similarity").value);
    const response = await fetch("/search/face", { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const code = body && body.error && body.error.code;
      draw(body && body.error && body.error.faces);
      message.textContent = code === "no_face" ? "No face was found in this photo. Try one where the face is clear and not too small."
        : code === "multiple_faces" ? `This photo has ${body.error.faces.length} faces (outlined). Crop it to the one face you are looking for.`
        : "Search failed: " + errorText(body, response.status);
      return;
    }
    draw([]);
    message.textContent = body.matches.length ? `${body.matches.length} match(es), most similar first.` : "No match in approved reports.";
    for (const match of body.matches) {
      const img = match.thumbnail ? el("img", { src: match.thumbnail, alt: `Match in report ${match.reportId}`, width: "150", height: "150" }) : el("span", { class: "placeholder", text: "no preview" });
      const meta = el("span", { class: "meta" }, el("strong", { text: `${Math.round(match.similarity * 1000) / 10}%` }), ` · report ${match.reportId}`);
      if (match.perpetratorName) meta.append(` · ${match.perpetratorName}`);
      results.append(el("li", { class: "tile" }, el("a", { href: `/ui/images/${match.imageId}` }, img), meta));
    }
  });
}

setupUpload();
setupQueue();
setupReviewKeys();
setupSearch();
