// QA workbench, conversations view: flagged conversations (inquiries) and their threads.
// Loaded after app.js and uses its helpers ($, el, api, AuthError, fmtTime, renderText,
// DIMENSIONS). Message text is untrusted: it only enters the page as text nodes.
// The URL hash names the view and the open conversation (#view=conversations&id=…&opened_at=…),
// so a reviewer can reload or share the link.
"use strict";

const conv = { cursor: null, query: "", current: null };
// What each conversation dimension is judged on (docs/DESIGN.md § Conversations).
const JUDGED_ON = {
  greeting: "the first agent message", explanation: "the whole conversation",
  closing: "the last agent message", length: "all agent text",
};

function fmtSeconds(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 90) return Math.round(seconds) + " s";
  if (seconds < 5400) return Math.round(seconds / 60) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}

function firstResponse(item) {
  if (!item.answered) return "never (unanswered)";
  return fmtSeconds(item.first_response_seconds) || "—";
}

function hashParams() { return new URLSearchParams(location.hash.slice(1)); }

function setHash(params) {
  const text = params.toString();
  history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
}

function showView(name) {
  const conversations = name === "conversations";
  $("#replies-view").hidden = conversations;
  $("#conversations-view").hidden = !conversations;
  $("#tab-replies").setAttribute("aria-selected", String(!conversations));
  $("#tab-conversations").setAttribute("aria-selected", String(conversations));
}

function conversationParams() {
  const params = new URLSearchParams();
  for (const field of $("#c-filters").elements) {
    if (field.name && field.value.trim() !== "") params.set(field.name, field.value.trim());
  }
  return params;
}

async function loadConversations(append) {
  $("#c-list-error").textContent = "";
  const params = new URLSearchParams(conv.query);
  params.set("limit", "50");
  if (append && conv.cursor) params.set("cursor", conv.cursor);
  let page;
  try {
    page = await api("/api/conversations?" + params.toString());
  } catch (err) {
    if (!(err instanceof AuthError)) $("#c-list-error").textContent = err.message;
    return;
  }
  const tbody = $("#c-list tbody");
  if (!append) tbody.replaceChildren();
  for (const item of page.items) {
    const row = el("tr", {
      dataset: { id: item.conversation_id, openedAt: item.opened_at },
      tabindex: "0", class: "row-" + item.band,
    },
      el("td", { class: "num" }, item.total),
      el("td", {}, item.channel),
      el("td", {}, item.language),
      el("td", {}, fmtTime(item.closed_at)),
      el("td", {}, item.reasons.join(", ")),
      el("td", {}, item.team || ""),
      el("td", { class: "num" }, firstResponse(item)),
      el("td", { class: "num" }, item.agent_messages + " / " + item.customer_messages));
    const open = () => openConversation(item.conversation_id, item.opened_at);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    tbody.append(row);
  }
  conv.cursor = page.next_cursor;
  $("#c-more").hidden = !page.next_cursor;
  $("#c-empty").hidden = tbody.children.length > 0;
}

// Evidence offsets index the stored (redacted) message text; when they do not match it
// (an older writer, a cut-off text), the span is found by its text instead.
function messageSpans(text, evidence) {
  const found = [];
  for (const dim of DIMENSIONS) {
    const span = (evidence || {})[dim];
    if (!span || !span.text) continue;
    let start = span.start;
    if (text.slice(span.start, span.end) !== span.text) start = text.indexOf(span.text);
    if (start >= 0) found.push({ dim, start, end: start + span.text.length });
  }
  found.sort((a, b) => a.start - b.start);
  return found.filter((s, i) => i === 0 || s.start >= found[i - 1].end);
}

function messageScore(reply) {
  const dims = [...DIMENSIONS, "length"]
    .filter((d) => typeof reply.dimensions[d] === "number")
    .map((d) => el("span", { class: "dim dim-" + d }, d + " " + reply.dimensions[d].toFixed(2)));
  return el("div", { class: "msg-score" },
    el("span", { class: "msg-total" }, reply.total),
    el("span", { class: "band band-" + reply.band }, reply.band.replace("_", " ")),
    el("span", { class: "msg-position" }, reply.position ? reply.position + " reply" : ""),
    el("span", { class: "msg-reasons" }, reply.reasons.length ? reply.reasons.join(", ") : "no reasons"),
    el("span", { class: "msg-dims" }, ...dims));
}

function renderMessage(m) {
  const body = el("div", { class: "msg-text" });
  renderText(body, m.text, m.reply ? messageSpans(m.text, m.reply.evidence) : []);
  const item = el("li", { class: "msg msg-" + m.author, dataset: { id: m.id } },
    el("div", { class: "msg-head" },
      el("span", { class: "msg-author" }, m.author), el("span", { class: "muted" }, fmtTime(m.sent_at)),
      el("span", { class: "mono" }, m.id)),
    body);
  if (m.truncated) item.append(el("p", { class: "muted" }, "(text cut off in the store)"));
  if (m.reply) item.append(messageScore(m.reply));
  return item;
}

