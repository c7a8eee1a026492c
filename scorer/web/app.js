// QA workbench: plain JS, no build step, no third-party code.
// Reply text is untrusted: it only ever enters the page as text nodes (textContent /
// createTextNode), never as HTML, and the server's CSP forbids inline script anyway.
"use strict";

const TOKEN_KEY = "scorer-token";
const DIMENSIONS = ["greeting", "explanation", "closing"];
const $ = (sel) => document.querySelector(sel);

// `me` is who the server says the token belongs to: {name, role, rights}. The page only
// offers what the role may do; the server enforces it either way (403).
const state = { cursor: null, current: null, query: "", me: null };

function token() { return sessionStorage.getItem(TOKEN_KEY); }

class AuthError extends Error {}

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + token() }, options.headers || {});
  const resp = await fetch(path, Object.assign({}, options, { headers }));
  if (resp.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("The token was not accepted.");
    throw new AuthError("unauthorised");
  }
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    if (resp.status === 429) {
      throw new Error("Too many requests; wait " + (resp.headers.get("Retry-After") || "a few") +
        " s and try again.");
    }
    throw new Error(resp.status + ": " + (detail || resp.statusText));
  }
  return body;
}

function may(right) { return Boolean(state.me && state.me.rights.includes(right)); }

async function loadMe() {
  state.me = await api("/api/me");
  $("#whoami").textContent = state.me.name + " (" + state.me.role + ")";
  $("#whoami").hidden = false;
  $("#review-as").textContent = state.me.name;
  $("#review-controls").hidden = !may("review");
  $("#review-readonly").hidden = may("review");
  $("#csv-link").hidden = !may("export");
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  }
  return node;
}

function showLogin(message) {
  $("#workbench").hidden = true;
  $("#logout").hidden = true;
  $("#whoami").hidden = true;
  state.me = null;
  $("#login").hidden = false;
  $("#login-error").textContent = message || "";
  $("#token-input").focus();
}

function showWorkbench() {
  $("#login").hidden = true;
  $("#workbench").hidden = false;
  $("#logout").hidden = false;
}

function filterParams() {
  const params = new URLSearchParams();
  for (const field of $("#filters").elements) {
    if (field.name && field.value.trim() !== "") params.set(field.name, field.value.trim());
  }
  return params;
}

function fmtTime(iso) {
  return iso ? iso.slice(0, 16).replace("T", " ") : "";
}

async function loadList(append) {
  $("#list-error").textContent = "";
  const params = new URLSearchParams(state.query);
  params.set("limit", "50");
  if (append && state.cursor) params.set("cursor", state.cursor);
  let page;
  try {
    page = await api("/api/flagged?" + params.toString());
  } catch (err) {
    if (!(err instanceof AuthError)) $("#list-error").textContent = err.message;
    return;
  }
  const tbody = $("#list tbody");
  if (!append) tbody.replaceChildren();
  for (const item of page.items) {
    const row = el("tr", { dataset: { id: item.id }, tabindex: "0", class: "row-" + item.band },
      el("td", { class: "num" }, item.total),
      el("td", {}, item.channel),
      el("td", {}, item.language),
      el("td", {}, fmtTime(item.event_at)),
      el("td", {}, item.reasons.join(", ")),
      el("td", {}, item.team || ""),
      el("td", { class: "reviewed" }, item.reviews.length ? item.reviews.at(-1).verdict : ""));
    row.addEventListener("click", () => openReply(item.id));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") openReply(item.id); });
    tbody.append(row);
  }
  state.cursor = page.next_cursor;
  $("#more").hidden = !page.next_cursor;
  $("#empty").hidden = tbody.children.length > 0;
}

async function loadStats() {
  try {
    const s = await api("/api/stats?" + new URLSearchParams({ since: "7d" }));
    const parts = Object.entries(s.by_channel).map(([k, v]) => k + " " + v);
    $("#stats").textContent = "Last 7 days: " + s.total + " flagged" +
      (parts.length ? " (" + parts.join(", ") + ")" : "") + ", " + s.reviewed + " reviewed" +
      (s.conversations ? " · " + s.conversations.total + " flagged conversations" : "");
  } catch (err) {
    if (!(err instanceof AuthError)) $("#stats").textContent = "";
  }
}

function displayText(item) {
  if (item.content_type === "text/html") {
    // Parsed in an inert document (scripts do not run, nothing loads); only its text is used.
    const doc = new DOMParser().parseFromString(item.text, "text/html");
    return (doc.body.innerText || doc.body.textContent || "").trim();
  }
  return item.text;
}

