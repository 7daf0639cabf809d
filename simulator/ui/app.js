// The apio-sim dashboard: plain browser JavaScript over the documented control API, no build step.
"use strict";

const TOKEN_KEY = "apio-sim-admin-token";
const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

let journalShown = "";  // what the journal table shows, to redraw only on change
let selectedRequest = null;
const charts = [];

// Every call: same origin, the namespace header, the admin token as Bearer when one is given.
async function api(method, path, body, raw) {
  const headers = {"X-Apio-Sim-Namespace": $("namespace").value || "default"};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const init = {method, headers};
  if (body !== undefined) {
    init.body = raw ? body : JSON.stringify(body);
    // A scenario file goes as YAML (JSON is YAML too): the control API refuses text/plain from pages.
    headers["Content-Type"] = raw ? "application/yaml" : "application/json";
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = text;
  try { data = JSON.parse(text); } catch (_) { /* YAML export, or a non-JSON answer */ }
  if (!response.ok) {
    if (response.status === 401) setStatus("The control API needs the admin token: enter it above.", true);
    const error = new Error(errorText(data) || response.status + " " + response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}

function errorText(data) {
  if (data && data.errors) return data.errors.map((e) => e.message).join(" ");
  if (data && (data.details || data.error)) return data.details || data.error;
  return typeof data === "string" ? data : "";
}

function setStatus(text, bad) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("bad", !!bad);
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "onclick") node.addEventListener("click", value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function guard(target) {
  return async (event) => {
    if (event) event.preventDefault();
    try { await target(event); } catch (error) { setStatus(error.message, true); }
  };
}

// Requests

async function refreshJournal() {
  const query = new URLSearchParams();
  const endpoint = $("filter-endpoint").value;
  const status = $("filter-status").value.trim();
  if (endpoint) query.set("endpoint", endpoint);
  if (status) query.set("status", status);
  const answer = await api("GET", "/__sim/requests?" + query);
  const fault = $("filter-fault").value.trim();
  const rows = answer.requests.filter((r) => !fault || (r.fault || "").includes(fault)).reverse();
  const shown = JSON.stringify(rows.map((r) => [r.id, r.status, r.fault])) + $("namespace").value;
  if (shown === journalShown) return;
  journalShown = shown;
  const body = $("journal").tBodies[0];
  body.replaceChildren(...rows.map((r) => {
    const open = el("button", {type: "button", onclick: () => showRequest(r), "aria-label": "Show request " + r.id}, r.id);
    const statusClass = r.status === null ? "s-bad" : r.status < 400 ? "s-ok" : "s-bad";
    const row = el("tr", {"data-id": r.id},
      el("td", {}, open), el("td", {}, r.time), el("td", {}, r.method), el("td", {class: "path"}, r.path),
      el("td", {class: statusClass}, r.status === null ? "none" : r.status), el("td", {}, r.fault || ""),
      el("td", {}, r.durationMs));
    if (selectedRequest === r.id) row.classList.add("selected");
    return row;
  }));
  if (!rows.length) body.append(el("tr", {}, el("td", {colspan: 7}, "No requests yet.")));
}

function showRequest(entry) {
  selectedRequest = entry.id;
  for (const row of $("journal").tBodies[0].rows) row.classList.toggle("selected", row.dataset.id === String(entry.id));
  const pretty = (value) => value === null ? "(empty)" : typeof value === "string" ? value : JSON.stringify(value, null, 2);
  const detail = $("request-detail");
  detail.replaceChildren(
    el("h3", {}, `#${entry.id} ${entry.method} ${entry.endpoint || "(unknown endpoint)"}: ${entry.status ?? "no answer"}`),
    el("p", {class: "path"}, entry.path + (Object.keys(entry.query).length ? "?" + new URLSearchParams(entry.query) : "")),
    el("h4", {}, "Request body"), el("pre", {id: "request-body"}, pretty(entry.body)),
    el("h4", {}, "Response body"), el("pre", {id: "response-body"}, pretty(entry.responseBody)),
  );
  detail.focus();
}

// Faults

let faultSchema = null;

async function buildFaultForm() {
  // From the page's own folder: a fetch of /openapi.json would be journaled like any emulated request.
  const response = await fetch("schemas/fault-rule.schema.json");
  if (!response.ok) throw new Error(response.status + " " + response.statusText);
  faultSchema = await response.json();
  const fields = $("fault-fields");
  fields.replaceChildren();
  const matchProps = faultSchema.properties.match.properties;
  for (const [name, prop] of Object.entries(matchProps)) {
    if (name === "method") {
      const options = [...new Set(prop.enum.map((v) => v.toUpperCase()))];
      fields.append(field("match." + name, "match " + name, selectInput(options, prop)));
    } else if (prop.enum) {
      fields.append(field("match." + name, "match " + name, selectInput(prop.enum, prop)));
    } else {
      fields.append(field("match." + name, "match " + name, el("input", {type: "text", title: prop.description})));
    }
  }
  const action = faultSchema.$defs.actionText;  // the string form; the oci-error object form is for files
  const actionInput = el("input", {type: "text", required: "", list: "fault-actions", title: action.description,
    pattern: action.pattern.replace(/^\^/, "").replace(/\(\?!\n\)\$$/, "").replace(/\$$/, "")});
  const examples = ["http-503", "http-500", "http-429:30", "http-401", "delay:500", "reset", "empty",
    "malformed-body", "date-in-future", "oci-error;error_code=4008;summary=Group not found"];
  fields.append(field("action", "action (required)", actionInput),
    el("datalist", {id: "fault-actions"}, ...examples.map((v) => el("option", {value: v}))));
  for (const name of ["times", "after", "probability", "seed"]) {
    const prop = faultSchema.properties[name];
    const attrs = {type: "number", title: prop.description, step: prop.type === "integer" ? "1" : "0.01"};
    if (prop.minimum !== undefined) attrs.min = prop.minimum;
    if (prop.maximum !== undefined) attrs.max = prop.maximum;
    fields.append(field(name, name, el("input", attrs)));
  }
}

function selectInput(values, prop) {
  return el("select", {title: prop.description}, el("option", {value: ""}, "any"), ...values.map((v) => el("option", {value: v}, v)));
}

function field(name, text, input) {
  input.id = "fault-" + name.replace(".", "-");
  input.name = name;
  return el("label", {for: input.id}, text, input);
}

async function addFault() {
  $("fault-error").textContent = "";
  const rule = {};
  for (const input of $("fault-fields").querySelectorAll("input, select")) {
    const value = input.value.trim();
    if (!value) continue;
    const [first, second] = input.name.split(".");
    const prop = second ? faultSchema.properties.match.properties[second] : faultSchema.properties[first];
    const typed = prop.type === "integer" || prop.type === "number" ? Number(value) : value;
    if (second) (rule.match = rule.match || {})[second] = typed;
    else rule[first] = typed;
  }
  try {
    const added = await api("POST", "/__sim/faults", rule);
    setStatus(`Fault rule ${added.id} added.`);
    $("fault-form").reset();
  } catch (error) {
    $("fault-error").textContent = error.message;
  }
  await Promise.all([refreshFaults(), refreshNamespaces()]);
}

async function refreshFaults() {
  const answer = await api("GET", "/__sim/faults");
  const body = $("fault-list").tBodies[0];
  body.replaceChildren(...answer.faults.map((rule) => {
    const dose = ["times", "after", "probability", "seed"].filter((k) => k in rule).map((k) => `${k} ${rule[k]}`).join(", ");
    const remove = el("button", {type: "button", "aria-label": "Remove fault rule " + rule.id,
      onclick: guard(async () => { await api("DELETE", "/__sim/faults/" + encodeURIComponent(rule.id));
        await Promise.all([refreshFaults(), refreshNamespaces()]); })}, "Remove");
    return el("tr", {"data-id": rule.id}, el("td", {}, rule.id), el("td", {}, JSON.stringify(rule.match || {})),
      el("td", {}, rule.action), el("td", {}, dose || "until removed"), el("td", {}, rule.matched), el("td", {}, rule.hits),
      el("td", {}, remove));
  }));
  if (!answer.faults.length) body.append(el("tr", {}, el("td", {colspan: 7}, "No fault rules.")));
}

// Clock

let clockNow = null;

async function refreshClock(answer) {
  const clock = answer || await api("GET", "/__sim/clock");
  clockNow = clock.now;
  $("clock-now").textContent = clock.now;
  $("clock-mode").textContent = clock.frozen ? "frozen" : "running";
}

async function putClock(change) {
  $("clock-error").textContent = "";
  try {
    await refreshClock(await api("PUT", "/__sim/clock", change));
    await refreshNamespaces();
  } catch (error) {
    $("clock-error").textContent = error.message;
  }
}

function advanceValue(text) {
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

// Scenario and namespaces

let scenarioDocument = null;

async function refreshScenario() {
  const [health, document_] = await Promise.all([api("GET", "/__sim/health"), api("GET", "/__sim/scenario")]);
  scenarioDocument = document_;
  const tenants = document_.tenants || [];
  const groups = tenants.flatMap((t) => t.groups || []);
  const callCenters = groups.flatMap((g) => g.callCenters || []);
  const agents = callCenters.reduce((n, cc) => n + (cc.agents || []).length, 0);
  const facts = [["Scenario", health.scenario.name], ["Seed", health.scenario.seed], ["Tenants", tenants.length],
    ["Groups", groups.length], ["Call centers", health.scenario.callCenters], ["Agents", agents],
    ["Calls", health.scenario.calls], ["Hash", health.scenario.hash.slice(0, 12)], ["Version", health.version]];
  $("scenario-summary").replaceChildren(...facts.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v))));
  fillCallCenters(tenants);
}

function fillCallCenters(tenants) {
  const select = $("cc");
  const current = select.value;
  const options = [];
  for (const tenant of tenants) for (const group of tenant.groups || []) for (const cc of group.callCenters || []) {
    const value = [tenant.id, group.id, cc.id].join("/");
    options.push(el("option", {value}, `${cc.id} (${tenant.id} / ${group.id})`));
  }
  select.replaceChildren(...options);
  if (current && options.some((o) => o.value === current)) select.value = current;
}

async function refreshNamespaces() {
  const answer = await api("GET", "/__sim/namespaces");
  const select = $("namespace");
  const current = select.value;
  select.replaceChildren(...answer.namespaces.map((n) => el("option", {value: n.name}, n.name)));
  select.value = answer.namespaces.some((n) => n.name === current) ? current : "default";
  $("namespace-list").tBodies[0].replaceChildren(...answer.namespaces.map((n) => {
    const drop = n.name === "default" ? "" : el("button", {type: "button", "aria-label": "Drop namespace " + n.name,
      onclick: guard(async () => { await api("DELETE", "/__sim/namespaces/" + encodeURIComponent(n.name)); await refreshNamespaces(); })}, "Drop");
    return el("tr", {}, el("td", {}, n.name), el("td", {}, n.requests), el("td", {}, n.faults), el("td", {}, n.now), el("td", {}, drop));
  }));
}

async function exportScenario(format) {
  const data = await api("GET", "/__sim/scenario" + (format === "yaml" ? "?format=yaml" : ""));
  const text = typeof data === "string" ? data : JSON.stringify(data, null, 2);
  const link = el("a", {href: URL.createObjectURL(new Blob([text], {type: "text/plain"})), download: "scenario." + format});
  document.body.append(link);
  link.click();
  link.remove();
}

async function loadScenarioFile() {
  $("scenario-error").textContent = "";
  const file = $("scenario-file").files[0];
  if (!file) return;
  try {
    const loaded = await api("PUT", "/__sim/scenario", await file.text(), true);
    setStatus(`Scenario ${loaded.name} loaded: ${loaded.callCenters} call centers, ${loaded.calls} calls.`);
  } catch (error) {
    $("scenario-error").textContent = error.message;
  }
  $("scenario-file").value = "";
  await refreshAll();
}

// Call center explorer

function zulu(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function defaultRange() {
  if ($("range-end").value || !clockNow) return;
  const end = new Date(clockNow);
  $("range-end").value = zulu(end);
  $("range-start").value = zulu(new Date(end.getTime() - 24 * 3600 * 1000));
}

async function explore() {
  $("explorer-error").textContent = "";
  const [tenant, group, cc] = $("cc").value.split("/").map(encodeURIComponent);
  const query = new URLSearchParams({start: $("range-start").value.trim(), bucket: $("bucket").value});
  if ($("range-end").value.trim()) query.set("end", $("range-end").value.trim());
  let series;
  try {
    series = await api("GET", `/__sim/call-centers/${tenant}/${group}/${cc}/series?${query}`);
  } catch (error) {
    $("explorer-error").textContent = error.message;
    return;
  }
  $("explorer-result").hidden = false;
  const queue = series.totals.queueStatistics;
  $("queue-stats").replaceChildren(...Object.entries(queue).map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v))));
  $("agent-stats").tBodies[0].replaceChildren(...series.totals.agentStatistics.map((a) => el("tr", {},
    el("td", {}, `${a.agentDisplayNames.firstName} ${a.agentDisplayNames.lastName} (${a.agentUserId})`),
    el("td", {}, a.available ? "yes" : "no"), el("td", {}, a.statistics.callsHandled), el("td", {}, a.statistics.callsUnanswered),
    el("td", {}, a.statistics.averageCallSeconds), el("td", {}, a.statistics.totalTalkSeconds),
    el("td", {}, a.statistics.totalStaffedSeconds))));
  drawCharts(series);
}

