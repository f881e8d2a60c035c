// The dashboard's pages: a hash router over five views, fed by the AppHost's JSON API and its Server-Sent Events
// streams (resource states, console lines, "new telemetry" ticks), so nothing needs a reload.
"use strict";

const view = document.getElementById("view");
const live = document.getElementById("live");
let cleanups = [];

// Builds an element; strings become text nodes (never HTML), so nothing received can inject markup.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "style") el.setAttribute("style", value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401) { location.href = "/login"; throw new Error("not signed in"); }
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// Opens an SSE stream for the current view; it is closed when the view changes.
function stream(url, eventName, onData) {
  const source = new EventSource(url);
  source.addEventListener(eventName, e => onData(JSON.parse(e.data)));
  source.onopen = () => { live.textContent = "live"; live.className = "on"; };
  source.onerror = () => { live.textContent = "reconnecting"; live.className = ""; };
  cleanups.push(() => source.close());
  return source;
}

// Calls refresh now and whenever the AppHost received new telemetry.
function onTelemetry(refresh) {
  let busy = false, again = false;
  const run = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try { await refresh(); } finally { busy = false; if (again) { again = false; run(); } }
  };
  stream("/api/telemetry/stream", "telemetry", run);
}

const time = t => t ? new Date(t).toLocaleTimeString([], { hour12: false }) + "." + String(new Date(t).getMilliseconds()).padStart(3, "0") : "";
const ms = d => d >= 1000 ? `${(d / 1000).toFixed(2)} s` : `${d.toFixed(d < 10 ? 2 : 1)} ms`;
const palette = ["#0969da", "#8250df", "#1a7f37", "#bc4c00", "#bf3989", "#0a7ea4", "#6e7781"];
const colorOf = name => palette[[...name].reduce((a, c) => a + c.charCodeAt(0), 0) % palette.length];
const param = (name) => new URLSearchParams(location.hash.split("?")[1] || "").get(name) || "";

async function resourceNames() {
  const resources = await getJson("/api/resources");
  return [...new Set(resources.map(r => r.name))];
}

// ---- Resources -------------------------------------------------------------------------------------------------
function resourcesView() {
  const rows = new Map();
  const body = h("tbody");
  const error = h("p", { class: "error", id: "command-error" });
  view.append(h("h1", {}, "Resources"), error, h("table", { id: "resources" },
    h("thead", {}, h("tr", {}, ["Name", "Type", "State", "Health", "Started", "Exit code", "Restarts", "Endpoints", "", "Actions"].map(t => h("th", {}, t)))),
    body));

  async function command(id, name) {
    error.textContent = "";
    const response = await fetch(`/api/resources/${encodeURIComponent(id)}/commands/${name}`, { method: "POST" });
    if (!response.ok) error.textContent = (await response.json()).detail || `${name} failed`;
  }

  stream("/api/resources/stream", "resource", r => {
    const running = r.state === "Running" || r.state === "Starting" || r.state === "Waiting";
    const canCommand = r.pid !== null || ["Exited", "Finished", "FailedToStart"].includes(r.state);
    const row = h("tr", { "data-resource": r.id },
      h("td", {}, r.id),
      h("td", {}, r.type),
      h("td", { class: `state state-${r.state}`, title: r.stateReason || "" }, r.state),
      h("td", { class: `health health-${r.health || "none"}`, title: r.stateReason || "" }, r.health || ""),
      h("td", {}, r.startTime ? new Date(r.startTime).toLocaleString() : ""),
      h("td", {}, r.exitCode ?? ""),
      h("td", {}, r.restarts),
      h("td", {}, r.urls.map(u => h("a", { href: u, target: "_blank", rel: "noopener" }, u))),
      h("td", {}, h("a", { href: `#/console?resource=${encodeURIComponent(r.name)}` }, "console")),
      h("td", {}, canCommand ? [
        h("button", { disabled: !running, onclick: () => command(r.id, "resource-stop") }, "Stop"), " ",
        h("button", { disabled: running, onclick: () => command(r.id, "resource-start") }, "Start"), " ",
        h("button", { disabled: !running, onclick: () => command(r.id, "resource-restart") }, "Restart"),
      ] : ""));
    if (rows.has(r.id)) rows.get(r.id).replaceWith(row); else body.append(row);
    rows.set(r.id, row);
  });
}

