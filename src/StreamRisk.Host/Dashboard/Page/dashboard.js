// StreamRisk dashboard: one Server-Sent Events stream (/api/events) keeps the page current; /api/alerts fills a
// gap when an alert was missed. The page never shows old data as live: a symbol is stale when the server says so
// (the engine's book is stale, or no projection for StaleAfter seconds), and everything is stale when the
// stream's one-second heartbeat stops arriving.
'use strict';

const token = new URLSearchParams(location.search).get('token');
const withToken = path => token ? `${path}?token=${encodeURIComponent(token)}` : path;
const HEARTBEAT_LOST_MS = 3000;   // three missed heartbeats: the connection is presumed gone
const NEW_ALERT_MS = 15000;       // how long a new alert stays highlighted
const REDRAW_MS = 1000;           // charts redraw at most this often per symbol (figures update at once)
const HISTORY_MAX = 600;
const SYSTEM_HISTORY_MAX = 7200;  // system critical shock points kept for the session: two hours at one a second

const symbols = new Map();        // symbol -> { view, history, card, drawnAt, dirty }
const alerts = new Map();         // alert id -> { entry, firstSeen, expanded }
let lastSeq = 0;
let staleAfter = 5;
let lastHeard = 0;                // local ms of the last event of any kind
let serverOffset = 0;             // server ms − local ms, from the heartbeat
let refetching = false;
// The latest system view, and the system critical shock over the session (the server's history, then every point since).
const system = { view: null, history: [], dirty: false, drawnAt: 0 };

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
    for (const view of snapshot.symbols) onSymbol(view, view.history || []);
    replaceAlerts(snapshot.alerts);
    onFreshness(snapshot.freshness);
    if (snapshot.system) onSystem(snapshot.system, snapshot.system.history || []);
  });
  source.addEventListener('symbol', e => {
    heard();
    const view = JSON.parse(e.data);
    onSymbol(view, view.point ? [view.point] : []);
  });
  source.addEventListener('alert', e => { heard(); onAlert(JSON.parse(e.data)); });
  source.addEventListener('system', e => {
    heard();
    const entry = JSON.parse(e.data);
    onSystem(entry, entry.point ? [entry.point] : []);
  });
  source.addEventListener('freshness', e => { heard(); onFreshness(JSON.parse(e.data)); });
}

function heard() { lastHeard = Date.now(); }

// ---- symbols ----
function onSymbol(view, points) {
  let s = symbols.get(view.symbol);
  if (!s) {
    s = { view, history: [], card: createCard(view.symbol), drawnAt: {}, dirty: {}, heardAt: Date.now() };
    symbols.set(view.symbol, s);
  }
  s.view = view;
  s.heardAt = Date.now();
  for (const p of points) {
    if (!s.history.length || p.eventTime > s.history[s.history.length - 1].eventTime) s.history.push(p);
  }
  if (s.history.length > HISTORY_MAX) s.history.splice(0, s.history.length - HISTORY_MAX);
  s.dirty.chain = s.dirty.ladder = true;
  if (points.length) s.dirty.spark = s.dirty.heat = true;
  renderFigures(s);
}

function createCard(symbol) {
  document.getElementById('no-symbols')?.remove();
  const card = document.getElementById('symbol-template').content.firstElementChild.cloneNode(true);
  card.id = `symbol-${symbol}`;
  card.dataset.symbol = symbol;
  card.querySelector('.symbol-name').textContent = symbol;
  const list = document.getElementById('symbols');
  const after = [...list.children].find(c => c.dataset.symbol > symbol);
  list.insertBefore(card, after || null);
  return card;
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
    renderFigures(s);
  }
  if (f.alertSeq > lastSeq) refetchAlerts();
}

// Freshness as of now: the server's age plus the time since we heard it; the connection's loss makes all stale.
function freshness(s) {
  const age = s.view.ageSeconds + (Date.now() - s.heardAt) / 1000;
  if (Date.now() - lastHeard > HEARTBEAT_LOST_MS) return { stale: true, text: 'STALE · connection lost' };
  if (s.view.staleReason === 'book') return { stale: true, text: 'STALE · book out of sync' };
  if (s.view.stale || age > staleAfter) return { stale: true, text: `STALE · no update ${age.toFixed(0)} s` };
  return { stale: false, text: `LIVE · ${age.toFixed(1)} s` };
}