const OUTCOMES = [["callsAnswered", "answered", "#2e7d32"], ["callsAbandoned", "abandoned", "#c62828"],
  ["callsTransferred", "transferred", "#1565c0"], ["callsTimedout", "timed out", "#ef6c00"],
  ["busyOverflows", "busy overflow", "#6a1b9a"]];

function chartWidth() {
  return Math.max(300, $("explorer").clientWidth - 40);
}

function drawCharts(series) {
  for (const chart of charts.splice(0)) chart.destroy();
  const x = series.buckets.map((b) => Date.parse(b.start) / 1000);
  const width = chartWidth();
  const bars = uPlot.paths.bars({size: [0.8, 60]});

  // Stacked: each outcome is drawn as the running total up to it, the largest first, so each shows its own share.
  const running = [];
  let sum = x.map(() => 0);
  for (const [key] of OUTCOMES) {
    sum = sum.map((v, i) => v + series.buckets[i][key]);
    running.push(sum);
  }
  const order = OUTCOMES.map((_, i) => OUTCOMES.length - 1 - i);
  charts.push(new uPlot({
    width, height: 260,
    series: [{}, ...order.map((i) => ({label: OUTCOMES[i][1], fill: OUTCOMES[i][2], stroke: OUTCOMES[i][2], paths: bars,
      points: {show: false}, value: (u, v, s, idx) => idx === null ? "-" : series.buckets[idx][OUTCOMES[i][0]]}))],
    axes: [{}, {label: "calls"}],
    scales: {y: {range: (u, min, max) => [0, Math.max(1, max)]}},
  }, [x, ...order.map((i) => running[i])], $("chart-calls")));

  charts.push(new uPlot({
    width, height: 220,
    series: [{}, {label: "staffed", stroke: "#1565c0", width: 2, paths: uPlot.paths.stepped({align: 1})},
      {label: "talking", stroke: "#2e7d32", fill: "rgba(46,125,50,0.15)", width: 2, paths: uPlot.paths.stepped({align: 1})}],
    axes: [{}, {label: "agents"}],
    scales: {y: {range: (u, min, max) => [0, Math.max(1, max)]}},
  }, [x, series.buckets.map((b) => b.averageAgentsStaffed), series.buckets.map((b) => b.averageAgentsTalking)], $("chart-agents")));

  const edges = series.waits.edgesSeconds;
  const labels = edges.map((e, i) => i + 1 < edges.length ? `${e}-${edges[i + 1]} s` : `${e} s+`);
  charts.push(new uPlot({
    width, height: 220,
    scales: {x: {time: false, range: [-0.5, edges.length - 0.5]}, y: {range: (u, min, max) => [0, Math.max(1, max)]}},
    series: [{label: "wait", value: (u, v) => v === null ? "-" : labels[v]},
      {label: "answered", fill: "#2e7d32", stroke: "#2e7d32", paths: uPlot.paths.bars({size: [0.4], align: -1}), points: {show: false}},
      {label: "abandoned", fill: "#c62828", stroke: "#c62828", paths: uPlot.paths.bars({size: [0.4], align: 1}), points: {show: false}}],
    axes: [{splits: () => edges.map((_, i) => i), values: (u, splits) => splits.map((i) => labels[i] ?? "")}, {label: "calls"}],
  }, [edges.map((_, i) => i), series.waits.answered, series.waits.abandoned], $("chart-waits")));
}