// ---- Console logs ----------------------------------------------------------------------------------------------
async function consoleView() {
  const names = await resourceNames();
  const resource = param("resource") || names.find(n => n === "api") || names[0] || "";
  const select = h("select", { id: "console-resource", onchange: e => { location.hash = `#/console?resource=${encodeURIComponent(e.target.value)}`; } },
    names.map(n => h("option", { value: n, selected: n === resource }, n)));
  const search = h("input", { id: "console-search", placeholder: "Search", oninput: () => redraw() });
  const output = h("pre", { id: "console" });
  const lines = [];
  view.append(h("h1", {}, "Console logs"), h("div", { class: "filters" }, select, search), output);

  const render = line => h("div", { class: line.isErrorMessage ? "stderr" : "" }, `${time(line.timestamp)} ${line.resourceId}| ${line.content}`);
  const matches = line => !search.value || line.content.toLowerCase().includes(search.value.toLowerCase());
  function redraw() { output.replaceChildren(...lines.filter(matches).map(render)); output.scrollTop = output.scrollHeight; }

  if (!resource) return;
  stream(`/api/console/${encodeURIComponent(resource)}/stream`, "line", line => {
    lines.push(line);
    if (lines.length > 10000) lines.shift();
    if (!matches(line)) return;
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 20;
    output.append(render(line));
    if (atBottom) output.scrollTop = output.scrollHeight;
  });
}

// ---- Structured logs -------------------------------------------------------------------------------------------
const levels = [["Trace", 1], ["Debug", 5], ["Information", 9], ["Warning", 13], ["Error", 17], ["Critical", 21]];

async function logsView() {
  const names = await resourceNames();
  const resource = h("select", { id: "logs-resource", onchange: () => refresh() }, h("option", { value: "" }, "All resources"),
    names.map(n => h("option", { value: n }, n)));
  const level = h("select", { id: "logs-level", onchange: () => refresh() }, levels.map(([name, n]) => h("option", { value: n, selected: n === 9 }, name)));
  const text = h("input", { id: "logs-text", placeholder: "Filter text", oninput: () => refresh() });
  const traceId = param("traceId");
  const body = h("tbody");
  view.append(h("h1", {}, "Structured logs", traceId ? ` of trace ${traceId}` : ""), h("div", { class: "filters" }, resource, level, text),
    h("table", { id: "logs" }, h("thead", {}, h("tr", {}, ["Time", "Resource", "Level", "Category", "Message", "Trace"].map(t => h("th", {}, t)))), body));

  async function refresh() {
    const query = new URLSearchParams({ resource: resource.value, minSeverity: level.value, text: text.value, traceId });
    const logs = await getJson(`/api/logs?${query}`);
    body.replaceChildren(...logs.reverse().slice(0, 500).map(l => h("tr", {},
      h("td", {}, time(l.timestamp)), h("td", {}, l.instance), h("td", { class: `level-${l.level}` }, l.level),
      h("td", { class: "muted" }, l.category), h("td", {}, l.message),
      h("td", {}, l.traceId ? h("a", { href: `#/traces/${l.traceId}` }, l.traceId.slice(0, 8)) : ""))));
  }
  onTelemetry(refresh);
}

// ---- Traces ----------------------------------------------------------------------------------------------------
async function tracesView() {
  const names = await resourceNames();
  const resource = h("select", { id: "traces-resource", onchange: () => refresh() }, h("option", { value: "" }, "All resources"),
    names.map(n => h("option", { value: n }, n)));
  const text = h("input", { id: "traces-text", placeholder: "Span name", oninput: () => refresh() });
  const body = h("tbody");
  view.append(h("h1", {}, "Traces"), h("div", { class: "filters" }, resource, text),
    h("table", { id: "traces" }, h("thead", {}, h("tr", {}, ["Time", "Name", "Resources", "Spans", "Errors", "Duration"].map(t => h("th", {}, t)))), body));

  async function refresh() {
    const traces = await getJson(`/api/traces?${new URLSearchParams({ resource: resource.value, text: text.value })}`);
    body.replaceChildren(...traces.map(t => h("tr", { "data-trace": t.traceId },
      h("td", {}, time(t.start)),
      h("td", {}, h("a", { href: `#/traces/${t.traceId}` }, `${t.rootResource}: ${t.rootName}`)),
      h("td", {}, t.resources.map(r => h("span", { class: "resource-tag", style: `background:${colorOf(r)}` }, r))),
      h("td", {}, t.spanCount), h("td", { class: t.errorCount ? "error" : "" }, t.errorCount), h("td", {}, ms(t.durationMs)))));
  }
  onTelemetry(refresh);
}

