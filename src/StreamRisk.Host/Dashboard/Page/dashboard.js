// StreamRisk dashboard: one Server-Sent Events stream (/api/events) keeps the page current; /api/alerts fills a
// gap when an alert was missed. The page never shows old data as live: a symbol is stale when the server says so
// (the engine's book is stale, or no projection for StaleAfter seconds), and everything is stale when the
// stream's one-second heartbeat stops arriving.
//
// Built for hundreds of instruments: one table row each, updated cell by cell (a cell is written only when its text
// changes, a row moved only when its sort position does), and the charts drawn for the one instrument opened, whose
// history is fetched on demand. The time from an update's arrival to the frame that shows it is measured and shown.
'use strict';

const token = new URLSearchParams(location.search).get('token');
const withToken = path => token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;
const HEARTBEAT_LOST_MS = 3000;   // three missed heartbeats: the connection is presumed gone
const NEW_ALERT_MS = 15000;       // how long a new alert stays highlighted
const REDRAW_MS = 1000;           // the detail's charts redraw at most this often (figures update at once)
const SYSTEM_HISTORY_MAX = 7200;  // system critical shock points kept for the session: two hours at one a second
const WINDOW_LABELS = { 600: '10 min', 3600: '1 h', 21600: '6 h' };
const SEVERITY_RANK = { info: 1, warning: 2, critical: 3 };

const symbols = new Map();        // symbol -> { view, heardAt, tr, cells, keys }
const order = [];                 // the rows in table order
const alerts = new Map();         // alert id -> { entry, firstSeen, expanded, li }
const acks = new Map();           // alert id -> { alertId, by, at }
const sort = { key: 'critDown', dir: 1 };
let windowSeconds = 600;
let lastSeq = 0;
let staleAfter = 5;
let lastHeard = 0;                // local ms of the last event of any kind
let serverOffset = 0;             // server ms − local ms, from the heartbeat
let refetching = false;
// The instrument whose charts are shown: its history over the window is fetched, then grown by the stream's points.
const detail = { symbol: null, view: null, history: [], dirty: {}, drawnAt: {}, heardAt: 0, loading: 0 };
// The latest system view, and the system critical shock over the session (the server's history, then every point since).
const system = { view: null, history: [], dirty: false, drawnAt: 0 };
// Muted alerts: rule + symbol pairs, kept in this browser only.
const muted = new Set(readStored('streamrisk.muted', []));

// ---- formatting ----
const pct = v => v == null ? '—' : `${(v * 100).toFixed(1)}%`;
const money = v => {
  if (v == null || !isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
};
const price = v => v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: v >= 100 ? 2 : 5 });
const utc = ms => new Date(ms).toISOString().substring(11, 19);
const shockClass = v => v == null ? '' : v <= 0.01 ? 'danger' : v <= 0.03 ? 'warn' : '';
// A signed move; one that rounds to zero shows no sign.
const signedPct = (v, digits = 2) => {
  if (v == null || !isFinite(v)) return '—';
  const text = Math.abs(v * 100).toFixed(digits);
  return `${+text === 0 ? '' : v > 0 ? '+' : '−'}${text}%`;
};

function readStored(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
}

// ---- render time: from an update's arrival to the frame that shows it ----
// Measured in the page around real work: the handler starts the clock, and it stops once the next frame has been
// produced (a task queued from requestAnimationFrame runs after that frame's style, layout and paint).
const renderTimes = [];           // { symbol, eventTime, ms }, the last 100
window.streamriskRenderTimes = renderTimes;
let pendingRenders = [];

function rendered(symbol, eventTime, started) {
  pendingRenders.push({ symbol, eventTime, started });
  if (pendingRenders.length > 1) return;
  requestAnimationFrame(() => setTimeout(() => {
    const now = performance.now();
    for (const p of pendingRenders) renderTimes.push({ symbol: p.symbol, eventTime: p.eventTime, ms: now - p.started });
    pendingRenders = [];
    if (renderTimes.length > 100) renderTimes.splice(0, renderTimes.length - 100);
    const last = renderTimes[renderTimes.length - 1].ms;
    const worst = Math.max(...renderTimes.map(r => r.ms));
    document.getElementById('render-time').textContent = `update → screen ${last.toFixed(0)} ms (max ${worst.toFixed(0)})`;
  }, 0));
}

// ---- stream ----
function connect() {
  const status = document.getElementById('connection');
  const source = new EventSource(withToken('/api/events'));
  source.onopen = () => { status.className = 'connection live'; status.textContent = 'live'; };
  source.onerror = () => { status.className = 'connection lost'; status.textContent = 'reconnecting…'; markAllStale(); };
  source.addEventListener('snapshot', e => {
    heard();
    const snapshot = JSON.parse(e.data);
    serverOffset = snapshot.freshness.serverTime - Date.now();
    for (const view of snapshot.symbols) onSymbol(view, []);
    resort();
    replaceAlerts(snapshot.alerts);
    onFreshness(snapshot.freshness);
    if (snapshot.system) onSystem(snapshot.system, snapshot.system.history || []);
    loadAcks();
    // Reconnected: the open instrument's history may have a gap.
    if (detail.symbol) loadDetail(detail.symbol);
  });
  source.addEventListener('symbol', e => {
    const started = performance.now();
    heard();
    const view = JSON.parse(e.data);
    onSymbol(view, view.point ? [view.point] : []);
    rendered(view.symbol, view.eventTime, started);
  });
  source.addEventListener('alert', e => { heard(); onAlert(JSON.parse(e.data)); });
  source.addEventListener('ack', e => { heard(); onAck(JSON.parse(e.data)); });
  source.addEventListener('system', e => {
    heard();
    const entry = JSON.parse(e.data);
    onSystem(entry, entry.point ? [entry.point] : []);
  });
  source.addEventListener('freshness', e => { heard(); onFreshness(JSON.parse(e.data)); });
}