function renderFigures(s) {
  const v = s.view, c = s.card;
  const f = freshness(s);
  c.classList.toggle('stale', f.stale);
  const badge = c.querySelector('.freshness');
  badge.textContent = f.text;
  badge.className = `freshness ${f.stale ? 'stale' : 'live'}`;
  c.querySelector('.mark').textContent = price(v.mark);
  setFigure(c, '.crit-down', pct(v.criticalShockDown), shockClass(v.criticalShockDown));
  setFigure(c, '.crit-up', pct(v.criticalShockUp), shockClass(v.criticalShockUp));
  const drop = v.depthNearMarkPeak > 0 ? 1 - v.depthNearMark / v.depthNearMarkPeak : 0;
  setFigure(c, '.depth', `${money(v.depthNearMark)}${drop >= 0.1 ? ` (−${(drop * 100).toFixed(0)}%)` : ''}`, drop >= 0.5 ? 'danger' : '');
  setFigure(c, '.fund', money(v.insuranceFund), '');
  setFigure(c, '.drain', `↓ ${pct(v.fundDrainShockDown)} · ↑ ${pct(v.fundDrainShockUp)}`, v.fundDrainShockDown != null || v.fundDrainShockUp != null ? 'warn' : '');
  setFigure(c, '.adl', `↓ ${money(v.adlNotionalDown)} · ↑ ${money(v.adlNotionalUp)}`, v.adlNotionalDown > 0 || v.adlNotionalUp > 0 ? 'danger' : '');
  c.querySelector('.as-of').textContent = `event time ${new Date(v.eventTime).toISOString().replace('T', ' ').substring(0, 23)} UTC`;
}

function setFigure(card, selector, text, cls) {
  const el = card.querySelector(selector);
  el.textContent = text;
  el.className = selector.substring(1) + (cls ? ` ${cls}` : '');
}

