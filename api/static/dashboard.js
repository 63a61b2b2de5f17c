// The operators' dashboard: reads the admin endpoints with the token typed at sign-in (kept in
// sessionStorage, sent as X-Admin-Token) and follows running jobs through their SSE streams with
// fetch (EventSource cannot send that header). Every timer and stream is bounded.
"use strict";

const API = "/api/v4/admin";
const REFRESH_MS = 3000;
const MAX_STREAMS = 20;
const STREAM_RECONNECTS = 5;
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem("adminToken");
let timer = null;
const streams = new Map(); // job id -> AbortController

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function api(path, options = {}) {
  const response = await fetch(API + path, { ...options, headers: { "X-Admin-Token": token, ...(options.headers || {}) } });
  if (response.status === 401 || response.status === 403) {
    signOut((await response.json()).detail || "The admin token was refused.");
    throw new Error("unauthorized");
  }
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  return response.json();
}

// ---- sign in / out -------------------------------------------------------------------------
function signOut(message) {
  clearInterval(timer);
  for (const controller of streams.values()) controller.abort();
  streams.clear();
  sessionStorage.removeItem("adminToken");
  token = null;
  $("app").hidden = true;
  $("whoami").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

async function start() {
  try {
    await refresh();
  } catch (error) {
    if (error.message !== "unauthorized") $("login-error").textContent = String(error);
    return;
  }
  $("login").hidden = true;
  $("login-error").textContent = "";
  $("app").hidden = false;
  $("whoami").hidden = false;
  clearInterval(timer);
  timer = setInterval(() => refresh().catch((e) => ($("updated").textContent = `update failed: ${e.message}`)), REFRESH_MS);
}

// ---- rendering -----------------------------------------------------------------------------
function bar(view) {
  const pct = Math.max(0, Math.min(100, view.progress | 0));
  return `<div class="bar ${esc(view.status)}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${pct}">
    <i style="width:${pct}%"></i><em>${pct}% · ${esc(view.current_step || "")}</em></div>`;
}

function setLive(row, view) {
  row.dataset.status = view.status;
  row.querySelector(".status").innerHTML = `<span class="badge ${esc(view.status)}">${esc(view.status)}</span>`;
  row.querySelector(".progress").innerHTML = bar(view);
}

function renderStats(stats) {
  $("s-depth").textContent = stats.queue_depth;
  $("s-pending").textContent = stats.pending;
  $("s-running").textContent = stats.running;
  $("s-completed").textContent = stats.completed_last_hour;
  $("s-failed").textContent = stats.failed_last_hour;
  $("s-workers").textContent = stats.workers_alive;
  $("workers").tBodies[0].innerHTML = stats.workers
    .map((w) => `<tr><td>${esc(w.worker_id)}</td><td>${w.seconds_ago.toFixed(1)} s ago</td></tr>`)
    .join("") || `<tr><td colspan="2" class="empty">No worker alive: jobs wait in the queue.</td></tr>`;
}

function renderJobs(page) {
  const body = $("jobs").tBodies[0];
  const rows = page.jobs.map((job) => {
    let row = body.querySelector(`tr[data-job-id="${job.job_id}"]`);
    if (!row) {
      row = document.createElement("tr");
      row.className = "clickable";
      row.dataset.jobId = job.job_id;
      row.innerHTML = `<td>${esc(job.product_name)} <small>${esc(job.brand)}</small></td><td class="status"></td>
        <td class="progress"></td><td>${new Date(job.created_at).toLocaleTimeString()}</td>`;
      row.addEventListener("click", () => showReport(job.job_id));
    }
    if (!streams.has(job.job_id)) setLive(row, job); // a live stream is fresher than the listing
    return row;
  });
  body.replaceChildren(...rows);
  for (const job of page.jobs) if (!TERMINAL.has(job.status)) follow(job.job_id);
}

function renderFailed(page) {
  $("no-failed").hidden = page.jobs.length > 0;
  $("failed").tBodies[0].innerHTML = page.jobs
    .map((job) => `<tr data-job-id="${job.job_id}"><td>${esc(job.product_name)}</td>
      <td class="err"><b>${esc(job.error_code || "")}</b> ${esc(job.error)}</td>
      <td><button type="button" class="retry" data-job-id="${job.job_id}">Retry</button></td></tr>`)
    .join("");
}

async function refresh() {
  const [stats, recent, failed] = await Promise.all([api("/stats"), api("/jobs?limit=25"), api("/jobs/failed?limit=20")]);
  renderStats(stats);
  renderJobs(recent);
  renderFailed(failed);
  $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

// ---- live progress: a fetch-based SSE reader -------------------------------------------------
function parseFrame(text) {
  const frame = { id: null, event: "message", data: [] };
  for (const line of text.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const at = line.indexOf(":");
    const name = at < 0 ? line : line.slice(0, at);
    const value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
    if (name === "id") frame.id = value;
    else if (name === "event") frame.event = value;
    else if (name === "data") frame.data.push(value);
  }
  return frame.data.length ? { ...frame, data: frame.data.join("\n") } : null;
}

function follow(jobId) {
  if (streams.has(jobId) || streams.size >= MAX_STREAMS) return;
  const controller = new AbortController();
  streams.set(jobId, controller);
  let lastId = null;
  const apply = (view) => {
    const row = $("jobs").querySelector(`tr[data-job-id="${jobId}"]`);
    if (row) setLive(row, view);
  };
  (async () => {
    for (let attempt = 0; attempt < STREAM_RECONNECTS && !controller.signal.aborted; attempt++) {
      try {
        const headers = { "X-Admin-Token": token, Accept: "text/event-stream", ...(lastId ? { "Last-Event-ID": lastId } : {}) };
        const response = await fetch(`${API}/jobs/${jobId}/events`, { headers, signal: controller.signal });
        if (!response.ok) return;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
            const frame = parseFrame(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (!frame) continue;
            lastId = frame.id || lastId;
            const view = JSON.parse(frame.data);
            apply(view);
            if (frame.event === "end" || TERMINAL.has(view.status)) return;
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
      }
    }
  })().finally(() => {
    controller.abort();
    streams.delete(jobId);
  });
}

// ---- a job's report --------------------------------------------------------------------------
function inline(text) {
  return esc(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>")
    .replace(/(^|[\s(])_([^_]+)_(?=[\s).,;:!?]|$)/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" rel="noopener noreferrer" target="_blank">$1</a>');
}

function markdown(source) {
  const out = [];
  let list = null;
  const close = () => { if (list) out.push(`</${list}>`); list = null; };
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim().startsWith("|")) { // a pipe table: header row, separator row, body rows
      close();
      const cells = (row) => row.trim().replace(/^\||\|$/g, "").split("|").map((c) => inline(c.trim()));
      const rows = [];
      for (; i < lines.length && lines[i].trim().startsWith("|"); i++) rows.push(lines[i]);
      i--;
      const body = rows.filter((row, n) => n > 0 && !/^\s*\|?\s*:?-{2,}/.test(row));
      out.push(`<table><thead><tr>${cells(rows[0]).map((c) => `<th>${c}</th>`).join("")}</tr></thead><tbody>`
        + body.map((row) => `<tr>${cells(row).map((c) => `<td>${c}</td>`).join("")}</tr>`).join("") + "</tbody></table>");
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    const bullet = line.match(/^\s*[-*]\s+(.*)$/);
    const numbered = line.match(/^\s*\d+[.)]\s+(.*)$/);
    if (heading) { close(); out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`); }
    else if (bullet || numbered) {
      const kind = bullet ? "ul" : "ol";
      if (list !== kind) { close(); out.push(`<${kind}>`); list = kind; }
      out.push(`<li>${inline((bullet || numbered)[1])}</li>`);
    } else if (line.trim()) { close(); out.push(`<p>${inline(line)}</p>`); }
    else close();
  }
  close();
  return out.join("\n");
}

async function showReport(jobId) {
  const job = await api(`/jobs/${jobId}`);
  const result = job.result || {};
  $("report").hidden = false;
  $("report-title").textContent = `${result.product_name || "Job"} · ${job.status}`;
  $("report-body").innerHTML = result.full_report
    ? markdown(result.full_report)
    : `<p>${esc(job.error || (TERMINAL.has(job.status) ? "No report." : `Still ${job.status}: ${job.current_step || ""}`))}</p>`;
  $("report-json").textContent = JSON.stringify(result.report ?? job, null, 2);
  $("report").scrollIntoView({ behavior: "smooth" });
}

// ---- wiring --------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("adminToken", token);
    start();
  });
  $("logout").addEventListener("click", () => signOut(""));
  $("failed").addEventListener("click", async (event) => {
    const button = event.target.closest("button.retry");
    if (!button) return;
    button.disabled = true;
    try {
      await api(`/jobs/${button.dataset.jobId}/retry`, { method: "POST" });
      await refresh();
    } catch (error) {
      button.disabled = false;
      $("updated").textContent = `retry failed: ${error.message}`;
    }
  });
  if (token) start();
});
