// Nonstop dashboard: plain JS, no build step. Every data call carries the admin token in the
// Authorization header; live updates come over /api/events (Server-Sent Events read with fetch,
// so the token never goes into a URL).
'use strict';

const TOKEN_KEY = 'nonstop.token';
// one colour per version, in the order they appear: never two versions on the page in one colour
const PALETTE = ['#3b82f6', '#22c55e', '#a855f7', '#f97316', '#06b6d4', '#eab308', '#ec4899', '#84cc16'];
const PROXY_COLOR = '#ef4444';
const state = {
  token: null,
  app: new URLSearchParams(location.search).get('app'), // the app shown, when nonstop runs several
  apps: [],                   // every app's name, when several
  status: null,
  colors: new Map(),          // release -> a colour of PALETTE, kept as releases move between roles
  lastRequests: new Map(),    // server name -> {requests, t}
  rates: new Map(),           // server name -> req/s
  series: null,
  deployment: null,           // {id, kind, from, to, strategy, steps, titles[], started[], ended, result, events[]}
  streamAbort: null,
};

// ---- sign-in ----

function readToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function showSignIn(message) {
  $('#main').classList.add('hidden');
  $('#signin').classList.remove('hidden');
  $('#signin-error').textContent = message || '';
}

// every call is about the app shown (?app=NAME), but the one that lists them all
async function api(path, options = {}, scoped = true) {
  if (scoped && state.app) path += (path.includes('?') ? '&' : '?') + 'app=' + encodeURIComponent(state.app);
  const res = await fetch(path, {
    ...options,
    headers: { ...(options.headers || {}), Authorization: 'Bearer ' + state.token },
  });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn('That token was refused.');
    throw new Error('unauthorized');
  }
  return res;
}

async function apiJson(path, scoped = true) {
  const res = await api(path, {}, scoped);
  if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
  return res.json();
}

// ---- helpers ----

function $(sel) { return document.querySelector(sel); }

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function colorOf(release) {
  if (!state.colors.has(release)) {
    // the palette's next colour; after eight versions, the one its oldest holder had
    const used = [...state.colors.values()];
    const color = PALETTE.find(c => !used.includes(c)) || used[0];
    if (used.length >= PALETTE.length) state.colors.delete([...state.colors.keys()][0]);
    state.colors.set(release, color);
  }
  return state.colors.get(release);
}

function duration(ms) {
  if (ms == null) return '–';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  return Math.floor(ms / 60000) + 'm' + String(Math.floor(ms / 1000) % 60).padStart(2, '0') + 's';
}

function port(name) { return name.slice(name.lastIndexOf(':') + 1); }

// ---- the picture ----

// TLS certificates: the one closest to expiry in the header, all of them in its tooltip
function renderCertificates(certs) {
  const badge = $('#tls-badge');
  badge.classList.toggle('hidden', certs.length === 0);
  if (certs.length === 0) return;
  const days = c => (c.daysLeft === null || c.daysLeft === undefined) ? -1 : c.daysLeft;
  const first = certs.slice().sort((a, b) => days(a) - days(b))[0];
  const bad = certs.some(c => c.error || days(c) < 14);
  badge.textContent = 'TLS: ' + (days(first) < 0 ? first.names[0] + ' none yet'
      : first.names[0] + ' ' + days(first) + ' d');
  badge.classList.toggle('warn', bad);
  badge.title = certs.map(c => c.names.join(', ') + ': '
      + (c.notAfter ? 'valid until ' + c.notAfter + ' (' + c.daysLeft + ' days)' : 'none yet')
      + ', ' + c.source + (c.error ? ' — ' + c.error : '')).join('\n');
}