// Evidence offsets refer to the unredacted text; the stored span text is redacted the same
// way as the stored reply, so the span is located by searching for its text.
function locateSpans(text, evidence) {
  const found = [];
  const missing = [];
  for (const dim of DIMENSIONS) {
    const span = evidence[dim];
    if (!span || !span.text) continue;
    let at = text.indexOf(span.text);
    if (at < 0) at = text.toLowerCase().indexOf(span.text.trim().toLowerCase());
    if (at < 0) { missing.push(dim); continue; }
    found.push({ dim, start: at, end: at + span.text.trim().length });
  }
  found.sort((a, b) => a.start - b.start);
  const spans = [];
  for (const s of found) {
    if (spans.length && s.start < spans.at(-1).end) { missing.push(s.dim); continue; }
    spans.push(s);
  }
  return { spans, missing };
}

function renderText(container, text, spans) {
  container.replaceChildren();
  let pos = 0;
  for (const s of spans) {
    container.append(document.createTextNode(text.slice(pos, s.start)));
    container.append(el("mark", { class: "ev ev-" + s.dim, title: s.dim + " evidence" },
      text.slice(s.start, s.end)));
    pos = s.end;
  }
  container.append(document.createTextNode(text.slice(pos)));
}

function renderReviews(reviews) {
  const list = $("#reviews");
  list.replaceChildren();
  for (const r of reviews) {
    const labels = Object.entries(r.labels).map(([k, v]) => k + "=" + v).join(", ");
    list.append(el("li", { class: "review-" + r.verdict },
      fmtTime(r.created_at) + " · " + r.reviewer + " · " + r.verdict +
      (labels ? " · " + labels : "") + (r.comment ? " · “" + r.comment + "”" : "")));
  }
  if (!reviews.length) list.append(el("li", { class: "muted" }, "none yet"));
}

async function openReply(id) {
  let item;
  try {
    item = await api("/api/flagged/" + encodeURIComponent(id));
  } catch (err) {
    if (!(err instanceof AuthError)) $("#list-error").textContent = err.message;
    return;
  }
  state.current = item;
  for (const row of document.querySelectorAll("#list tbody tr")) {
    row.classList.toggle("selected", row.dataset.id === id);
  }
  $("#detail").hidden = false;
  $("#d-total").textContent = item.total;
  $("#d-band").textContent = item.band.replace("_", " ");
  $("#d-band").className = "band band-" + item.band;
  $("#d-id").textContent = item.id;
  $("#d-meta").textContent = [item.channel, item.language, fmtTime(item.event_at),
    item.team && "team " + item.team, item.agent_id && "agent " + item.agent_id,
    item.conversation_id && "conversation " + item.conversation_id,
    "model " + item.model_version].filter(Boolean).join(" · ");
  const text = displayText(item);
  const { spans, missing } = locateSpans(text, item.evidence || {});
  renderText($("#reply-text"), text, spans);

  const tbody = $("#dims tbody");
  tbody.replaceChildren();
  for (const dim of [...DIMENSIONS, "length"]) {
    const score = item.dimensions[dim];
    const span = (item.evidence || {})[dim];
    let evidence = "";
    if (span && span.text) {
      evidence = "“" + span.text + "”" + (missing.includes(dim) ? " (not found in the redacted text)" : "");
    } else if (dim !== "length") {
      evidence = "none found";
    }
    const verdict = dim === "length" ? "" : (score >= 0.5 ? "present" : "absent");
    tbody.append(el("tr", { class: "dim-" + dim },
      el("td", {}, dim), el("td", { class: "num" }, score.toFixed(2)),
      el("td", {}, verdict), el("td", {}, evidence)));
  }
  $("#d-reasons").textContent = item.reasons.join(", ") || "—";
  for (const dim of DIMENSIONS) $("#lbl-" + dim).checked = item.dimensions[dim] >= 0.5;
  $("#comment").value = "";
  $("#correct-form").hidden = true;
  $("#review-status").textContent = "";
  renderReviews(item.reviews);
}

// The model's own verdicts as labels: agreeing confirms each dimension, so an "agree"
// counts in the per-dimension agreement (GET /api/stats) like a corrected review does.
function modelLabels() {
  const labels = {};
  for (const dim of DIMENSIONS) labels[dim] = state.current.dimensions[dim] >= 0.5 ? 1 : 0;
  return labels;
}

function checkedLabels() {
  const labels = {};
  for (const dim of DIMENSIONS) labels[dim] = $("#lbl-" + dim).checked ? 1 : 0;
  return labels;
}

// Save what the boxes say: "agree" when they match the model, else "disagree".
function saveLabels() {
  const labels = checkedLabels();
  const model = modelLabels();
  const same = DIMENSIONS.every((d) => labels[d] === model[d]);
  submitReview(same ? "agree" : "disagree", labels);
}