function heard() { lastHeard = Date.now(); }

// ---- the instruments table ----
// Sort keys: a null (no runaway within the grid, no data) sorts last whichever the direction.
function bandTotal(v, band) {
  const b = v.bands.find(x => Math.abs(x.band - band) < 1e-9);
  return b ? b.liquidatableDown + b.liquidatableUp : null;
}

function depthChange(v) {
  const start = (v.windows || []).find(w => w.seconds === windowSeconds);
  return start && start.depth > 0 ? v.depthNearMark / start.depth - 1 : null;
}

function openAlertsOf(symbol) {
  let count = 0, worst = 0;
  for (const a of alerts.values()) {
    const t = a.entry.transition;
    if (t.symbol !== symbol || t.state === 'resolved') continue;
    count++;
    worst = Math.max(worst, SEVERITY_RANK[t.severity] || 0);
  }
  return { count, worst };
}

function sortKeys(s) {
  const v = s.view;
  return {
    symbol: v.symbol, mark: v.mark, critDown: v.criticalShockDown, critUp: v.criticalShockUp,
    liq1: bandTotal(v, 0.01), liq2: bandTotal(v, 0.02), liq5: bandTotal(v, 0.05),
    depth: v.depthNearMark, depthChange: depthChange(v),
    alerts: s.open.count === 0 ? null : s.open.count + s.open.worst / 10,
    age: v.ageSeconds,
  };
}

function compare(a, b) {
  const x = a.keys[sort.key], y = b.keys[sort.key];
  if (x !== y) {
    if (x == null) return 1;
    if (y == null) return -1;
    if (x < y) return -sort.dir;
    if (x > y) return sort.dir;
  }
  return a.view.symbol < b.view.symbol ? -1 : a.view.symbol > b.view.symbol ? 1 : 0;
}

// The first click on a heading sorts the alarming end first: smallest shocks, largest notional, deepest drop.
const FIRST_DIRECTION = { symbol: 1, mark: -1, critDown: 1, critUp: 1, liq1: -1, liq2: -1, liq5: -1, depth: 1, depthChange: 1, alerts: -1, age: -1 };

function onSortClick(key) {
  sort.dir = sort.key === key ? -sort.dir : FIRST_DIRECTION[key];
  sort.key = key;
  resort();
}

function resort() {
  for (const s of order) s.keys = sortKeys(s);
  order.sort(compare);
  const body = document.getElementById('instrument-rows');
  // One pass puts every row in order, moving only those out of place (a re-sort that changes nothing touches nothing).
  let at = body.firstElementChild;
  for (const s of order) {
    if (s.tr === at) at = at.nextElementSibling;
    else body.insertBefore(s.tr, at);
  }
  for (const th of document.querySelectorAll('#instruments th[data-sort]')) {
    const active = th.dataset.sort === sort.key;
    th.classList.toggle('sorted', active);
    th.setAttribute('aria-sort', active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
  }
}

// One row changed: move it only if it no longer sits between its neighbours.
function reposition(s) {
  s.keys = sortKeys(s);
  const i = order.indexOf(s);
  const inPlace = (i === 0 || compare(order[i - 1], s) <= 0) && (i === order.length - 1 || compare(s, order[i + 1]) <= 0);
  if (inPlace) return;
  order.splice(i, 1);
  let lo = 0, hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(order[mid], s) <= 0) lo = mid + 1; else hi = mid;
  }
  order.splice(lo, 0, s);
  document.getElementById('instrument-rows').insertBefore(s.tr, order[lo + 1]?.tr ?? null);
}

const COLUMNS = ['symbol', 'ccy', 'mark', 'critDown', 'critUp', 'liq1', 'liq2', 'liq5', 'depth', 'depthChange', 'alerts', 'freshness'];

function createRow(view) {
  document.getElementById('no-symbols')?.remove();
  const tr = document.createElement('tr');
  tr.id = `symbol-${view.symbol}`;
  tr.dataset.symbol = view.symbol;
  const cells = {};
  for (const name of COLUMNS) {
    const td = document.createElement('td');
    td.className = name;
    cells[name] = { td, text: null, cls: null };
    tr.append(td);
  }
  setCell(cells.symbol, view.symbol, 'symbol');
  setCell(cells.ccy, view.currency || 'quote', 'ccy');
  const s = { view, heardAt: Date.now(), tr, cells, open: openAlertsOf(view.symbol), keys: null };
  s.keys = sortKeys(s);
  return s;
}

// Writes only what changed: most updates change a few cells of one row.
function setCell(cell, text, cls) {
  if (cell.text !== text) { cell.td.textContent = text; cell.text = text; }
  if (cell.cls !== cls) { cell.td.className = cls; cell.cls = cls; }
}

function onSymbol(view, points) {
  let s = symbols.get(view.symbol);
  if (!s) {
    s = createRow(view);
    symbols.set(view.symbol, s);
    order.push(s);
    document.getElementById('instrument-rows').appendChild(s.tr);
    document.getElementById('instrument-count').textContent = `${symbols.size}`;
  }
  s.view = view;
  s.heardAt = Date.now();
  renderRow(s);
  reposition(s);
  if (detail.symbol === view.symbol) onDetailUpdate(view, points);
}