// Wiring

async function refreshAll() {
  await refreshNamespaces();
  await Promise.all([refreshJournal(), refreshFaults(), refreshClock(), refreshScenario()]);
  defaultRange();
  setStatus("Up to date.");
}

async function poll() {
  if ($("live").checked) {
    try {
      await refreshJournal();
      await refreshClock();
    } catch (_) { /* the status line already says why */ }
  }
  setTimeout(poll, POLL_MS);
}

function start() {
  $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("access").addEventListener("submit", guard(async () => {
    const token = $("token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
    await refreshAll();
  }));
  $("namespace").addEventListener("change", guard(async () => { journalShown = ""; await refreshAll(); }));
  $("journal-filter").addEventListener("submit", guard(async () => { journalShown = ""; await refreshJournal(); }));
  $("clear-journal").addEventListener("click", guard(async () => { await api("DELETE", "/__sim/requests"); await refreshJournal(); }));
  $("fault-form").addEventListener("submit", guard(addFault));
  $("clock-advance").addEventListener("submit", guard(() => putClock({advance: advanceValue($("advance-by").value.trim())})));
  $("clock-freeze").addEventListener("submit", guard(() => putClock({now: $("freeze-at").value.trim()})));
  $("freeze-now").addEventListener("click", guard(() => putClock({now: clockNow})));
  $("real-time").addEventListener("click", guard(() => putClock({realTime: true})));
  $("reset").addEventListener("click", guard(async () => { await api("POST", "/__sim/reset"); await refreshAll(); }));
  $("export-json").addEventListener("click", guard(() => exportScenario("json")));
  $("export-yaml").addEventListener("click", guard(() => exportScenario("yaml")));
  $("scenario-file").addEventListener("change", guard(loadScenarioFile));
  $("explorer-form").addEventListener("submit", guard(explore));
  window.addEventListener("resize", () => { for (const chart of charts) chart.setSize({width: chartWidth(), height: chart.height}); });
  buildFaultForm().catch((error) => setStatus("Could not build the fault form: " + error.message, true));
  refreshAll().catch((error) => setStatus(error.message, true));
  poll();
}

start();