function step(delta) {
  const rows = [...document.querySelectorAll("#list tbody tr")];
  if (!rows.length) return;
  const at = rows.findIndex((r) => state.current && r.dataset.id === state.current.id);
  const next = rows[Math.min(rows.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
  if (next && (!state.current || next.dataset.id !== state.current.id)) {
    openReply(next.dataset.id);
    next.scrollIntoView({ block: "nearest" });
  }
}

// Reviewing from the keyboard: j/k (or ↓/↑) next/previous reply, 1/2/3 toggle greeting,
// explanation, closing, s save the boxes, a agree with the model. Not while typing.
function reviewKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select") return;
  if ($("#workbench").hidden || $("#replies-view").hidden) return;
  if (e.key === "j" || e.key === "ArrowDown") { step(1); e.preventDefault(); return; }
  if (e.key === "k" || e.key === "ArrowUp") { step(-1); e.preventDefault(); return; }
  if (!state.current || !may("review")) return;
  const dim = { 1: "greeting", 2: "explanation", 3: "closing" }[e.key];
  if (dim) {
    $("#correct-form").hidden = false;
    const box = $("#lbl-" + dim);
    box.checked = !box.checked;
    e.preventDefault();
  } else if (e.key === "s") {
    saveLabels();
    e.preventDefault();
  } else if (e.key === "a") {
    submitReview("agree", modelLabels());
    e.preventDefault();
  }
}

async function submitReview(verdict, labels) {
  // No reviewer field: the server records the review under the token's name.
  const item = state.current;
  try {
    await api("/api/flagged/" + encodeURIComponent(item.id) + "/review", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ verdict, labels, comment: $("#comment").value }),
    });
  } catch (err) {
    if (!(err instanceof AuthError)) $("#review-status").textContent = "Not saved: " + err.message;
    return;
  }
  $("#review-status").textContent = "Saved: " + verdict + ".";
  const row = document.querySelector(`#list tbody tr[data-id="${CSS.escape(item.id)}"] .reviewed`);
  if (row) row.textContent = verdict;
  const fresh = await api("/api/flagged/" + encodeURIComponent(item.id));
  // The reviewer may have moved on (j/k) while this was saving: show nothing stale.
  if (!state.current || state.current.id !== item.id) return;
  state.current = fresh;
  renderReviews(fresh.reviews);
  $("#correct-form").hidden = true;
}

async function downloadCsv(event) {
  event.preventDefault();
  // A plain link cannot send the Authorization header, so fetch and hand over a blob.
  const resp = await fetch("/api/flagged.csv?" + state.query,
    { headers: { Authorization: "Bearer " + token() } });
  if (resp.status === 401) { showLogin("The token was not accepted."); return; }
  if (!resp.ok) {
    const body = await resp.json().catch(() => ({}));
    $("#list-error").textContent = "CSV export failed: " + resp.status +
      (typeof body.detail === "string" ? " " + body.detail : "");
    return;
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = el("a", { href: url, download: "flagged.csv" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function start() {
  // A dashboard's data link opens the page filtered on its panel's channel (#channel=chat).
  const linked = hashParams().get("channel");
  if (linked) { $("#f-channel").value = linked; $("#cf-channel").value = linked; }
  state.query = filterParams().toString();
  try {
    await loadMe();  // first: a wrong token goes back to the login before anything shows
  } catch (err) {
    if (!(err instanceof AuthError)) showLogin(err.message);
    return;
  }
  showWorkbench();
  loadStats();
  loadList(false);
  startConversations();  // conversations.js: the tabs, and the view the URL names
}

document.addEventListener("DOMContentLoaded", () => {
  $("#token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token-input").value.trim());
    $("#token-input").value = "";
    start();
  });
  $("#logout").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("");
  });
  $("#filters").addEventListener("submit", (e) => {
    e.preventDefault();
    state.query = filterParams().toString();
    state.cursor = null;
    $("#detail").hidden = true;
    loadList(false);
  });
  $("#more").addEventListener("click", () => loadList(true));
  $("#csv-link").addEventListener("click", downloadCsv);
  $("#btn-agree").addEventListener("click", () => submitReview("agree", modelLabels()));
  document.addEventListener("keydown", reviewKey);
  $("#btn-disagree").addEventListener("click", () => { $("#correct-form").hidden = false; });
  $("#correct-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const labels = {};
    for (const dim of DIMENSIONS) labels[dim] = $("#lbl-" + dim).checked ? 1 : 0;
    submitReview("disagree", labels);
  });
  if (token()) start(); else showLogin("");
});