function renderRow(s) {
  const v = s.view, c = s.cells;
  const f = freshness(s);
  if (s.tr.classList.contains('stale') !== f.stale) s.tr.classList.toggle('stale', f.stale);
  setCell(c.mark, price(v.mark), 'mark num');
  setCell(c.critDown, pct(v.criticalShockDown), `critDown num ${shockClass(v.criticalShockDown)}`);
  setCell(c.critUp, pct(v.criticalShockUp), `critUp num ${shockClass(v.criticalShockUp)}`);
  for (const [name, band] of [['liq1', 0.01], ['liq2', 0.02], ['liq5', 0.05]]) setCell(c[name], money(bandTotal(v, band)), `${name} num`);
  setCell(c.depth, money(v.depthNearMark), 'depth num');
  const change = depthChange(v);
  setCell(c.depthChange, signedPct(change, 1), `depthChange num${change <= -0.5 ? ' danger' : change <= -0.2 ? ' warn' : ''}`);
  const worst = Object.keys(SEVERITY_RANK).find(k => SEVERITY_RANK[k] === s.open.worst);
  setCell(c.alerts, s.open.count ? `${s.open.count} · ${worst}` : '—', `alerts num${s.open.count ? ` sev-${worst}` : ''}`);
  setCell(c.freshness, f.short, `freshness ${f.stale ? 'stale' : 'live'}`);
}

function onFreshness(f) {
  staleAfter = f.staleAfterSeconds;
  serverOffset = f.serverTime - Date.now();
  document.getElementById('server-time').textContent = `server ${utc(f.serverTime)} UTC`;
  for (const e of f.symbols) {
    const s = symbols.get(e.symbol);
    if (!s) continue;
    s.view = { ...s.view, ageSeconds: e.ageSeconds, stale: e.stale, staleReason: e.staleReason };
    s.heardAt = Date.now();
    renderRow(s);
    if (detail.symbol === e.symbol && detail.view) {
      detail.view = { ...detail.view, ageSeconds: e.ageSeconds, stale: e.stale, staleReason: e.staleReason };
      detail.heardAt = s.heardAt;
    }
  }
  if (sort.key === 'age') resort();
  if (detail.view) renderDetailFigures();
  if (f.alertSeq > lastSeq) refetchAlerts();
}

// Freshness as of now: the server's age plus the time since we heard it; the connection's loss makes all stale.
// The table shows whole seconds (a cell then changes once a second, not on every tick).
function freshness(s) {
  const age = s.view.ageSeconds + (Date.now() - s.heardAt) / 1000;
  if (lastHeard > 0 && Date.now() - lastHeard > HEARTBEAT_LOST_MS) return { stale: true, text: 'STALE · connection lost', short: 'STALE · connection lost' };
  if (s.view.staleReason === 'book') return { stale: true, text: 'STALE · book out of sync', short: 'STALE · book out of sync' };
  if (s.view.stale || age > staleAfter) return { stale: true, text: `STALE · no update ${age.toFixed(0)} s`, short: `STALE · no update ${age.toFixed(0)} s` };
  return { stale: false, text: `LIVE · ${age.toFixed(1)} s`, short: `LIVE · ${age.toFixed(0)} s` };
}

function markAllStale() {
  for (const s of symbols.values()) renderRow(s);
  if (detail.view) renderDetailFigures();
  renderSystemFreshness();
}

// ---- one instrument in detail ----
function openDetail(symbol) {
  if (detail.symbol !== symbol) {
    symbols.get(detail.symbol)?.tr.classList.remove('selected');
    detail.symbol = symbol;
    detail.view = symbols.get(symbol)?.view ?? null;
    detail.history = [];
  }
  symbols.get(symbol)?.tr.classList.add('selected');
  const root = document.getElementById('detail');
  root.hidden = false;
  root.dataset.symbol = symbol;
  root.querySelector('.symbol-name').textContent = symbol;
  if (detail.view) renderDetailFigures();
  loadDetail(symbol);
  root.scrollIntoView({ block: 'nearest' });
}

function closeDetail() {
  symbols.get(detail.symbol)?.tr.classList.remove('selected');
  detail.symbol = null;
  detail.view = null;
  detail.history = [];
  document.getElementById('detail').hidden = true;
}

async function loadDetail(symbol) {
  const ticket = ++detail.loading;
  try {
    const response = await fetch(withToken(`/api/symbols/${encodeURIComponent(symbol)}?window=${windowSeconds}`));
    if (!response.ok || ticket !== detail.loading || detail.symbol !== symbol) return;
    const full = await response.json();
    if (ticket !== detail.loading || detail.symbol !== symbol) return;
    // Points the stream brought while the request was out are kept.
    const last = full.history.length ? full.history[full.history.length - 1].eventTime : -Infinity;
    detail.history = [...full.history, ...detail.history.filter(p => p.eventTime > last)];
    if (!detail.view || full.eventTime >= detail.view.eventTime) detail.view = full;
    detail.heardAt = Date.now();
    document.getElementById('detail').dataset.window = String(windowSeconds);
    markDetailDirty(true);
    renderDetailFigures();
  } catch {
    // The next snapshot (after a reconnect) asks again.
  }
}