function renderStatus(s) {
  state.status = s;
  $('#app').textContent = s.app || '';
  $('#live-badge').textContent = 'live: ' + (s.live || '–');
  $('#maint-badge').classList.toggle('hidden', !s.maintenance);
  $('#maint-badge').title = s.maintenanceMessage || '';
  renderCertificates(s.certificates || []);
  const lb = $('#lb-box');
  lb.textContent = 'load balancer · ' + (s.listen || '') + (s.maintenance ? ' · maintenance page' : '')
      + (s.preview ? ' · preview on ' + s.preview : '');
  lb.classList.toggle('maint', !!s.maintenance);
  const d = s.deploying;
  $('#deploying').textContent = d
      ? `${d.kind} #${d.id} ${d.from ? d.from + ' → ' : ''}${d.to} (${d.strategy}), step ${d.step}/${d.steps}`
      : '';

  // one deployment at a time: while one runs, abort rolls it back and promote skips its canary steps and bake
  for (const id of ['#deploy', '#rollback']) $(id).disabled = !!d;

  const now = performance.now();
  const groups = $('#groups');
  groups.replaceChildren();
  for (const g of s.groups || []) {
    groups.append(groupCard(g, now));
  }
  if (!groups.children.length) groups.append(el('div', { class: 'empty', text: 'no servers' }));
}

function groupCard(g, now) {
  let label = g.role;
  if (g.role === 'old') {
    const until = Date.parse(g.until);
    label = 'kept warm' + (isNaN(until) ? '' : ' until ' + new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  } else if (g.role === 'preview' && state.status && state.status.preview) {
    label = 'preview on ' + state.status.preview;
  }
  if (g.weight != null) label += ' · ' + g.weight + '% of clients';
  const card = el('div', { class: `group ${g.role}`, 'data-release': g.release, 'data-role': g.role },
      el('div', { class: 'group-head' },
          el('span', { class: 'group-name', text: g.release }),
          el('span', { class: 'role ' + g.role, text: label, title: g.until ? 'until ' + g.until : '' })));
  card.style.setProperty('--c', colorOf(g.release));
  const servers = el('div', { class: 'servers' });
  for (const srv of g.servers) servers.append(serverTile(g, srv, now));
  card.append(servers);
  return card;
}

function serverTile(g, srv, now) {
  const prev = state.lastRequests.get(srv.name);
  if (prev && now - prev.t >= 900) {
    state.rates.set(srv.name, Math.max(0, (srv.requests - prev.requests) * 1000 / (now - prev.t)));
    state.lastRequests.set(srv.name, { requests: srv.requests, t: now });
  } else if (!prev) {
    state.lastRequests.set(srv.name, { requests: srv.requests, t: now });
  }
  const rate = srv.rate != null ? srv.rate : state.rates.get(srv.name);
  return el('div', { class: 'server', 'data-version': g.release, 'data-server': srv.name, title: srv.name + ', pid ' + srv.pid },
      el('div', { class: 'top' },
          el('span', {}, el('span', { class: 'dot ' + srv.health, title: srv.health }), 'slot ' + srv.slot),
          el('span', { class: 'state ' + srv.admin, text: srv.admin.toLowerCase() })),
      el('div', { class: 'kv' },
          el('span', { text: 'version' }), el('b', { text: g.release }),
          el('span', { text: 'port' }), el('b', { text: port(srv.name) }),
          el('span', { text: 'health' }), el('b', { text: srv.health.toLowerCase() }),
          el('span', { text: 'in flight' }), el('b', { text: String(srv.inFlight) }),
          el('span', { text: 'streams', title: 'open WebSockets and event streams: long-lived, not in flight' }),
          el('b', { text: String(srv.streams == null ? 0 : srv.streams) }),
          el('span', { text: 'req/s' }), el('b', { text: rate == null ? '…' : rate.toFixed(1) }),
          el('span', { text: 'restarts', title: 'times its process died and was started again' }),
          el('b', { class: srv.restarts ? 'warn' : '', text: String(srv.restarts || 0) }),
          el('span', { text: 'ejected', title: 'times live traffic took it out of the pool; each one in a row doubles the checks it must pass to come back' }),
          el('b', { class: srv.ejections ? 'warn' : '', text: String(srv.ejections || 0) })));
}

// ---- charts, drawn on canvas ----

function drawCharts() {
  const samples = (state.series && state.series.samples) || [];
  const releases = [];
  for (const s of samples) for (const r of Object.keys(s.releases)) if (r !== 'none' && !releases.includes(r)) releases.push(r);
  const perSecond = n => n * 1000 / state.series.intervalMs;
  const lines = value => releases.map(r => ({ color: colorOf(r), value: s => (s.releases[r] ? value(s.releases[r]) : null) }));
  drawChart($('#chart-rps'), samples, lines(p => perSecond(p.requests)));
  // errors: the app's 5xx by release, and the proxy's own answers (502, 503 no backend, 504) as one
  // series of their own, whichever release they belong to, none included
  const proxy = { color: PROXY_COLOR, dash: true, value: s => perSecond(Object.values(s.releases)
      .reduce((sum, p) => sum + (p.proxyErrors || 0), 0)) };
  drawChart($('#chart-errors'), samples, [...lines(p => perSecond(p.errors - (p.proxyErrors || 0))), proxy]);
  drawChart($('#chart-p99'), samples, lines(p => (p.requests ? p.p99Ms : null)));
  for (const legend of document.querySelectorAll('[data-legend]')) {
    const items = releases.map(r => legendItem(colorOf(r), r));
    if (legend.dataset.legend === 'errors') items.push(legendItem(PROXY_COLOR, 'proxy errors'));
    legend.replaceChildren(...items);
  }
}

function legendItem(color, text) {
  const i = el('i');
  i.style.background = color;
  return el('span', {}, i, text);
}

/** @param lines [{color, dash, value: sample -> number or null}] */
function drawChart(canvas, samples, lines) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  const left = 40, right = 8, top = 8, bottom = 18;
  const now = samples.length ? samples[samples.length - 1].t : Date.now();
  // the last five minutes, or less while there is less, so a young daemon's lines are not a sliver
  const span = Math.min(5 * 60 * 1000, Math.max(30 * 1000, samples.length ? now - samples[0].t : 0));
  let max = 0;
  for (const s of samples) for (const line of lines) {
    const v = line.value(s);
    if (v != null && v > max) max = v;
  }
  max = niceMax(max);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#8ea0bf';
  ctx.strokeStyle = '#24324f';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 3; i++) {
    const y = top + (h - top - bottom) * i / 3;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - right, y); ctx.stroke();
    const label = max * (3 - i) / 3;
    ctx.fillText(label >= 10 ? label.toFixed(0) : label.toFixed(1), 4, y + 4);
  }
  ctx.fillText(span >= 5 * 60 * 1000 ? '−5 min' : '−' + Math.round(span / 1000) + ' s', left, h - 4);
  ctx.fillText('now', w - right - 22, h - 4);
  const x = t => left + (w - left - right) * (1 - (now - t) / span);
  const y = v => top + (h - top - bottom) * (1 - v / max);
  for (const line of lines) {
    ctx.strokeStyle = line.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(line.dash ? [5, 3] : []);
    ctx.beginPath();
    let pen = false;
    for (const s of samples) {
      if (now - s.t > span) continue;
      const v = line.value(s);
      if (v == null) { pen = false; continue; }
      if (pen) ctx.lineTo(x(s.t), y(v)); else ctx.moveTo(x(s.t), y(v));
      pen = true;
    }
    ctx.stroke();
  }
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// ---- the deployment timeline ----

