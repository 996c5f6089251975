// The web view of `otlp-doctor serve --ui`: one page, routed by its hash, that reads the JSON API
// of the binary and redraws the current view when the event stream says something changed.
"use strict";

const view = document.getElementById("view");
const MIN_REDRAW_MS = 400;
let state = null;
let drawnVersion = -1;
let redrawTimer = null;
let lastDraw = 0;
let drawing = false;

const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) =>
  ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function duration(ns) {
  if (ns >= 1e9) return (ns / 1e9).toFixed(2) + " s";
  if (ns >= 1e6) return (ns / 1e6).toFixed(2) + " ms";
  if (ns >= 1e3) return (ns / 1e3).toFixed(1) + " µs";
  return ns + " ns";
}

const clock = (ms) => ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 23) : "";
const bytes = (n) => n == null ? "" : n >= 1 << 20 ? (n / 1048576).toFixed(1) + " MiB"
  : n >= 1024 ? (n / 1024).toFixed(1) + " KiB" : n + " B";

async function api(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, id] = path.split("/");
  return { name: name || "traces", id: decodeURIComponent(id || ""), query: new URLSearchParams(query || "") };
}

function attributesTable(pairs) {
  if (!pairs || pairs.length === 0) return '<p class="muted">none</p>';
  return '<table class="kv">' + pairs.map(([k, v]) =>
    `<tr><td class="mono">${esc(k)}</td><td class="mono">${esc(v)}</td></tr>`).join("") + "</table>";
}

// ---- traces
let traceFilters = new URLSearchParams();

async function drawTraces() {
  const rows = await api("/api/traces?" + traceFilters.toString());
  const services = (state && state.services) || [];
  const f = (key) => esc(traceFilters.get(key) || "");
  const option = (value, label, current) =>
    `<option value="${esc(value)}"${value === current ? " selected" : ""}>${esc(label)}</option>`;
  const form = `<form class="filters" id="trace-filters">
    <label>service<select name="service">${option("", "all", traceFilters.get("service") || "")}${services.map((s) => option(s, s, traceFilters.get("service"))).join("")}</select></label>
    <label>span name<input name="name" value="${f("name")}" placeholder="contains"></label>
    <label>status<select name="status">${option("", "any", traceFilters.get("status") || "")}${option("error", "error", traceFilters.get("status"))}${option("ok", "no error", traceFilters.get("status"))}</select></label>
    <label>min ms<input name="min_ms" size="6" value="${f("min_ms")}"></label>
    <label>max ms<input name="max_ms" size="6" value="${f("max_ms")}"></label>
    <label>attribute<input name="attr" value="${f("attr")}" placeholder="key=value"></label>
    <button type="submit">Filter</button></form>`;
  const body = rows.length === 0 ? '<p class="empty" data-testid="no-traces">No traces yet. Point an SDK at the endpoints above.</p>'
    : `<table data-testid="trace-list"><thead><tr><th>started</th><th>root span</th><th>services</th><th>spans</th><th>duration</th><th>status</th><th></th></tr></thead><tbody>` +
      rows.map((t) => `<tr class="clickable${t.errors ? " error" : ""}" data-trace-id="${esc(t.trace_id)}">
        <td class="mono">${esc(clock(t.start_ms))}</td><td>${esc(t.name)}</td><td>${esc(t.services.join(", "))}</td>
        <td>${t.spans}</td><td class="mono">${esc(duration(t.duration_ns))}</td>
        <td class="status">${t.errors ? t.errors + " error" + (t.errors > 1 ? "s" : "") : "ok"}</td>
        <td>${t.orphans ? `<span class="badge orphan">${t.orphans} orphan</span>` : ""}${t.findings ? `<span class="badge warning">${t.findings} finding${t.findings > 1 ? "s" : ""}</span>` : ""}</td></tr>`).join("") +
      "</tbody></table>";
  view.innerHTML = form + body;
  const formElement = document.getElementById("trace-filters");
  formElement.addEventListener("submit", (event) => {
    event.preventDefault();
    traceFilters = new URLSearchParams();
    for (const [key, value] of new FormData(formElement)) if (value) traceFilters.set(key, value);
    draw();
  });
  formElement.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => formElement.requestSubmit()));
  view.querySelectorAll("tr[data-trace-id]").forEach((row) =>
    row.addEventListener("click", () => { location.hash = "#/trace/" + row.dataset.traceId; }));
}