function renderInquiries(item) {
  const box = $("#c-inquiries");
  box.replaceChildren();
  box.hidden = item.inquiries.length < 2;
  if (box.hidden) return;
  box.append("This id has " + item.inquiries.length + " inquiries (opened): ");
  for (const openedAt of item.inquiries) {
    const current = openedAt === item.opened_at;
    const button = el("button", { type: "button", class: "inquiry" + (current ? " current" : "") },
      fmtTime(openedAt));
    button.disabled = current;
    button.addEventListener("click", () => openConversation(item.conversation_id, openedAt));
    box.append(button, " ");
  }
}

async function openConversation(id, openedAt) {
  const params = openedAt ? "?" + new URLSearchParams({ opened_at: openedAt }) : "";
  let item;
  try {
    item = await api("/api/conversations/" + encodeURIComponent(id) + params);
  } catch (err) {
    if (!(err instanceof AuthError)) $("#c-list-error").textContent = err.message;
    return;
  }
  conv.current = item;
  setHash(new URLSearchParams({ view: "conversations", id, opened_at: item.opened_at }));
  for (const row of document.querySelectorAll("#c-list tbody tr")) {
    row.classList.toggle("selected",
      row.dataset.id === id && row.dataset.openedAt === item.opened_at);
  }
  $("#c-detail").hidden = false;
  $("#c-total").textContent = item.total;
  $("#c-band").textContent = item.band.replace("_", " ");
  $("#c-band").className = "band band-" + item.band;
  $("#c-id").textContent = item.conversation_id;
  $("#c-meta").textContent = [item.channel, item.language,
    "opened " + fmtTime(item.opened_at), "closed " + fmtTime(item.closed_at) + " (" + item.closed_by + ")",
    item.team && "team " + item.team, item.agent_ids.length && "agents " + item.agent_ids.join(", "),
    "model " + item.model_version].filter(Boolean).join(" · ");
  $("#c-reasons").textContent = item.reasons.join(", ") || "—";
  $("#c-first-response").textContent = firstResponse(item);
  $("#c-counts").textContent = item.agent_messages + " from agents, " +
    item.customer_messages + " from the customer";
  const tbody = $("#c-dims tbody");
  tbody.replaceChildren();
  for (const dim of [...DIMENSIONS, "length"]) {
    const score = item.dimensions[dim];
    tbody.append(el("tr", { class: "dim-" + dim },
      el("td", {}, dim), el("td", { class: "num" }, typeof score === "number" ? score.toFixed(2) : ""),
      el("td", {}, dim === "length" ? "" : (score >= 0.5 ? "present" : "absent")),
      el("td", {}, JUDGED_ON[dim])));
  }
  renderInquiries(item);
  $("#thread").replaceChildren(...item.messages.map(renderMessage));
  if (item.messages_dropped) {
    $("#thread").prepend(el("li", { class: "muted dropped" }, item.messages_dropped +
      " earlier message" + (item.messages_dropped === 1 ? " was" : "s were") + " not kept"));
  }
  if (!item.messages.length) $("#thread").append(el("li", { class: "muted" }, "no messages stored"));
}

function switchTo(name) {
  showView(name);
  if (name === "conversations") {
    const params = hashParams();
    if (params.get("view") !== "conversations") setHash(new URLSearchParams({ view: name }));
    if (!$("#c-list tbody").children.length) loadConversations(false);
  } else {
    setHash(new URLSearchParams());
  }
}

// Called by app.js start() once the token is known: show the view the URL names.
function startConversations() {
  const params = hashParams();
  if (params.get("view") !== "conversations") { showView("replies"); return; }
  conv.query = conversationParams().toString();
  conv.cursor = null;
  showView("conversations");
  loadConversations(false);
  if (params.get("id")) openConversation(params.get("id"), params.get("opened_at"));
}

document.addEventListener("DOMContentLoaded", () => {
  $("#tab-replies").addEventListener("click", () => switchTo("replies"));
  $("#tab-conversations").addEventListener("click", () => switchTo("conversations"));
  $("#c-filters").addEventListener("submit", (e) => {
    e.preventDefault();
    conv.query = conversationParams().toString();
    conv.cursor = null;
    $("#c-detail").hidden = true;
    setHash(new URLSearchParams({ view: "conversations" }));
    loadConversations(false);
  });
  $("#c-more").addEventListener("click", () => loadConversations(true));
});
