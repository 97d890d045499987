// The sessiond console: a client of the public API like any other (no build step).
// Every value from the server is rendered with textContent, never as HTML.
"use strict";

const BETA = "managed-agents-2026-04-01";
const KEY_SLOT = "sessiond.apiKey";
const $ = (sel, root = document) => root.querySelector(sel);

// ------------------------------------------------------------------ the API

function apiKey() { return sessionStorage.getItem(KEY_SLOT); }

function headers(extra = {}) {
  return { "x-api-key": apiKey() || "", "anthropic-beta": BETA, ...extra };
}

class ApiError extends Error {
  constructor(status, body) {
    const err = body && body.error;
    super(err ? `${err.type}: ${err.message}` : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  let data = null;
  try { data = await resp.json(); } catch (_) { /* no body */ }
  if (!resp.ok) {
    if (resp.status === 401) signOut("Your key was refused: sign in again.");
    throw new ApiError(resp.status, data);
  }
  return data;
}

// ------------------------------------------------------------------ small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function textOf(content) {
  if (!Array.isArray(content)) return "";
  return content.map((b) => (b && b.type === "text" ? b.text : b ? `[${b.type}]` : "")).join("\n");
}

function json(value) { return JSON.stringify(value, null, 2); }

function badge(status) { return el("span", { class: `badge ${status || ""}` }, status || "—"); }

// ------------------------------------------------------------------ sign in / routing

let current = null; // the open view's cleanup

function signOut(message) {
  sessionStorage.removeItem(KEY_SLOT);
  if (current) { current(); current = null; }
  show(false);
  const err = $("#signin-error");
  err.hidden = !message;
  err.textContent = message || "";
}

function show(signedIn) {
  $("#signin").hidden = signedIn;
  $("#view").hidden = !signedIn;
  $("#nav").hidden = !signedIn;
  $("#signout").hidden = !signedIn;
}

async function signIn(event) {
  event.preventDefault();
  const key = $("#key").value.trim();
  const err = $("#signin-error");
  sessionStorage.setItem(KEY_SLOT, key);
  try {
    await api("GET", "/v1/agents?limit=1");
  } catch (e) {
    sessionStorage.removeItem(KEY_SLOT);
    err.hidden = false;
    err.textContent = e.status === 401 ? "This key is not accepted by the server." : String(e.message);
    return;
  }
  $("#key").value = "";
  err.hidden = true;
  if (!location.hash || location.hash === "#/") location.hash = "#/sessions";
  route();
}

function route() {
  if (current) { current(); current = null; }
  if (!apiKey()) { show(false); $("#key").focus(); return; }
  show(true);
  const parts = (location.hash.replace(/^#\/?/, "") || "sessions").split("/");
  for (const a of document.querySelectorAll("[data-nav]")) {
    a.classList.toggle("active", a.dataset.nav === parts[0]);
  }
  const view = $("#view");
  view.replaceChildren();
  if (parts[0] === "sessions" && parts[1]) current = sessionView(view, decodeURIComponent(parts[1]));
  else if (parts[0] === "agents") listView(view, "agents");
  else if (parts[0] === "environments") listView(view, "environments");
  else listView(view, "sessions");
}

// ------------------------------------------------------------------ lists

const LISTS = {
  agents: {
    title: "Agents",
    columns: ["Name", "ID", "Model", "Tools", "Version", "Created"],
    row: (a) => [
      a.name, el("span", { class: "mono" }, a.id), a.model && a.model.id,
      (a.tools || []).map((t) => t.type === "custom" ? t.name : t.type).join(", ") || "—",
      a.version, when(a.created_at),
    ],
  },
  environments: {
    title: "Environments",
    columns: ["Name", "ID", "Type", "Created"],
    row: (e) => [e.name, el("span", { class: "mono" }, e.id), e.config && e.config.type, when(e.created_at)],
  },
  sessions: {
    title: "Sessions",
    columns: ["Session", "Status", "Agent", "Tokens in / out", "Created"],
    row: (s) => [
      el("a", { href: `#/sessions/${encodeURIComponent(s.id)}`, class: "mono" }, s.title || s.id),
      badge(s.status), s.agent && s.agent.name,
      s.usage ? `${s.usage.input_tokens ?? 0} / ${s.usage.output_tokens ?? 0}` : "—",
      when(s.created_at),
    ],
  },
};

async function listView(view, kind) {
  const spec = LISTS[kind];
  const body = el("tbody");
  const table = el("table", { "data-list": kind },
    el("thead", {}, el("tr", {}, spec.columns.map((c) => el("th", {}, c)))), body);
  const more = el("button", { hidden: true }, "Load more");
  view.append(
    el("div", { class: "toolbar" }, el("h1", {}, spec.title)),
    kind === "sessions" ? newSessionForm() : null,
    el("div", { class: "card panel" }, table), el("div", { class: "actions" }, more),
  );
  let page = null;
  async function load() {
    const q = new URLSearchParams({ limit: "50" });
    if (page) q.set("page", page);
    try {
      const data = await api("GET", `/v1/${kind}?${q}`);
      for (const item of data.data) body.append(el("tr", {}, spec.row(item).map((c) => el("td", {}, c ?? ""))));
      if (!body.children.length) {
        body.append(el("tr", {}, el("td", { colspan: spec.columns.length, class: "empty" }, `No ${kind} yet.`)));
      }
      page = data.next_page;
      more.hidden = !page;
    } catch (e) {
      body.append(el("tr", {}, el("td", { colspan: spec.columns.length, class: "error" }, e.message)));
    }
  }
  more.addEventListener("click", load);
  await load();
}

function newSessionForm() {
  const agent = el("select", { id: "new-agent" });
  const env = el("select", { id: "new-env" });
  const error = el("p", { class: "error", hidden: true });
  const form = el("form", { class: "card grid-form", id: "new-session" },
    el("div", {}, el("label", { for: "new-agent" }, "Agent"), agent),
    el("div", {}, el("label", { for: "new-env" }, "Environment"), env),
    el("button", { type: "submit", class: "primary" }, "New session"), error);
  Promise.all([api("GET", "/v1/agents?limit=100"), api("GET", "/v1/environments?limit=100")])
    .then(([agents, envs]) => {
      agent.replaceChildren(...agents.data.map((a) => el("option", { value: a.id }, `${a.name} (${a.id})`)));
      env.replaceChildren(...envs.data.map((e) => el("option", { value: e.id }, `${e.name} (${e.id})`)));
    }).catch(() => {});
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const s = await api("POST", "/v1/sessions", { agent: agent.value, environment_id: env.value });
      location.hash = `#/sessions/${encodeURIComponent(s.id)}`;
    } catch (e) {
      error.hidden = false;
      error.textContent = e.message;
    }
  });
  return form;
}