// ---- one trace
let selectedSpan = "";

async function drawTrace(id, query) {
  if (query.get("span")) selectedSpan = query.get("span");
  let trace;
  try { trace = await api("/api/traces/" + encodeURIComponent(id)); }
  catch (error) { view.innerHTML = `<p class="empty">${esc(error.message)}</p><p><a href="#/traces">back to traces</a></p>`; return; }
  const total = Math.max(trace.duration_ns, 1);
  const percent = (ns) => (100 * ns / total).toFixed(3) + "%";
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) =>
    `<span style="left:${f * 100}%;${f === 1 ? "transform:translateX(-100%)" : ""}">${esc(duration(Math.round(total * f)))}</span>`).join("");
  const rows = trace.rows.map((row) => {
    const classes = ["wf-row", row.status === "error" ? "error" : "", row.orphan ? "orphan" : "", row.span_id === selectedSpan ? "selected" : ""].join(" ");
    const events = row.event_offsets_ns.map((ns, i) =>
      `<span class="wf-event" title="${esc(row.events[i].name)}" style="left:${percent(ns)}" data-testid="event-mark"></span>`).join("");
    const left = 100 * row.offset_ns / total;
    const end = 100 * (row.offset_ns + row.duration_ns) / total;
    // After the bar when there is room, else before it, else inside it.
    const label = end < 80 ? `left:calc(${percent(row.offset_ns + row.duration_ns)} + 4px)`
      : left > 20 ? `right:calc(${(100 - left).toFixed(3)}% + 4px)` : `left:calc(${percent(row.offset_ns)} + 4px);color:#fff`;
    return `<div class="${classes}" data-span-id="${esc(row.span_id)}" data-depth="${row.depth}" data-duration-ns="${row.duration_ns}" data-testid="span-row">
      <div class="wf-name" style="padding-left:${8 + row.depth * 16}px" title="${esc(row.name)}">${esc(row.name)} <span class="muted">${esc(row.service)}</span>${row.orphan ? '<span class="badge orphan">orphan</span>' : ""}${row.findings.map((c) => `<span class="badge warning" data-testid="span-finding">${esc(c)}</span>`).join("")}</div>
      <div class="wf-track"><span class="wf-bar" style="left:${percent(row.offset_ns)};width:${percent(row.duration_ns)}"></span>${events}<span class="wf-label" style="${label}">${esc(duration(row.duration_ns))}</span></div></div>`;
  }).join("");
  view.innerHTML = `<p><a href="#/traces">← traces</a></p>
    <h2 class="mono" data-testid="trace-id">${esc(trace.trace_id)}</h2>
    <p>${esc(trace.name)} · ${trace.spans} spans · ${esc(duration(trace.duration_ns))} · ${esc(trace.services.join(", "))}${trace.errors ? ` · <span class="error-text">${trace.errors} error</span>` : ""}${trace.orphans ? ` · ${trace.orphans} orphan` : ""}
    · <a href="#/logs?trace=${esc(trace.trace_id)}">logs of this trace</a></p>
    <div class="wf-axis"><div></div><div class="ticks">${ticks}</div></div>
    <div class="waterfall" data-testid="waterfall">${rows}</div><div id="span-detail"></div>`;
  view.querySelectorAll(".wf-row").forEach((element) => element.addEventListener("click", () => {
    selectedSpan = element.dataset.spanId;
    view.querySelectorAll(".wf-row.selected").forEach((e) => e.classList.remove("selected"));
    element.classList.add("selected");
    drawSpan(trace.rows.find((r) => r.span_id === selectedSpan));
  }));
  const selected = trace.rows.find((r) => r.span_id === selectedSpan);
  if (selected) drawSpan(selected);
}