function onDeployEvent(t) {
  let d = state.deployment;
  if (!d || d.id !== t.id) {
    d = state.deployment = { id: t.id, kind: t.kind, from: t.from, to: t.to, strategy: t.strategy, steps: t.steps,
      titles: [], started: [], ended: null, result: null, events: [] };
    // every step's title from the start, so that the pending ones have their names
    (t.titles || []).forEach((title, i) => { d.titles[i + 1] = title; });
  }
  const e = t.event;
  const at = Date.parse(e.time);
  if (e.type === 'step') {
    d.titles[e.step] = e.message;
    d.started[e.step] = at;
    d.current = e.step;
  }
  if (e.type === 'done' || e.type === 'failed') {
    d.ended = at;
    d.result = e.type;
    loadHistory();
  }
  d.events.push(e);
  if (d.events.length > 200) d.events.shift();
  renderTimeline();
}

function renderTimeline() {
  const d = state.deployment;
  if (!d) return;
  $('#timeline-state').textContent = `${d.kind} #${d.id}: ${d.from ? d.from + ' → ' : ''}${d.to} (${d.strategy}) · `
      + (d.result ? (d.result === 'done' ? 'done' : 'failed') : 'running');
  const list = $('#timeline');
  list.replaceChildren();
  for (let i = 1; i <= d.steps; i++) {
    let cls = 'pending';
    if (d.started[i] != null) {
      if (i < d.current || d.result === 'done') cls = 'done';
      else cls = d.result === 'failed' ? 'failed' : 'running';
    }
    const end = d.started[i + 1] != null ? d.started[i + 1] : (d.ended || Date.now());
    const took = d.started[i] != null ? duration(end - d.started[i]) : '';
    list.append(el('li', { class: cls, 'data-step': String(i) },
        el('span', { class: 'mark' }), el('span', { text: d.titles[i] || 'step ' + i }), el('span', { class: 'took', text: took })));
  }
  const events = $('#events');
  events.replaceChildren(...d.events.slice(-30).map(e => el('div', { class: e.type,
    text: new Date(e.time).toLocaleTimeString() + '  ' + (e.step ? '[' + e.step + '/' + d.steps + '] ' : '') + e.message })));
  events.scrollTop = events.scrollHeight;
}