async function traceView(traceId) {
  const title = h("h1", {}, `Trace ${traceId}`);
  const summary = h("p", { class: "muted" });
  const waterfall = h("div", { class: "waterfall", id: "waterfall" });
  const details = h("div", { class: "details", id: "span-details" });
  let selected = null;
  view.append(title, summary, h("p", {}, h("a", { href: `#/logs?traceId=${traceId}` }, "Logs of this trace")), waterfall, details);

  function showDetails(span) {
    selected = span.spanId;
    const rows = [["Resource", span.instance], ["Name", span.name], ["Kind", span.kind], ["Scope", span.scope], ["Start", time(span.start)],
      ["Duration", ms(span.durationMs)], ["Status", span.isError ? `Error ${span.statusMessage || ""}` : "OK / unset"],
      ["Span id", span.spanId], ["Parent", span.parentSpanId || ""], ...span.attributes.map(a => [a.key, a.value]),
      ...span.links.map(l => ["link", `${l.traceId}/${l.spanId}`]), ...span.events.map(e => [`event ${time(e.time)}`, e.name])];
    details.replaceChildren(h("table", {}, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v))))));
    waterfall.querySelectorAll(".span-row").forEach(r => r.classList.toggle("selected", r.dataset.span === selected));
  }

  async function refresh() {
    let spans;
    try { spans = await getJson(`/api/traces/${traceId}`); } catch { summary.textContent = "No such trace (yet)."; return; }
    const start = Math.min(...spans.map(s => Date.parse(s.start)));
    const end = Math.max(...spans.map(s => Date.parse(s.end)));
    const total = Math.max(end - start, 1);
    const resources = [...new Set(spans.map(s => s.resource))];
    summary.textContent = `${spans.length} spans across ${resources.join(", ")}, ${ms(end - start)}`;
    // Depth-first order under each parent, so the waterfall reads as a call tree across services.
    const ids = new Set(spans.map(s => s.spanId));
    const children = new Map();
    for (const s of spans) {
      const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : "";
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(s);
    }
    const ordered = [];
    const visit = (parent, depth) => (children.get(parent) || []).sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
      .forEach(s => { ordered.push([s, depth]); visit(s.spanId, depth + 1); });
    visit("", 0);
    waterfall.replaceChildren(...ordered.map(([s, depth]) => {
      const left = (Date.parse(s.start) - start) / total * 100;
      const width = Math.max(s.durationMs / total * 100, 0.2);
      return h("div", { class: "span-row", "data-span": s.spanId, onclick: () => showDetails(s) },
        h("div", { class: "span-label", style: `padding-left:${0.4 + depth * 1.1}rem`, title: s.name },
          h("span", { class: "resource-tag", style: `background:${colorOf(s.resource)}` }, s.resource),
          h("span", { class: `span-name${s.isError ? " error" : ""}` }, s.name)),
        h("div", { class: "span-track" },
          h("div", { class: `span-bar${s.isError ? " error" : ""}`, style: `left:${left}%;width:${width}%;background:${colorOf(s.resource)}` }),
          h("span", { class: "span-time", style: left + width > 85 ? `right:${100 - left + 0.5}%` : `left:${left + width + 0.5}%` }, ms(s.durationMs))));
    }));
    const keep = spans.find(s => s.spanId === selected);
    if (keep) showDetails(keep);
  }
  onTelemetry(refresh);
}