function drawSpan(row) {
  const target = document.getElementById("span-detail");
  if (!row || !target) return;
  const events = row.events.length === 0 ? '<p class="muted">none</p>' : row.events.map((e, i) =>
    `<p><b>${esc(e.name)}</b> <span class="muted">at +${esc(duration(row.event_offsets_ns[i]))}</span></p>${attributesTable(e.attributes)}`).join("");
  const findings = row.findings.length === 0 ? '<p class="muted">none</p>'
    : row.findings.map((c) => `<p><a href="#/findings/${esc(c)}" class="badge warning">${esc(c)}</a></p>`).join("");
  target.innerHTML = `<div class="detail" data-testid="span-detail"><h3>${esc(row.name)}</h3>
    <table class="kv"><tr><td>span id</td><td class="mono">${esc(row.span_id)}</td></tr>
    <tr><td>parent</td><td class="mono">${esc(row.parent_span_id || "(root)")}${row.orphan ? ' <span class="badge orphan">not received</span>' : ""}</td></tr>
    <tr><td>kind</td><td>${esc(row.kind)}</td></tr><tr><td>duration</td><td class="mono" data-testid="span-duration">${esc(duration(row.duration_ns))}</td></tr>
    <tr><td>status</td><td class="${row.status === "error" ? "error-text" : ""}">${esc(row.status)}${row.status_message ? ": " + esc(row.status_message) : ""}</td></tr>
    <tr><td>links</td><td>${row.links}</td></tr></table>
    <h4>Findings</h4>${findings}
    <h4>Attributes</h4>${attributesTable(row.attributes)}
    <h4>Events</h4>${events}
    <h4>Resource</h4>${attributesTable(row.resource.attributes)}
    <h4>Scope</h4><p class="mono">${esc(row.scope.name)} ${esc(row.scope.version)}</p></div>`;
}

// ---- logs
async function drawLogs(query) {
  const rows = await api("/api/logs?" + query.toString());
  const trace = query.get("trace");
  view.innerHTML = (trace ? `<p>Logs of trace <a class="mono" href="#/trace/${esc(trace)}">${esc(trace)}</a> · <a href="#/logs">all logs</a></p>` : "") +
    (rows.length === 0 ? '<p class="empty" data-testid="no-logs">No log records yet.</p>'
      : `<table data-testid="log-list"><thead><tr><th>time</th><th>severity</th><th>service</th><th>body</th><th>attributes</th><th>trace</th></tr></thead><tbody>` +
      rows.map((l) => `<tr class="${l.severity_number >= 17 ? "error" : ""}"><td class="mono">${esc(clock(l.time_ms))}</td>
        <td class="status">${esc(l.severity_text || (l.severity_number ? "#" + l.severity_number : ""))}</td><td>${esc(l.service)}</td>
        <td>${esc(l.event_name ? "[" + l.event_name + "] " : "")}${esc(l.body)}</td>
        <td class="mono">${l.attributes.map(([k, v]) => esc(k) + "=" + esc(v)).join("<br>")}</td>
        <td class="mono">${l.trace_id ? `<a href="#/trace/${esc(l.trace_id)}?span=${esc(l.span_id)}">${esc(l.trace_id.slice(0, 8))}…</a>` : ""}</td></tr>`).join("") +
      "</tbody></table>");
}

// ---- metrics
const PALETTE = ["#2f6fdb", "#c62828", "#2e7d32", "#b26a00", "#7b1fa2", "#00838f"];