function markAllStale() {
  for (const s of symbols.values()) renderFigures(s);
  renderSystemFreshness();
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

function drawSpark(s) {
  const h = s.history, times = h.map(p => new Date(p.eventTime));
  Plotly.react(s.card.querySelector('.spark'), [
    { x: times, y: h.map(p => p.criticalShockDown == null ? null : p.criticalShockDown * 100), line: { color: '#ef4444', width: 1.5 } },
    { x: times, y: h.map(p => p.criticalShockUp == null ? null : p.criticalShockUp * 100), line: { color: '#22c55e', width: 1.5 } },
    { x: times, y: h.map(p => p.mark), yaxis: 'y2', line: { color: '#8190ad', width: 1, dash: 'dot' } },
  ], layout('Critical shock % (↓ red, ↑ green) · mark (dotted)', {
    xaxis: { ...base.xaxis, tickformat: '%H:%M:%S' },
    yaxis: { ...base.yaxis, rangemode: 'tozero', ticksuffix: '%' },
    yaxis2: { overlaying: 'y', side: 'right', showgrid: false, tickformat: ',.0f' },
    margin: { ...base.margin, r: 50 },
  }), config);
}

function drawChain(s) {
  const v = s.view, dir = v.worstDirection;
  const chain = dir === 'down' ? v.chainDown : dir === 'up' ? v.chainUp : null;
  // Round 0 is the mark, so the chart is never empty, and the round axis has a fixed range: plotly spends seconds
  // autoranging an empty trace against a one-unit tick step.
  const rounds = chain ? [v.mark, ...chain.roundPrices] : [v.mark];
  const title = chain
    ? `Cascade ${dir} at ${pct(chain.shock)}: ${chain.positions} positions, ${money(chain.notional)}, ×${chain.amplification == null ? '∞' : chain.amplification.toFixed(1)}`
    : 'Cascade: none within 50%';
  Plotly.react(s.card.querySelector('.chain'), [
    { x: rounds.map((_, i) => i), y: rounds, mode: 'lines+markers', line: { color: dir === 'up' ? '#22c55e' : '#ef4444', shape: 'hv' } },
  ], layout(title, { xaxis: { ...base.xaxis, type: 'linear', title: { text: 'round (0 = mark)', standoff: 2 }, dtick: 1, autorange: false, range: [-0.5, Math.max(3, rounds.length - 1) + 0.5] }, yaxis: { ...base.yaxis, tickformat: ',.2f' } }), config);
}

function drawHeat(s) {
  const h = s.history, mids = ringMids(s.view);
  Plotly.react(s.card.querySelector('.heat'), [
    { type: 'heatmap', x: h.map(p => new Date(p.eventTime)), y: mids, z: mids.map((_, i) => h.map(p => p.liquidatable[i] ?? null)),
      colorscale: HEAT, zmin: 0, showscale: false, hovertemplate: '%{y:.2f}% from mark<br>%{z:,.0f} liquidatable<extra></extra>' },
  ], layout('Liquidation heatmap (% from mark × time)', { xaxis: { ...base.xaxis, tickformat: '%H:%M:%S' }, yaxis: { ...base.yaxis, ticksuffix: '%' } }), config);
}

function drawLadder(s) {
  const rings = s.view.heatmap, mids = ringMids(s.view);
  Plotly.react(s.card.querySelector('.ladder'), [
    { type: 'bar', orientation: 'h', y: mids, x: rings.map(r => r.liquidatable), marker: { color: mids.map(m => m < 0 ? '#ef4444' : '#22c55e') } },
    { type: 'bar', orientation: 'h', y: mids, x: rings.map(r => -r.depth), marker: { color: '#60a5fa' } },
  ], layout('Ladder now: liquidatable → | ← book depth', { barmode: 'overlay', yaxis: { ...base.yaxis, type: 'linear', ticksuffix: '%' }, xaxis: { ...base.xaxis, type: 'linear', tickformat: '.2s' } }), config);
}

// Dark (nothing to liquidate) through ember to bright yellow (the most notional), on the card's own background.
const HEAT = [[0, '#131a2e'], [0.15, '#4c1d1d'], [0.45, '#b91c1c'], [0.75, '#f97316'], [1, '#fde047']];
const ringMids = v => v.heatmap.map(r => ((r.from + r.to) / 2) * 100);
const charts = { spark: drawSpark, chain: drawChain, heat: drawHeat, ladder: drawLadder };

// Drawing is the page's dearest work (software rendering in a headless or GPU-less browser): charts are redrawn
// round-robin within a time budget per tick, so the event handlers, figures and freshness badges never starve.
const DRAW_BUDGET_MS = 60;
let drawCursor = 0;

function redraw() {
  for (const s of symbols.values()) renderFigures(s);   // ages move on even when no data arrives
  const due = [];
  const now = Date.now();
  for (const s of symbols.values()) {
    for (const name of Object.keys(charts)) {
      if (s.dirty[name] && now - (s.drawnAt[name] || 0) >= REDRAW_MS) due.push([s, name]);
    }
  }
  const started = performance.now();
  if (system.dirty && now - system.drawnAt >= REDRAW_MS) {
    system.dirty = false;
    system.drawnAt = now;
    drawSystemSpark();
  }
  for (let i = 0; i < due.length && performance.now() - started < DRAW_BUDGET_MS; i++) {
    const [s, name] = due[(drawCursor + i) % due.length];
    s.dirty[name] = false;
    s.drawnAt[name] = Date.now();
    charts[name](s);
    drawCursor++;
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
}

function onAlert(entry) {
  if (entry.seq <= lastSeq) return;                                   // already had it (snapshot overlap)
  if (entry.seq > lastSeq + 1) { refetchAlerts(); return; }           // missed one: take the full list
  lastSeq = entry.seq;
  applyAlert(entry, true);
  renderAlertCount();
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

function applyAlert(entry, live) {
  const t = entry.transition;
  let a = alerts.get(t.id);
  const fresh = live || (Date.now() + serverOffset - entry.receivedAt) < NEW_ALERT_MS;
  if (!a) {
    a = { entry, firstSeen: fresh ? Date.now() : 0, expanded: false, li: document.createElement('li') };
    a.li.dataset.alertId = t.id;
    a.li.addEventListener('click', () => { a.expanded = !a.expanded; renderAlert(a); });
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

function renderAlert(a) {
  const t = a.entry.transition;
  const resolved = t.state === 'resolved';
  const isNew = !resolved && Date.now() - a.firstSeen < NEW_ALERT_MS;
  a.li.className = `alert sev-${t.severity} state-${t.state}${resolved ? ' resolved' : ''}${isNew ? ' new' : ''}`;
  const metrics = Object.entries(t.metrics).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(+v.toPrecision(6)))}</td></tr>`).join('');
  a.li.innerHTML =
    `<div class="alert-line"><span class="sev">${esc(t.severity)}</span><strong>${esc(t.rule)}</strong>` +
    `<span>${esc(t.symbol)}</span><span class="state">${esc(t.state)}</span><span class="time">${utc(t.eventTime)}</span></div>` +
    (a.expanded
      ? `<div class="alert-detail"><p class="explanation">${esc(t.explanation)}</p>` +
        `<p class="action"><strong>Suggested:</strong> ${esc(t.suggestedAction)}</p><table>${metrics}</table>` +
        `<p class="muted">${esc(t.id)}</p></div>`
      : '');
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
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}

loadSystem();
connect();
redraw();