// ---- Metrics ---------------------------------------------------------------------------------------------------
async function metricsView() {
  const instruments = h("div", { id: "instruments" });
  const chart = h("div", { id: "chart" });
  const resource = h("select", { id: "metrics-resource", onchange: () => { location.hash = `#/metrics?resource=${encodeURIComponent(resource.value)}`; } });
  view.append(h("h1", {}, "Metrics"), h("div", { class: "filters" }, resource), h("div", { class: "metrics" }, instruments, chart));
  const chosen = () => ({ resource: param("resource"), meter: param("meter"), name: param("name") });

  async function refresh() {
    const all = await getJson("/api/metrics/instruments");
    const instances = [...new Set(all.map(i => i.instance))];
    const current = chosen().resource || instances.find(i => i === "api") || instances[0] || "";
    resource.replaceChildren(...instances.map(i => h("option", { value: i, selected: i === current }, i)));
    const mine = all.filter(i => i.instance === current);
    instruments.replaceChildren(...mine.map(i => h("a", {
      class: `instrument${i.meter === chosen().meter && i.name === chosen().name ? " selected" : ""}`,
      href: `#/metrics?${new URLSearchParams({ resource: current, meter: i.meter, name: i.name })}`,
    }, h("div", {}, i.name), h("div", { class: "muted" }, i.meter))));
    const { meter, name } = chosen();
    const instrument = mine.find(i => i.meter === meter && i.name === name);
    if (!instrument) { chart.replaceChildren(h("p", { class: "muted" }, "Choose an instrument.")); return; }
    const points = await getJson(`/api/metrics/points?${new URLSearchParams({ instance: current, meter, name })}`);
    chart.replaceChildren(h("h2", {}, instrument.name), h("p", { class: "muted" }, `${instrument.description} (${instrument.type}${instrument.unit ? ", " + instrument.unit : ""})`),
      drawChart(points, instrument));
  }
  onTelemetry(refresh);
}

function drawChart(points, instrument) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", "0 0 600 280");
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    svg.append(el);
  };
  if (points.length === 0) { add("text", { x: 20, y: 40 }, "No points yet."); return svg; }
  const times = points.map(p => Date.parse(p.time)), values = points.map(p => p.value);
  const t0 = Math.min(...times), t1 = Math.max(...times, t0 + 1);
  const v0 = Math.min(0, ...values), v1 = Math.max(...values, v0 + 1e-9);
  const x = t => 50 + (t - t0) / (t1 - t0) * 530, y = v => 250 - (v - v0) / (v1 - v0) * 220;
  add("line", { x1: 50, y1: 250, x2: 580, y2: 250, stroke: "#8c959f" });
  add("line", { x1: 50, y1: 30, x2: 50, y2: 250, stroke: "#8c959f" });
  add("text", { x: 4, y: 34, "font-size": 11 }, v1.toPrecision(4));
  add("text", { x: 4, y: 250, "font-size": 11 }, v0.toPrecision(4));
  add("text", { x: 50, y: 270, "font-size": 11 }, time(t0));
  add("text", { x: 500, y: 270, "font-size": 11 }, time(t1));
  add("polyline", { fill: "none", stroke: colorOf(instrument.name), "stroke-width": 2, points: points.map((p, i) => `${x(times[i])},${y(values[i])}`).join(" ") });
  const last = points[points.length - 1];
  add("text", { x: 400, y: 20, "font-size": 12 }, `latest: ${last.value.toPrecision(6)}${instrument.type === "histogram" ? ` (mean, ${last.count} recorded)` : ""}`);
  return svg;
}

// ---- Router ----------------------------------------------------------------------------------------------------
async function route() {
  cleanups.forEach(close => close());
  cleanups = [];
  view.replaceChildren();
  const path = location.hash.replace(/^#/, "").split("?")[0] || "/resources";
  const [, page, id] = path.split("/");
  document.querySelectorAll("header nav a").forEach(a => a.classList.toggle("active", a.dataset.page === page));
  try {
    if (page === "console") await consoleView();
    else if (page === "logs") await logsView();
    else if (page === "traces" && id) await traceView(id);
    else if (page === "traces") await tracesView();
    else if (page === "metrics") await metricsView();
    else resourcesView();
  } catch (e) {
    view.append(h("p", { class: "error" }, String(e.message || e)));
  }
}

window.addEventListener("hashchange", route);
route();