function onDetailUpdate(view, points) {
  detail.view = view;
  detail.heardAt = Date.now();
  const h = detail.history;
  for (const p of points) if (!h.length || p.eventTime > h[h.length - 1].eventTime) h.push(p);
  // Only the window is kept: points that fall out of it leave.
  if (h.length) {
    const from = h[h.length - 1].eventTime - windowSeconds * 1000;
    let k = 0;
    while (k < h.length && h[k].eventTime < from) k++;
    if (k) h.splice(0, k);
  }
  markDetailDirty(points.length > 0);
  renderDetailFigures();
}

function markDetailDirty(history) {
  detail.dirty.chain = detail.dirty.ladder = true;
  if (history) detail.dirty.spark = detail.dirty.heat = true;
}

function renderDetailFigures() {
  const v = detail.view, c = document.getElementById('detail');
  const f = freshness({ view: v, heardAt: detail.heardAt });
  c.classList.toggle('stale', f.stale);
  const badge = c.querySelector('.freshness');
  badge.textContent = f.text;
  badge.className = `freshness ${f.stale ? 'stale' : 'live'}`;
  c.querySelector('.mark').textContent = `${price(v.mark)} ${v.currency || ''}`.trim();
  setFigure(c, '.crit-down', pct(v.criticalShockDown), shockClass(v.criticalShockDown));
  setFigure(c, '.crit-up', pct(v.criticalShockUp), shockClass(v.criticalShockUp));
  const drop = v.depthNearMarkPeak > 0 ? 1 - v.depthNearMark / v.depthNearMarkPeak : 0;
  setFigure(c, '.depth', `${money(v.depthNearMark)}${drop >= 0.1 ? ` (−${(drop * 100).toFixed(0)}%)` : ''}`, drop >= 0.5 ? 'danger' : '');
  setFigure(c, '.fund', money(v.insuranceFund), '');
  setFigure(c, '.drain', `↓ ${pct(v.fundDrainShockDown)} · ↑ ${pct(v.fundDrainShockUp)}`, v.fundDrainShockDown != null || v.fundDrainShockUp != null ? 'warn' : '');
  setFigure(c, '.adl', `↓ ${money(v.adlNotionalDown)} · ↑ ${money(v.adlNotionalUp)}`, v.adlNotionalDown > 0 || v.adlNotionalUp > 0 ? 'danger' : '');
  c.querySelector('.as-of').textContent = `event time ${new Date(v.eventTime).toISOString().replace('T', ' ').substring(0, 23)} UTC · amounts in ${v.currency || 'the quote currency'}`;
}

function setFigure(card, selector, text, cls) {
  const e = card.querySelector(selector);
  e.textContent = text;
  e.className = selector.substring(1) + (cls ? ` ${cls}` : '');
}

// ---- the time window ----
function selectWindow(seconds) {
  windowSeconds = seconds;
  for (const b of document.querySelectorAll('.window-select button')) b.classList.toggle('selected', +b.dataset.window === seconds);
  for (const label of document.querySelectorAll('.window-label')) label.textContent = WINDOW_LABELS[seconds];
  for (const s of symbols.values()) renderRow(s);
  resort();
  if (detail.symbol) { detail.history = []; loadDetail(detail.symbol); }
}

// ---- system view ----
// Every name in it (accounts, symbols) comes from outside: it reaches the page only through textContent.
async function loadSystem() {
  try {
    const response = await fetch(withToken('/api/system'));
    if (response.ok) {
      const full = await response.json();
      onSystem(full, full.history || []);
    }
  } catch {
    // The stream's snapshot carries the same view.
  }
}

function onSystem(entry, points) {
  if (!entry || !entry.view) return;
  mergeSystemHistory(points);
  system.dirty = true;
  if (system.view && entry.view.eventTime < system.view.eventTime) return;   // an older view (fetch raced the stream)
  system.view = entry.view;
  renderSystem();
}