// ---- history ----

async function loadHistory() {
  const reports = await apiJson('/api/history');
  const body = $('#history');
  body.replaceChildren();
  for (const r of [...reports].reverse()) {
    const requests = Object.values(r.requests || {}).reduce((a, b) => a + b, 0);
    const row = el('tr', { class: 'report-row', 'data-id': String(r.id) },
        el('td', { text: String(r.id) }), el('td', { text: r.kind }),
        el('td', { text: (r.from || '–') + ' → ' + r.to }), el('td', { text: r.strategy }),
        el('td', { class: 'result-' + r.result, text: r.result }), el('td', { text: duration(r.durationMs) }),
        el('td', { text: String(r.total != null ? r.total : requests) }), el('td', { text: String(r.failed) }),
        el('td', { text: r.p99Ms != null ? r.p99Ms.toFixed(1) + ' ms' : '–' }),
        el('td', { text: r.switchMicros != null ? Math.round(r.switchMicros) + ' µs' : '–' }));
    const detail = el('tr', { class: 'hidden' }, reportDetail(r));
    row.addEventListener('click', () => detail.classList.toggle('hidden'));
    body.append(row, detail);
  }
  if (!reports.length) body.append(el('tr', {}, el('td', { class: 'empty', colSpan: 10, text: 'no deployments yet' })));
}

function reportDetail(r) {
  const td = el('td', { class: 'detail', colSpan: 10 });
  td.append(el('div', { text: r.message || '' }));
  for (const s of r.steps || []) td.append(el('div', { text: `step ${s.step}: ${s.title} — ${duration(s.ms)} (${s.result})` }));
  for (const d of r.drains || []) td.append(el('div', { text: `drained ${d.server} (${d.release}) in ${duration(d.ms)}`
      + (d.cancelled ? `, ${d.cancelled} cancelled` : '') }));
  const byRelease = Object.entries(r.requests || {}).map(([k, v]) => k + ': ' + v).join(', ');
  td.append(el('div', { text: `requests ${r.total} (${byRelease}); failed ${r.failed} (app ${r.appErrors}, proxy ${r.proxyErrors}); `
      + `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; longest drain ${duration(r.longestDrainMs)}` }));
  const v = r.verdict;
  if (v) {
    const side = n => n ? `${n.release}: ${n.requests} requests, ${n.errors} errors, p99 ${n.p99Ms.toFixed(1)} ms` : '';
    td.append(el('div', { class: 'verdict-' + v.outcome, text: `verdict: ${v.outcome}: ${v.reason}; `
        + side(v.newer) + (v.older ? '; ' + side(v.older) : '') + (r.undoMs != null ? `; undone in ${duration(r.undoMs)}` : '') }));
  }
  return td;
}

