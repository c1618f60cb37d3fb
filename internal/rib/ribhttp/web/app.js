// bmpstream looking glass: plain JavaScript over the Connect HTTP/JSON API and the
// /api/watch Server-Sent Events stream. No external resources.
"use strict";
const $ = (s) => document.querySelector(s);
const api = "/bmpstream.rib.v1.RIBService/";
let current = null; // {filter, token} of the shown search
let events = null;  // EventSource of the live prefix
let redraw = null;  // pending redraw after changes

$("#token").value = localStorage.getItem("bmpstream-token") || "";

async function call(method, body) {
  const headers = { "Content-Type": "application/json" };
  const tok = $("#token").value.trim();
  localStorage.setItem("bmpstream-token", tok);
  if (tok) headers["Authorization"] = "Bearer " + tok;
  const res = await fetch(api + method, { method: "POST", headers, body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.message || res.status + " " + res.statusText);
  return data;
}

// filterOf turns the search box into a RouteFilter.
function filterOf(q) {
  const f = {};
  const match = $("#match").value;
  const view = $("#view").value;
  if (view) f.views = [view];
  q = q.trim();
  let m;
  if ((m = /^AS?(\d+)$/i.exec(q))) {
    f.asInPath = Number(m[1]);
  } else if (/^\d+:\d+:\d+$/.test(q)) {
    f.largeCommunity = q;
  } else if (/^\d+:\d+$/.test(q)) {
    f.community = q;
  } else if (q) {
    f.prefix = q;
    if (match) f.match = match;
  }
  return f;
}

function age(ts) {
  if (!ts) return "";
  let s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  return (d ? d + "d" : "") + (d || h ? h + "h" : "") + (d || h || m ? m + "m" : "") + s + "s";
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function addRows(routes) {
  const tb = $("#routes tbody");
  for (const r of routes) {
    const tr = document.createElement("tr");
    if (r.best) tr.className = "best";
    tr.dataset.prefix = r.prefix || "";
    cell(tr, r.routerName || r.routerIp);
    cell(tr, (r.peerIp || r.peerHash) + " AS" + (r.peerAsn || 0));
    cell(tr, r.view + (r.tableName ? " " + r.tableName : "") + (r.family !== "ipv4-unicast" && r.family !== "ipv6-unicast" ? " " + r.family : ""));
    cell(tr, (r.rd ? r.rd + " " : "") + (r.prefix || r.evpn) + (r.pathId ? " #" + r.pathId : ""));
    cell(tr, r.nexthop);
    cell(tr, (r.asPath || []).join(" "), "aspath");
    cell(tr, [].concat(r.communities || [], r.largeCommunities || []).join(" "), "comm");
    cell(tr, age(r.since));
    cell(tr, r.best ? "★" : "");
    tb.appendChild(tr);
  }
}

async function search(ev) {
  if (ev) ev.preventDefault();
  const filter = filterOf($("#q").value);
  current = { filter, token: "" };
  $("#routes tbody").textContent = "";
  await page(filter, "");
  watch(filter.prefix || "");
}

async function page(filter, token) {
  const status = $("#status");
  status.className = "muted";
  try {
    const res = await call("ListRoutes", { filter, pageSize: 200, pageToken: token });
    addRows(res.routes || []);
    const n = $("#routes tbody").children.length;
    status.textContent = n + (n === 1 ? " path" : " paths");
    const more = $("#more");
    more.hidden = !res.nextPageToken;
    more.onclick = () => page(filter, res.nextPageToken);
  } catch (e) {
    status.className = "err";
    status.textContent = e.message;
  }
}

function watch(prefix) {
  if (events) { events.close(); events = null; }
  if (!prefix || !$("#live").checked) return;
  const tok = $("#token").value.trim();
  let url = "/api/watch?prefix=" + encodeURIComponent(prefix);
  if (tok) url += "&access_token=" + encodeURIComponent(tok);
  events = new EventSource(url);
  events.addEventListener("ready", () => { document.body.dataset.live = "ready"; });
  events.addEventListener("change", (e) => {
    const c = JSON.parse(e.data);
    const li = document.createElement("li");
    li.className = c.action;
    const r = c.route || {};
    li.textContent = new Date().toLocaleTimeString() + " " + c.action + (c.synthesized ? " (session end)" : "") + " " +
      (r.prefix || r.evpn) + " from " + (r.peerIp || r.peerHash) + " " + r.view + " " + (r.asPath || []).join(" ");
    $("#changes").prepend(li);
    // redraw the answer so that the table shows the current state (at most every 300 ms)
    clearTimeout(redraw);
    redraw = setTimeout(() => {
      if (current) { $("#routes tbody").textContent = ""; page(current.filter, ""); }
    }, 300);
  });
}

async function peers() {
  try {
    const res = await call("ListPeers", {});
    const tb = $("#peers tbody");
    tb.textContent = "";
    for (const p of res.peers || []) {
      const tr = document.createElement("tr");
      cell(tr, p.routerIp);
      cell(tr, (p.ip || p.hash) + (p.rd && p.rd !== "0:0" ? " RD " + p.rd : ""));
      cell(tr, p.asn);
      cell(tr, p.state, "state-" + p.state);
      cell(tr, p.since ? new Date(p.since).toISOString().replace(".000", "") : "");
      cell(tr, (p.counts || []).map((c) => c.paths + " " + c.view + (c.tableName ? "/" + c.tableName : "") + " " + c.family + (c.endOfRib ? " (EoR)" : "")).join(", "));
      tb.appendChild(tr);
    }
  } catch (e) {
    $("#peers tbody").textContent = e.message;
  }
}

$("#search").addEventListener("submit", search);
$("#live").addEventListener("change", () => watch(current && current.filter.prefix || ""));
peers();
setInterval(peers, 10000);
const initial = new URLSearchParams(location.search).get("q");
if (initial) { $("#q").value = initial; search(); }