function lineChart(points) {
  const width = 320, height = 110, pad = 28;
  const series = new Map();
  for (const p of points) if (p.value != null) {
    if (!series.has(p.series)) series.set(p.series, []);
    series.get(p.series).push(p);
  }
  const all = points.filter((p) => p.value != null);
  if (all.length === 0) return '<p class="muted">no values</p>';
  const t0 = Math.min(...all.map((p) => p.time_ms)), t1 = Math.max(...all.map((p) => p.time_ms));
  const v0 = Math.min(0, ...all.map((p) => p.value)), v1 = Math.max(...all.map((p) => p.value));
  const x = (t) => pad + (t1 === t0 ? (width - pad) / 2 : (t - t0) / (t1 - t0) * (width - pad - 4));
  const y = (v) => height - 14 - (v1 === v0 ? 0.5 : (v - v0) / (v1 - v0)) * (height - 24);
  let svg = `<svg class="chart" viewBox="0 0 ${width} ${height}" data-testid="metric-chart">
    <line x1="${pad}" y1="${height - 14}" x2="${width}" y2="${height - 14}" stroke="#ccc"/>
    <text x="0" y="${y(v1) + 4}">${esc(+v1.toPrecision(4))}</text><text x="0" y="${height - 12}">${esc(+v0.toPrecision(4))}</text>`;
  let index = 0;
  for (const [name, list] of series) {
    const color = PALETTE[index++ % PALETTE.length];
    const path = list.map((p) => `${x(p.time_ms).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    svg += `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${path}"><title>${esc(name)}</title></polyline>` +
      list.map((p) => `<circle cx="${x(p.time_ms).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2" fill="${color}"><title>${esc(name)} ${esc(p.value)} at ${esc(clock(p.time_ms))}</title></circle>`).join("");
  }
  return svg + "</svg>";
}

function bucketChart(point) {
  if (!point || !point.buckets || point.buckets.length === 0) return "";
  const width = 320, height = 90, max = Math.max(1, ...point.buckets), w = (width - 4) / point.buckets.length;
  const bars = point.buckets.map((count, i) => {
    const h = (height - 18) * count / max;
    const label = i < point.bounds.length ? "≤ " + point.bounds[i] : "> " + (point.bounds[point.bounds.length - 1] ?? "");
    return `<rect x="${(2 + i * w).toFixed(1)}" y="${(height - 14 - h).toFixed(1)}" width="${Math.max(1, w - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#7aa7ee"><title>${esc(label)}: ${count}</title></rect>`;
  }).join("");
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" data-testid="bucket-chart">${bars}<text x="2" y="${height - 2}">buckets of the latest point (hover for bounds)</text></svg>`;
}

async function drawMetrics() {
  const metrics = await api("/api/metrics");
  if (metrics.length === 0) { view.innerHTML = '<p class="empty" data-testid="no-metrics">No metrics yet.</p>'; return; }
  view.innerHTML = '<div class="cards" data-testid="metric-list">' + metrics.map((m) => {
    const last = m.points[m.points.length - 1];
    const latest = last ? (last.value != null ? +Number(last.value).toPrecision(6) : "") : "";
    const shape = [m.kind, m.temporality, m.monotonic ? "monotonic" : "", m.unit].filter(Boolean).join(", ");
    return `<div class="card" data-metric="${esc(m.name)}"><h3>${esc(m.name)} <span class="muted">${esc(m.service)}</span></h3>
      <p class="muted">${esc(shape)}${m.description ? " · " + esc(m.description) : ""} · ${m.points.length} points · latest ${m.kind.includes("histogram") || m.kind === "summary" ? "count " : ""}<b data-testid="metric-latest">${esc(latest)}</b></p>
      ${lineChart(m.points)}${m.kind === "histogram" ? bucketChart(last) : ""}</div>`;
  }).join("") + "</div>";
}

// ---- findings
async function drawFindings(code) {
  const groups = await api("/api/findings");
  if (groups.length === 0) { view.innerHTML = '<p class="empty" data-testid="no-findings">No findings: what arrived passes every lint rule so far.</p>'; return; }
  view.innerHTML = groups.map((g) => `<div class="finding ${esc(g.severity)}" id="finding-${esc(g.code)}" data-code="${esc(g.code)}" data-testid="finding">
    <h3><span class="mono">${esc(g.code)}</span> <span class="badge ${esc(g.severity)}">${esc(g.severity)}</span> <span class="badge">${g.count}×</span> ${esc(g.title)}</h3>
    ${g.examples.map((lines) => "<ul>" + lines.map((line) => `<li>${esc(line)}</li>`).join("") + "</ul>").join("")}
    ${g.fix.length ? "<h4>Fix</h4><ul>" + g.fix.map((line) => `<li>${esc(line)}</li>`).join("") + "</ul>" : ""}
    ${g.links.length ? "<p>Items: " + g.links.slice(0, 20).map(([t, s]) => `<a class="mono" data-testid="finding-link" href="#/trace/${esc(t)}?span=${esc(s)}">${esc(s.slice(0, 8))}</a>`).join(" ") + "</p>" : ""}
    ${g.docs.length ? "<p>" + g.docs.map((d) => `<a href="${esc(d)}" rel="noreferrer">${esc(d)}</a>`).join(" · ") + "</p>" : ""}
    <p class="muted">otlp-doctor explain ${esc(g.code)}</p></div>`).join("");
  if (code) document.getElementById("finding-" + code)?.scrollIntoView();
}

// ---- requests
async function drawRequests() {
  const rows = await api("/api/requests");
  view.innerHTML = rows.length === 0 ? '<p class="empty" data-testid="no-requests">No requests yet.</p>'
    : `<table data-testid="request-list"><thead><tr><th>time</th><th>protocol</th><th>signal</th><th>items</th><th>size</th><th>answer</th><th>why refused</th><th>peer</th><th>user agent</th></tr></thead><tbody>` +
      rows.map((r) => `<tr class="${r.accepted ? "" : "refused"}" data-accepted="${r.accepted}" data-testid="request-row"><td class="mono">${esc(clock(r.time_ms))}</td>
        <td>${esc(r.protocol)}${r.compression && r.compression !== "none" ? " " + esc(r.compression) : ""}</td><td>${esc(r.signal)}</td><td>${r.items ?? ""}</td><td>${esc(bytes(r.bytes))}</td>
        <td class="mono">${esc(r.answer)}</td><td>${r.accepted ? "" : `<b>${esc(r.reason)}</b> ${esc(r.message)}`}</td>
        <td class="mono">${esc(r.peer)}</td><td class="mono">${esc(r.user_agent)}</td></tr>`).join("") + "</tbody></table>";
}

// ---- frame
function drawState() {
  if (!state) return;
  const t = state.tallies;
  const counts = { traces: t.traces.kept, logs: t.logs.kept, points: t.points.kept, findings: t.findings, requests: t.requests.received };
  for (const [key, value] of Object.entries(counts)) {
    const element = document.querySelector(`[data-count="${key}"]`);
    if (element) element.textContent = value;
  }
  const e = state.endpoints;
  document.getElementById("endpoints").textContent = e.grpc ? `OTLP/gRPC ${e.grpc} · OTLP/HTTP ${e.http}` : "";
  const evicted = [["spans", t.spans.evicted], ["log records", t.logs.evicted], ["metric points", t.points.evicted], ["requests", t.requests.evicted]]
    .filter(([, n]) => n > 0);
  const banner = document.getElementById("evicted");
  banner.hidden = evicted.length === 0;
  banner.textContent = `Evicted to stay within ${state.limits.max_items} items of each kind and ${state.limits.max_age_seconds} s: ` +
    evicted.map(([name, n]) => `${n} ${name}`).join(", ") + " (the oldest first).";
}

async function draw() {
  if (drawing) { scheduleDraw(); return; }
  drawing = true;
  const version = state ? state.version : 0;
  const r = route();
  document.querySelectorAll("nav a").forEach((a) =>
    a.classList.toggle("active", a.dataset.view === r.name || (r.name === "trace" && a.dataset.view === "traces")));
  try {
    if (r.name === "trace") await drawTrace(r.id, r.query);
    else if (r.name === "logs") await drawLogs(r.query);
    else if (r.name === "metrics") await drawMetrics();
    else if (r.name === "findings") await drawFindings(r.id);
    else if (r.name === "requests") await drawRequests();
    else await drawTraces();
    drawnVersion = version;
    document.body.dataset.version = String(version);
  } catch (error) {
    view.innerHTML = `<p class="empty">The receiver did not answer: ${esc(error.message)}</p>`;
  } finally {
    drawing = false;
    lastDraw = Date.now();
  }
}

function scheduleDraw() {
  if (redrawTimer) return;
  const wait = Math.max(0, MIN_REDRAW_MS - (Date.now() - lastDraw));
  redrawTimer = setTimeout(() => { redrawTimer = null; draw(); }, wait);
}

function typing() {
  const active = document.activeElement;
  return active && (active.tagName === "INPUT") && view.contains(active);
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => { live.className = "live"; live.textContent = "live"; });
  source.addEventListener("error", () => { live.className = "live off"; live.textContent = "reconnecting"; });
  source.addEventListener("state", (event) => {
    state = JSON.parse(event.data);
    drawState();
    // The filter inputs are redrawn with the list; wait while the user types in one.
    if (state.version !== drawnVersion && !typing()) scheduleDraw();
  });
}

window.addEventListener("hashchange", () => draw());
connect();
draw();