// ------------------------------------------------------------------ one session

function sessionView(view, id) {
  const state = { closed: false, lastId: null, seen: new Set(), byId: new Map(), answered: new Set(),
    pending: [], controller: null, retry: 0 };
  const status = el("span", { id: "status" }, badge("…"));
  const conn = el("span", { class: "conn", id: "conn" }, "connecting…");
  const stats = el("div", { class: "stats", id: "usage" });
  const timeline = el("div", { class: "timeline", id: "timeline", "aria-live": "polite" });
  const input = el("textarea", { id: "message", rows: 2, placeholder: "Message the agent… (Ctrl+Enter sends)" });
  const send = el("button", { class: "primary", id: "send" }, "Send");
  const interrupt = el("button", { class: "danger", id: "interrupt" }, "Interrupt");
  const title = el("h1", { class: "mono" }, id);
  view.append(
    el("div", { class: "session-head" }, el("div", {}, el("a", { href: "#/sessions", class: "muted" }, "← Sessions"), title),
      status, conn, stats),
    el("div", { class: "card panel" }, timeline,
      el("div", { class: "composer" }, input, el("div", { class: "actions" }, send, interrupt))),
  );

  async function refresh() {
    try {
      const s = await api("GET", `/v1/sessions/${encodeURIComponent(id)}`);
      title.textContent = s.title || s.id;
      status.replaceChildren(badge(s.status));
      const u = s.usage || {};
      stats.replaceChildren(
        el("div", { class: "stat" }, el("b", {}, s.agent ? s.agent.name : "—"), el("span", {}, "agent")),
        el("div", { class: "stat" }, el("b", {}, u.input_tokens ?? 0), el("span", {}, "input tokens")),
        el("div", { class: "stat" }, el("b", {}, u.output_tokens ?? 0), el("span", {}, "output tokens")),
        el("div", { class: "stat" }, el("b", {}, (u.cache_read_input_tokens ?? 0)), el("span", {}, "cache reads")),
      );
    } catch (e) { status.replaceChildren(badge("error")); }
  }

  async function post(events) {
    try {
      await api("POST", `/v1/sessions/${encodeURIComponent(id)}/events`, { events });
      return true;
    } catch (e) {
      timeline.append(el("div", { class: "ev failure" }, el("div", { class: "who" }, "Not sent"), el("div", { class: "text" }, e.message)));
      return false;
    }
  }

  send.addEventListener("click", async () => {
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    if (await post([{ type: "user.message", content: [{ type: "text", text }] }])) input.value = "";
    send.disabled = false;
    input.focus();
  });
  input.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) send.click(); });
  interrupt.addEventListener("click", () => post([{ type: "user.interrupt" }]));

  // -------------------------------------------------------------- rendering events

  function render(ev) {
    const t = ev.type;
    if (t === "user.message") return bubble("user", "You", textOf(ev.content), ev);
    if (t === "agent.message") return bubble("agent", "Agent", textOf(ev.content), ev);
    if (t === "agent.thinking") return bubble("thinking", "Thinking", textOf(ev.content) || "The agent is thinking…", ev);
    if (t === "agent.tool_use" || t === "agent.mcp_tool_use" || t === "agent.custom_tool_use") {
      const name = t === "agent.mcp_tool_use" ? `${ev.mcp_server_name}/${ev.name}` : ev.name;
      const kind = t === "agent.custom_tool_use" ? "Custom tool call" : t === "agent.mcp_tool_use" ? "MCP tool call" : "Tool call";
      const perm = ev.evaluated_permission ? el("span", { class: "badge" }, ev.evaluated_permission) : null;
      const node = el("div", { class: "ev tool", "data-type": t, "data-id": ev.id },
        el("div", { class: "who" }, `${kind} · ${name}`, perm), el("pre", {}, json(ev.input)),
        el("div", { class: "actions", "data-actions": ev.id }));
      return node;
    }
    if (t === "agent.tool_result" || t === "agent.mcp_tool_result") {
      const use = state.byId.get(ev.tool_use_id || ev.mcp_tool_use_id);
      return el("div", { class: `ev result${ev.is_error ? " is-error" : ""}`, "data-type": t, "data-id": ev.id },
        el("div", { class: "who" }, `Result${use ? " · " + use.name : ""}${ev.is_error ? " (error)" : ""}`),
        el("pre", {}, textOf(ev.content)));
    }
    if (t === "user.tool_confirmation") {
      const use = state.byId.get(ev.tool_use_id);
      const what = ev.result === "allow" ? "Approved" : "Denied";
      return marker(`${what}${use ? " " + use.name : ""}${ev.deny_message ? ": " + ev.deny_message : ""}`, ev);
    }
    if (t === "user.custom_tool_result") {
      const use = state.byId.get(ev.custom_tool_use_id);
      return el("div", { class: `ev result user${ev.is_error ? " is-error" : ""}`, "data-type": t, "data-id": ev.id },
        el("div", { class: "who" }, `Your result${use ? " · " + use.name : ""}`), el("pre", {}, textOf(ev.content)));
    }
    if (t === "user.interrupt") return marker("Interrupted", ev);
    if (t === "session.status_running") return marker("running", ev);
    if (t === "session.status_idle") {
      const r = ev.stop_reason || {};
      return marker(r.type === "requires_action" ? "waiting for you" : `idle · ${r.type || "end_turn"}`, ev);
    }
    if (t === "session.status_rescheduled") return marker("retrying", ev);
    if (t === "session.status_terminated") return marker("terminated", ev);
    if (t === "session.error") {
      const err = ev.error || {};
      return el("div", { class: "ev failure", "data-type": t, "data-id": ev.id },
        el("div", { class: "who" }, `Error · ${err.type || "error"}`), el("div", { class: "text" }, err.message || ""));
    }
    if (t === "span.model_request_start") return el("div", { class: "span", "data-type": t, "data-id": ev.id }, "▸ model request");
    if (t === "span.model_request_end") {
      const u = ev.model_usage || {};
      return el("div", { class: "span", "data-type": t, "data-id": ev.id },
        `◂ model request done · ${u.input_tokens ?? 0} in / ${u.output_tokens ?? 0} out tokens${ev.is_error ? " · failed" : ""}`);
    }
    return marker(t, ev);
  }

  function bubble(cls, who, text, ev) {
    return el("div", { class: `ev ${cls}`, "data-type": ev.type, "data-id": ev.id },
      el("div", { class: "who" }, who, el("span", { class: "muted" }, ev.processed_at ? new Date(ev.processed_at).toLocaleTimeString() : "")),
      el("div", { class: "text" }, text));
  }

  function marker(text, ev) {
    return el("div", { class: "marker", "data-type": ev.type, "data-id": ev.id }, text);
  }

  // -------------------------------------------------------------- pending actions

  function answer(useId, events) {
    state.answered.add(useId);
    drawPending();
    post(events).then((ok) => { if (!ok) { state.answered.delete(useId); drawPending(); } });
  }

  function drawPending() {
    for (const box of timeline.querySelectorAll("[data-actions]")) {
      const useId = box.dataset.actions;
      const use = state.byId.get(useId);
      const waiting = state.pending.includes(useId) && !state.answered.has(useId);
      box.parentElement.classList.toggle("pending", waiting);
      if (!waiting) { box.replaceChildren(); continue; }
      if (box.childElementCount) continue;
      if (use.type === "agent.custom_tool_use") {
        const result = el("textarea", { "data-result": useId, placeholder: "The tool's result, as text" });
        box.append(result,
          el("button", { class: "primary", "data-do": "custom-result", onclick: () => answer(useId, [{
            type: "user.custom_tool_result", custom_tool_use_id: useId,
            content: [{ type: "text", text: result.value }] }]) }, "Send result"),
          el("button", { class: "danger", onclick: () => answer(useId, [{
            type: "user.custom_tool_result", custom_tool_use_id: useId, is_error: true,
            content: [{ type: "text", text: result.value || "failed" }] }]) }, "Send as error"));
      } else {
        box.append(el("span", { class: "muted" }, "This call needs your approval."),
          el("button", { class: "good", "data-do": "approve", onclick: () => answer(useId, [{ type: "user.tool_confirmation", tool_use_id: useId, result: "allow" }]) }, "Approve"),
          el("button", { class: "danger", "data-do": "deny", onclick: () => answer(useId, [{ type: "user.tool_confirmation", tool_use_id: useId, result: "deny", deny_message: "Denied in the console" }]) }, "Deny"));
      }
    }
  }

  function add(ev) {
    if (!ev || !ev.id || state.seen.has(ev.id)) return;
    state.seen.add(ev.id);
    state.lastId = ev.id;
    state.byId.set(ev.id, ev);
    const stick = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
    timeline.append(render(ev));
    if (ev.type === "session.status_idle") {
      const r = ev.stop_reason || {};
      state.pending = r.type === "requires_action" ? r.event_ids || [] : [];
    } else if (ev.type === "user.tool_confirmation") {
      state.answered.add(ev.tool_use_id);
    } else if (ev.type === "user.custom_tool_result") {
      state.answered.add(ev.custom_tool_use_id);
    }
    if (ev.type.startsWith("session.status") || ev.type === "span.model_request_end") refresh();
    drawPending();
    if (stick) window.scrollTo(0, document.body.scrollHeight);
  }

  // -------------------------------------------------------------- history, then the live stream

  async function history() {
    let page = null;
    do {
      const q = new URLSearchParams({ limit: "200", order: "asc" });
      if (page) q.set("page", page);
      const data = await api("GET", `/v1/sessions/${encodeURIComponent(id)}/events?${q}`);
      data.data.forEach(add);
      page = data.next_page;
    } while (page && !state.closed);
  }

  async function stream() {
    while (!state.closed) {
      state.controller = new AbortController();
      const h = headers({ accept: "text/event-stream" });
      if (state.lastId) h["Last-Event-ID"] = state.lastId;
      try {
        const resp = await fetch(`/v1/sessions/${encodeURIComponent(id)}/events/stream`,
          { headers: h, signal: state.controller.signal });
        if (resp.status === 401) { signOut("Your key was refused: sign in again."); return; }
        if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
        conn.className = "conn live";
        conn.textContent = "live";
        state.retry = 0;
        await readFrames(resp.body);
      } catch (e) {
        if (state.closed) return;
      }
      conn.className = "conn down";
      conn.textContent = "reconnecting…";
      state.retry = Math.min(state.retry + 1, 5);
      await new Promise((r) => setTimeout(r, 250 * 2 ** state.retry));
    }
  }

  async function readFrames(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let name = "message";
        const data = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (!data.length || name === "ping") continue;
        let obj;
        try { obj = JSON.parse(data.join("\n")); } catch (_) { continue; }
        if (name === "error" || obj.type === "error") continue;
        add(obj);
      }
    }
  }

  refresh();
  history().then(stream).catch((e) => {
    conn.className = "conn down";
    conn.textContent = e.message;
  });
  return () => {
    state.closed = true;
    if (state.controller) state.controller.abort();
  };
}

// ------------------------------------------------------------------ start

window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", () => {
  $("#signin-form").addEventListener("submit", signIn);
  $("#signout").addEventListener("click", () => signOut());
  route();
});