function mergeSystemHistory(points) {
  if (!points.length) return;
  const h = system.history;
  const last = h.length ? h[h.length - 1].eventTime : -Infinity;
  if (points.every(p => p.eventTime > last)) {
    h.push(...points);
  } else {
    const byTime = new Map(h.map(p => [p.eventTime, p]));
    for (const p of points) byTime.set(p.eventTime, p);
    system.history = [...byTime.values()].sort((a, b) => a.eventTime - b.eventTime);
  }
  if (system.history.length > SYSTEM_HISTORY_MAX) system.history.splice(0, system.history.length - SYSTEM_HISTORY_MAX);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

function renderSystem() {
  const v = system.view, root = document.getElementById('system');
  root.hidden = false;
  const betas = v.symbols.map((sym, i) => `${sym} ${v.betas[i].toFixed(2)}`).join(', ');
  root.querySelector('.system-meta').textContent =
    `reference ${v.reference} · β ${betas} · ${v.accounts} accounts · fund ${money(v.insuranceFund)}`;
  root.querySelector('.system-as-of').textContent = `event time ${new Date(v.eventTime).toISOString().replace('T', ' ').substring(0, 23)} UTC`;
  setFigure(root, '.sys-crit-down', pct(v.criticalShockDown), shockClass(v.criticalShockDown));
  setFigure(root, '.sys-crit-up', pct(v.criticalShockUp), shockClass(v.criticalShockUp));
  renderSystemChains(root.querySelector('.system-chain'), v);
  renderContagion(root, v);
  renderCriticalAccounts(root, v);
  renderFactorGrid(root, v);
  renderSystemFreshness();
}

// The chain at each critical shock: per instrument its final move and liquidation, and what came from elsewhere.
function renderSystemChains(list, v) {
  const items = [];
  for (const chain of [v.chainDown, v.chainUp]) {
    if (!chain) continue;
    const li = el('li', `chain-${chain.direction}`);
    li.append(el('strong', null, `${chain.direction === 'down' ? '↓' : '↑'} at ${pct(chain.shock)}: `),
      document.createTextNode(`${chain.liquidatedAccounts} accounts, ${money(chain.liquidatedNotional)}`));
    for (const i of chain.instruments) {
      if (i.liquidatedNotional <= 0 && !i.runaway) continue;
      const imported = i.importedNotional > 0 ? `, ${money(i.importedNotional)} imported` : '';
      li.append(el('span', i.runaway ? 'danger' : null, ` · ${i.symbol} ${signedPct(i.move, 1)} ${money(i.liquidatedNotional)}${imported}`));
    }
    items.push(li);
  }
  if (!items.length) items.push(el('li', 'muted', 'No factor move within 50% runs away.'));
  list.replaceChildren(...items);
}

// Rows: an instrument moving alone by ± the contagion move; columns: every instrument; a cell: where the other ends
// and what it liquidates. Red when the other moves at least as far as the first, amber when anything is liquidated.
function renderContagion(root, v) {
  root.querySelector('.contagion-move').textContent = `each instrument alone ±${pct(v.contagionMove)}`;
  const cells = new Map(v.contagion.map(c => [`${c.from}\u0000${c.direction}\u0000${c.to}`, c]));
  const head = el('tr');
  head.append(el('th', null, 'alone ↓ / ↑'));
  for (const sym of v.symbols) head.append(el('th', 'num', sym));
  const rows = [];
  for (const from of v.symbols) {
    for (const direction of ['down', 'up']) {
      const tr = el('tr');
      tr.dataset.from = from;
      tr.dataset.direction = direction;
      tr.append(el('th', null, `${from} ${direction === 'down' ? '↓' : '↑'} ${pct(v.contagionMove)}`));
      for (const to of v.symbols) {
        if (to === from) { tr.append(el('td', 'self', '—')); continue; }
        const c = cells.get(`${from}\u0000${direction}\u0000${to}`);
        const td = el('td', `cell ${contagionClass(c, v.contagionMove)}`);
        td.dataset.to = to;
        if (c) {
          td.append(el('span', 'move', signedPct(c.move)), el('span', 'notional', money(c.liquidatedNotional)));
        } else {
          td.textContent = '—';
        }
        tr.append(td);
      }
      rows.push(tr);
    }
  }
  root.querySelector('.contagion thead').replaceChildren(head);
  root.querySelector('.contagion tbody').replaceChildren(...rows);
}

const contagionClass = (c, move) => !c ? '' : Math.abs(c.move) >= move - 1e-12 ? 'sev-high' : c.liquidatedNotional > 0 || c.move !== 0 ? 'sev-mid' : 'sev-low';

function renderCriticalAccounts(root, v) {
  const rows = v.criticalAccounts.map(a => {
    const tr = el('tr');
    const account = el('td', 'account', a.account);
    account.title = `${a.account} · own notional ${money(a.ownNotional)}`;
    tr.append(account, el('td', 'num additional', money(a.additionalNotional)), el('td', 'num others', String(a.otherAccounts)),
      el('td', 'lands', a.instruments.map(i => `${i.symbol} ${money(i.notional)}`).join(' · ')));
    return tr;
  });
  root.querySelector('.critical-accounts tbody').replaceChildren(...rows);
  root.querySelector('.no-critical').hidden = rows.length > 0;
}

// The factor grid: a column per reference move (every instrument by β × it), a row per instrument's final move
// (red where it runs away), then accounts, notional and the fund after.
function renderFactorGrid(root, v) {
  root.querySelector('.factor-betas').textContent = `(${v.reference} moves, every instrument by β × it)`;
  const grid = [...v.grid].sort((a, b) => a.move - b.move);
  const head = el('tr');
  head.append(el('th', null, `${v.reference} move`));
  for (const g of grid) head.append(el('th', 'num', signedPct(g.move, 1)));
  const rows = v.symbols.map((sym, i) => {
    const tr = el('tr');
    tr.append(el('th', null, sym));
    for (const g of grid) {
      const o = g.instruments[i];
      const td = el('td', `num${o.runaway ? ' runaway' : ''}`, signedPct(o.move, 1));
      td.title = `${money(o.liquidatedNotional)} liquidated${o.runaway ? ', runs away' : ''}`;
      tr.append(td);
    }
    return tr;
  });
  const line = (label, f) => {
    const tr = el('tr');
    tr.append(el('th', null, label));
    for (const g of grid) tr.append(el('td', 'num', f(g)));
    return tr;
  };
  rows.push(line('accounts', g => String(g.liquidatedAccounts)), line('liquidated', g => money(g.liquidatedNotional)),
    line('fund after', g => money(g.insuranceFundAfter)));
  root.querySelector('.factor-grid thead').replaceChildren(head);
  root.querySelector('.factor-grid tbody').replaceChildren(...rows);
}

// System views come only after a change, so a quiet market is not stale; a lost connection is.
function renderSystemFreshness() {
  const lost = lastHeard === 0 || Date.now() - lastHeard > HEARTBEAT_LOST_MS;
  document.getElementById('system').classList.toggle('stale', system.view != null && lost);
}

function drawSystemSpark() {
  const h = system.history, times = h.map(p => new Date(p.eventTime));
  Plotly.react(document.querySelector('#system .system-spark'), [
    { x: times, y: h.map(p => p.criticalShockDown == null ? null : p.criticalShockDown * 100), line: { color: '#ef4444', width: 1.5 }, name: 'down' },
    { x: times, y: h.map(p => p.criticalShockUp == null ? null : p.criticalShockUp * 100), line: { color: '#22c55e', width: 1.5 }, name: 'up' },
  ], layout('System critical shock % (↓ red, ↑ green)', {
    xaxis: { ...base.xaxis, tickformat: '%H:%M:%S' },
    yaxis: { ...base.yaxis, rangemode: 'tozero', ticksuffix: '%' },
  }), config);
}

// ---- charts (plotly.js, served by the host) ----
const base = {
  paper_bgcolor: '#131a2e', plot_bgcolor: '#131a2e', font: { color: '#dbe2f0', size: 10 },
  margin: { l: 46, r: 10, t: 22, b: 26 }, showlegend: false,
  xaxis: { gridcolor: '#25304d', zeroline: false }, yaxis: { gridcolor: '#25304d', zeroline: false },
};
const config = { displayModeBar: false };
const layout = (title, extra) => ({ ...base, title: { text: title, font: { size: 11 }, x: 0.02 }, ...extra });

// The x axis shows the whole selected window, ending at the latest point, however much history there is yet.
function windowRange() {
  const h = detail.history;
  const end = h.length ? h[h.length - 1].eventTime : detail.view.eventTime;
  return [new Date(end - windowSeconds * 1000), new Date(end)];
}

const timeFormat = () => windowSeconds > 3600 ? '%H:%M' : '%H:%M:%S';

function drawSpark() {
  const h = detail.history, times = h.map(p => new Date(p.eventTime));
  Plotly.react(document.querySelector('#detail .spark'), [
    { x: times, y: h.map(p => p.criticalShockDown == null ? null : p.criticalShockDown * 100), line: { color: '#ef4444', width: 1.5 } },
    { x: times, y: h.map(p => p.criticalShockUp == null ? null : p.criticalShockUp * 100), line: { color: '#22c55e', width: 1.5 } },
    { x: times, y: h.map(p => p.mark), yaxis: 'y2', line: { color: '#8190ad', width: 1, dash: 'dot' } },
  ], layout(`Critical shock % (↓ red, ↑ green) · mark (dotted) · last ${WINDOW_LABELS[windowSeconds]}`, {
    xaxis: { ...base.xaxis, type: 'date', tickformat: timeFormat(), range: windowRange() },
    yaxis: { ...base.yaxis, rangemode: 'tozero', ticksuffix: '%' },
    yaxis2: { overlaying: 'y', side: 'right', showgrid: false, tickformat: ',.0f' },
    margin: { ...base.margin, r: 50 },
  }), config);
}

function drawChain() {
  const v = detail.view, dir = v.worstDirection;
  const chain = dir === 'down' ? v.chainDown : dir === 'up' ? v.chainUp : null;
  // Round 0 is the mark, so the chart is never empty, and the round axis has a fixed range: plotly spends seconds
  // autoranging an empty trace against a one-unit tick step.
  const rounds = chain ? [v.mark, ...chain.roundPrices] : [v.mark];
  const title = chain
    ? `Cascade ${dir} at ${pct(chain.shock)}: ${chain.positions} positions, ${money(chain.notional)} ${v.currency || ''}, ×${chain.amplification == null ? '∞' : chain.amplification.toFixed(1)}`
    : 'Cascade: none within 50%';
  Plotly.react(document.querySelector('#detail .chain'), [
    { x: rounds.map((_, i) => i), y: rounds, mode: 'lines+markers', line: { color: dir === 'up' ? '#22c55e' : '#ef4444', shape: 'hv' } },
  ], layout(title, { xaxis: { ...base.xaxis, type: 'linear', title: { text: 'round (0 = mark)', standoff: 2 }, dtick: 1, autorange: false, range: [-0.5, Math.max(3, rounds.length - 1) + 0.5] }, yaxis: { ...base.yaxis, tickformat: ',.2f' } }), config);
}

// The colour bar says what a colour is worth: liquidatable notional in the quote currency, from zero to the most in view.
function drawHeat() {
  const h = detail.history, v = detail.view, mids = ringMids(v);
  const unit = v.currency || 'quote ccy';
  Plotly.react(document.querySelector('#detail .heat'), [
    { type: 'heatmap', x: h.map(p => new Date(p.eventTime)), y: mids, z: mids.map((_, i) => h.map(p => p.liquidatable[i] ?? null)),
      colorscale: HEAT, zmin: 0, showscale: true,
      colorbar: { title: { text: `liquidatable<br>${unit}`, side: 'top', font: { size: 10 } }, thickness: 10, len: 0.9, tickformat: '.2s', outlinewidth: 0 },
      hovertemplate: `%{y:.2f}% from mark<br>%{z:,.0f} ${unit} liquidatable<extra></extra>` },
  ], layout('Liquidation heatmap (% from mark × time)', {
    xaxis: { ...base.xaxis, type: 'date', tickformat: timeFormat(), range: windowRange() }, yaxis: { ...base.yaxis, ticksuffix: '%' },
    margin: { ...base.margin, r: 70 },
  }), config);
}

function drawLadder() {
  const v = detail.view, rings = v.heatmap, mids = ringMids(v);
  Plotly.react(document.querySelector('#detail .ladder'), [
    { type: 'bar', orientation: 'h', y: mids, x: rings.map(r => r.liquidatable), marker: { color: mids.map(m => m < 0 ? '#ef4444' : '#22c55e') } },
    { type: 'bar', orientation: 'h', y: mids, x: rings.map(r => -r.depth), marker: { color: '#60a5fa' } },
  ], layout(`Ladder now (${v.currency || 'quote ccy'}): liquidatable → | ← book depth`, { barmode: 'overlay', yaxis: { ...base.yaxis, type: 'linear', ticksuffix: '%' }, xaxis: { ...base.xaxis, type: 'linear', tickformat: '.2s' } }), config);
}

// Dark (nothing to liquidate) through ember to bright yellow (the most notional), on the card's own background.
const HEAT = [[0, '#131a2e'], [0.15, '#4c1d1d'], [0.45, '#b91c1c'], [0.75, '#f97316'], [1, '#fde047']];
const ringMids = v => v.heatmap.map(r => ((r.from + r.to) / 2) * 100);
const charts = { spark: drawSpark, chain: drawChain, heat: drawHeat, ladder: drawLadder };

// Drawing is the page's dearest work (software rendering in a headless or GPU-less browser): only the open
// instrument's charts are drawn, each at most once a second, within a time budget per tick.
const DRAW_BUDGET_MS = 60;

function redraw() {
  for (const s of symbols.values()) renderRow(s);   // ages move on even when no data arrives
  if (detail.view) renderDetailFigures();
  const now = Date.now();
  const started = performance.now();
  if (system.dirty && now - system.drawnAt >= REDRAW_MS) {
    system.dirty = false;
    system.drawnAt = now;
    drawSystemSpark();
  }
  for (const name of Object.keys(charts)) {
    if (!detail.view || !detail.dirty[name] || now - (detail.drawnAt[name] || 0) < REDRAW_MS) continue;
    if (performance.now() - started >= DRAW_BUDGET_MS) break;
    detail.dirty[name] = false;
    detail.drawnAt[name] = Date.now();
    charts[name]();
  }
  if (lastHeard > 0 && Date.now() - lastHeard > HEARTBEAT_LOST_MS) {
    const status = document.getElementById('connection');
    status.className = 'connection lost';
    status.textContent = 'no data';
  }
  if (system.view) renderSystemFreshness();
  renderAlertAges();
  // Drawing gets at most a third of the main thread, however slow this machine draws.
  setTimeout(redraw, Math.max(250, 2 * (performance.now() - started)));
}

// ---- alerts ----
function replaceAlerts(view) {
  alerts.clear();
  document.getElementById('alerts').replaceChildren();
  for (const entry of [...view.recent].reverse()) applyAlert(entry, false);
  for (const entry of view.open) if (!alerts.has(entry.transition.id)) applyAlert(entry, false);
  lastSeq = view.seq;
  renderAlertCount();
  recountOpenAlerts();
}

function onAlert(entry) {
  if (entry.seq <= lastSeq) return;                                   // already had it (snapshot overlap)
  if (entry.seq > lastSeq + 1) { refetchAlerts(); return; }           // missed one: take the full list
  lastSeq = entry.seq;
  applyAlert(entry, true);
  renderAlertCount();
  recountOpenAlerts();
}

async function refetchAlerts() {
  if (refetching) return;
  refetching = true;
  try {
    const response = await fetch(withToken('/api/alerts'));
    if (response.ok) replaceAlerts(await response.json());
  } finally {
    refetching = false;
  }
}

// The table's open-alert column: rows whose count or worst severity changed are redrawn (and moved if sorted by it).
function recountOpenAlerts() {
  for (const s of symbols.values()) {
    const open = openAlertsOf(s.view.symbol);
    if (open.count === s.open.count && open.worst === s.open.worst) continue;
    s.open = open;
    renderRow(s);
    if (sort.key === 'alerts') reposition(s);
  }
}

function applyAlert(entry, live) {
  const t = entry.transition;
  let a = alerts.get(t.id);
  const fresh = live || (Date.now() + serverOffset - entry.receivedAt) < NEW_ALERT_MS;
  if (!a) {
    a = { entry, firstSeen: fresh ? Date.now() : 0, expanded: false, li: document.createElement('li') };
    a.li.dataset.alertId = t.id;
    alerts.set(t.id, a);
  } else if (fresh && t.state !== 'resolved') {
    a.firstSeen = Date.now();   // escalated or updated: highlight again
  }
  a.entry = entry;
  const list = document.getElementById('alerts');
  list.insertBefore(a.li, list.firstChild);   // newest first
  renderAlert(a);
  while (list.children.length > 200) {
    const last = list.lastChild;
    alerts.delete(last.dataset.alertId);
    last.remove();
  }
}

const muteKey = t => `${t.rule}\u0000${t.symbol}`;

function renderAlert(a) {
  const t = a.entry.transition;
  const resolved = t.state === 'resolved';
  const isNew = !resolved && Date.now() - a.firstSeen < NEW_ALERT_MS;
  const ack = acks.get(t.id);
  const isMuted = muted.has(muteKey(t));
  a.li.className = `alert sev-${t.severity} state-${t.state}${resolved ? ' resolved' : ''}${isNew ? ' new' : ''}${ack ? ' acked' : ''}${isMuted ? ' muted-alert' : ''}`;
  const metrics = Object.entries(t.metrics).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(+v.toPrecision(6)))}</td></tr>`).join('');
  a.li.innerHTML =
    `<div class="alert-line"><span class="sev">${esc(t.severity)}</span><strong>${esc(t.rule)}</strong>` +
    `<span>${esc(t.symbol)}</span><span class="state">${esc(t.state)}</span><span class="time">${utc(t.eventTime)}</span></div>` +
    `<div class="alert-actions">` +
    (ack
      ? `<span class="ack-by">ACK ${esc(ack.by)} · ${utc(ack.at)}</span>`
      : resolved ? '' : `<button type="button" data-action="ack">Acknowledge</button>`) +
    `<button type="button" data-action="mute" title="Mute ${esc(t.rule)} on ${esc(t.symbol)} in this browser">${isMuted ? 'Unmute' : 'Mute'}</button></div>` +
    (a.expanded
      ? `<div class="alert-detail"><p class="explanation">${esc(t.explanation)}</p>` +
        `<p class="action"><strong>Suggested:</strong> ${esc(t.suggestedAction)}</p><table>${metrics}</table>` +
        `<p class="muted">${esc(t.id)}</p></div>`
      : '');
}

function onAlertClick(event) {
  const li = event.target.closest('li[data-alert-id]');
  const a = li && alerts.get(li.dataset.alertId);
  if (!a) return;
  const action = event.target.closest('button[data-action]')?.dataset.action;
  if (action === 'ack') acknowledge(a, event.target);
  else if (action === 'mute') toggleMute(a.entry.transition);
  else { a.expanded = !a.expanded; renderAlert(a); }
}

async function acknowledge(a, button) {
  button.disabled = true;
  const by = document.getElementById('operator').value;
  try {
    const response = await fetch(withToken(`/api/alerts/${encodeURIComponent(a.entry.transition.id)}/ack`), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ by }),
    });
    if (response.ok) { onAck(await response.json()); return; }
    button.textContent = `failed: ${(await response.text()).substring(0, 80)}`;
  } catch {
    button.textContent = 'failed: no connection';
  }
  button.disabled = false;
}

function onAck(ack) {
  if (acks.has(ack.alertId)) return;   // the first acknowledgement stands (and each is announced more than once)
  acks.set(ack.alertId, ack);
  const a = alerts.get(ack.alertId);
  if (a) renderAlert(a);
}

async function loadAcks() {
  try {
    const response = await fetch(withToken('/api/acks'));
    if (!response.ok) return;
    const view = await response.json();
    document.getElementById('ack-store').textContent = view.store === 'redis'
      ? 'shared with every operator (Redis)'
      : 'kept by this dashboard only (no Redis configured)';
    for (const ack of view.acks) onAck(ack);
  } catch {
    // The next snapshot asks again.
  }
}

function toggleMute(t) {
  const key = muteKey(t);
  if (!muted.delete(key)) muted.add(key);
  localStorage.setItem('streamrisk.muted', JSON.stringify([...muted]));
  for (const a of alerts.values()) if (muteKey(a.entry.transition) === key) renderAlert(a);
  renderAlertCount();
}

function applyAlertFilters() {
  const list = document.getElementById('alerts');
  const shown = [];
  for (const box of document.querySelectorAll('.sev-filter')) {
    list.classList.toggle(`hide-${box.value}`, !box.checked);
    if (box.checked) shown.push(box.value);
  }
  list.classList.toggle('show-muted', document.getElementById('show-muted').checked);
  localStorage.setItem('streamrisk.severities', JSON.stringify(shown));
}

function renderAlertAges() {
  for (const a of alerts.values()) {
    const highlighted = a.li.classList.contains('new');
    const shouldBe = a.entry.transition.state !== 'resolved' && Date.now() - a.firstSeen < NEW_ALERT_MS;
    if (highlighted !== shouldBe) a.li.classList.toggle('new', shouldBe);
  }
}

function renderAlertCount() {
  const open = [...alerts.values()].filter(a => a.entry.transition.state !== 'resolved').length;
  document.getElementById('open-count').textContent = `${open} open`;
  document.getElementById('muted-count').textContent = String([...alerts.values()].filter(a => muted.has(muteKey(a.entry.transition))).length);
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}

// ---- controls ----
function wire() {
  for (const th of document.querySelectorAll('#instruments th[data-sort]')) th.addEventListener('click', () => onSortClick(th.dataset.sort));
  document.getElementById('instrument-rows').addEventListener('click', e => {
    const tr = e.target.closest('tr[data-symbol]');
    if (tr) openDetail(tr.dataset.symbol);
  });
  document.querySelector('#detail .close').addEventListener('click', closeDetail);
  for (const b of document.querySelectorAll('.window-select button')) b.addEventListener('click', () => selectWindow(+b.dataset.window));
  document.getElementById('alerts').addEventListener('click', onAlertClick);
  const severities = readStored('streamrisk.severities', null);
  for (const box of document.querySelectorAll('.sev-filter')) {
    if (Array.isArray(severities)) box.checked = severities.includes(box.value);
    box.addEventListener('change', applyAlertFilters);
  }
  document.getElementById('show-muted').addEventListener('change', applyAlertFilters);
  const operator = document.getElementById('operator');
  operator.value = localStorage.getItem('streamrisk.operator') || '';
  operator.addEventListener('change', () => localStorage.setItem('streamrisk.operator', operator.value));
  applyAlertFilters();
  resort();
}

wire();
loadSystem();
connect();
redraw();