// ---- live stream: SSE over fetch ----

async function stream() {
  for (;;) {
    try {
      const res = await api('/api/events', { headers: { Accept: 'text/event-stream' } });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      setConnected(true);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          dispatch(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (e) {
      if (e.message === 'unauthorized') return;
    }
    setConnected(false);
    await new Promise(r => setTimeout(r, 2000));
  }
}

function dispatch(block) {
  let type = 'message', data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if (!data) return;
  const payload = JSON.parse(data);
  if (type === 'status') renderStatus(payload);
  else if (type === 'deploy') onDeployEvent(payload);
}

function setConnected(on) {
  const c = $('#conn');
  c.textContent = on ? 'live' : 'reconnecting';
  c.className = 'conn ' + (on ? 'on' : 'off');
}

async function pollSeries() {
  try {
    state.series = await apiJson('/api/series');
    drawCharts();
  } catch (e) { /* shown by the connection state */ }
}

// ---- actions ----

async function act(label, path, body) {
  const out = $('#action-result');
  out.textContent = label + '…';
  try {
    const res = await api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      out.textContent = label + ' refused: ' + (err.error || 'HTTP ' + res.status);
      out.className = 'error';
      return;
    }
    // a deploy answers with its progress stream; the event stream already shows it
    if (res.body && (res.headers.get('Content-Type') || '').includes('ndjson')) res.body.cancel();
    else if (res.status !== 204) {
      const j = await res.json().catch(() => null);
      if (j && j.message) { out.textContent = j.message; out.className = 'muted'; return; }
    }
    out.textContent = label + ' started';
    out.className = 'muted';
  } catch (e) {
    if (e.message !== 'unauthorized') { out.textContent = label + ': ' + e.message; out.className = 'error'; }
  }
}

function wireActions() {
  $('#deploy-form').addEventListener('submit', e => {
    e.preventDefault();
    const body = { version: $('#version').value.trim(), preview: $('#preview').checked };
    if ($('#strategy').value) body.strategy = $('#strategy').value;
    act('deploy ' + body.version, '/api/deploy', body);
  });
  $('#rollback').addEventListener('click', () => act('rollback', '/api/rollback'));
  $('#promote').addEventListener('click', () => act('promote', '/api/promote'));
  $('#abort').addEventListener('click', () => act('abort', '/api/abort'));
  $('#maint-on').addEventListener('click', () => {
    const message = $('#maint-message').value.trim();
    act('maintenance on', '/api/maintenance', message ? { on: true, message } : { on: true });
  });
  $('#maint-off').addEventListener('click', () => act('maintenance off', '/api/maintenance', { on: false }));
}

// ---- start ----

// with several apps, a selector in the header; the page shows one app at a time
async function chooseApp() {
  const all = await apiJson('/api/status', false);
  if (!Array.isArray(all.apps)) return;
  state.apps = all.apps.map(a => a.app);
  if (!state.app || !state.apps.includes(state.app)) {
    state.app = state.apps[0];
    history.replaceState(null, '', location.pathname + '?app=' + encodeURIComponent(state.app));
  }
  const select = $('#app-select');
  select.replaceChildren(...state.apps.map(name => el('option', { value: name, text: name })));
  select.value = state.app;
  select.classList.remove('hidden');
  $('#app').classList.add('hidden'); // the selector names the app shown
  select.addEventListener('change', () => { location.search = '?app=' + encodeURIComponent(select.value); });
}

async function start() {
  $('#signin').classList.add('hidden');
  $('#main').classList.remove('hidden');
  try {
    await chooseApp();
    renderStatus(await apiJson('/api/status'));
    await loadHistory();
  } catch (e) {
    return;
  }
  pollSeries();
  setInterval(pollSeries, 2000);
  setInterval(renderTimeline, 1000);
  stream();
}

document.addEventListener('DOMContentLoaded', () => {
  wireActions();
  $('#signin-form').addEventListener('submit', e => {
    e.preventDefault();
    state.token = $('#token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, state.token);
    start();
  });
  state.token = readToken();
  if (state.token) start(); else showSignIn();
});
