// The console's web UI: plain pages over the JSON API (/api/v1/), one per hash route.
'use strict';

const $ = (id) => document.getElementById(id);
const pages = ['login', 'defenders', 'events', 'policies', 'deploy'];
const state = { offset: 0, limit: 50, user: null };

function text(node, value) { node.textContent = value == null ? '' : String(value); return node; }

function cell(row, value) { row.appendChild(text(document.createElement('td'), value)); }

async function api(path, options = {}) {
  const response = await fetch('/api/v1/' + path, Object.assign({ credentials: 'same-origin' }, options));
  if (response.status === 401 && path !== 'login') {
    state.user = null;
    show('login');
    throw new Error('log in first');
  }
  return response;
}

function show(page) {
  for (const p of pages) $('page-' + p).hidden = p !== page;
  $('nav').hidden = !state.user;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.id === 'nav-' + page);
}

async function route() {
  const page = (location.hash || '#defenders').slice(1);
  if (!state.user) {
    const me = await fetch('/api/v1/me', { credentials: 'same-origin' });
    if (me.status !== 200) { show('login'); return; }
    state.user = await me.json();
    text($('who'), state.user.user + ' (' + state.user.role + ')');
  }
  const target = pages.includes(page) && page !== 'login' ? page : 'defenders';
  show(target);
  try {
    if (target === 'defenders') await loadDefenders();
    if (target === 'events') await loadEvents();
    if (target === 'policies') await loadPolicyList();
  } catch (e) { /* 401 already showed the login page */ }
}

async function login(event) {
  event.preventDefault();
  text($('login-error'), '');
  const response = await fetch('/api/v1/login', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200) { text($('login-error'), body.error || 'login failed'); return; }
  state.user = body;
  text($('who'), body.user + ' (' + body.role + ')');
  if (!location.hash || location.hash === '#login') location.hash = '#defenders'; else route();
}

async function logout() {
  await fetch('/api/v1/logout', { method: 'POST', credentials: 'same-origin' });
  state.user = null;
  show('login');
}

async function loadDefenders() {
  const body = await (await api('defenders')).json();
  const tbody = $('defenders-body');
  tbody.replaceChildren();
  for (const d of body.defenders) {
    const row = document.createElement('tr');
    cell(row, d.app_id); cell(row, d.instance); cell(row, d.version); cell(row, d.address);
    const stateCell = text(document.createElement('td'), d.connected ? 'live' : 'last seen ' + d.last_seen);
    if (d.connected) stateCell.className = 'live';
    row.appendChild(stateCell);
    cell(row, 'v' + d.policy_version + (d.policy_error ? ' — refused: ' + d.policy_error : ''));
    cell(row, Object.entries(d.controls || {}).map(([k, v]) => k + ': ' + JSON.stringify(v)).join(', '));
    tbody.appendChild(row);
  }
}

async function loadEvents() {
  const params = new URLSearchParams();
  const add = (key, id) => { const v = $(id).value.trim(); if (v) params.set(key, v); };
  add('app_id', 'ev-app'); add('type', 'ev-type'); add('action', 'ev-action');
  add('since', 'ev-since'); add('until', 'ev-until');
  params.set('limit', state.limit); params.set('offset', state.offset);
  const response = await api('events?' + params);
  const body = await response.json();
  text($('events-error'), response.status === 200 ? '' : body.error);
  const tbody = $('events-body');
  tbody.replaceChildren();
  $('event-detail').hidden = true;
  for (const e of body.events || []) {
    const row = document.createElement('tr');
    cell(row, e.time); cell(row, e.app_id); cell(row, e.type); cell(row, e.action); cell(row, e.rule); cell(row, e.message);
    row.addEventListener('click', () => {
      text($('event-detail'), JSON.stringify(e, null, 2));
      $('event-detail').hidden = false;
    });
    tbody.appendChild(row);
  }
}

async function loadPolicyList() {
  const body = await (await api('policies')).json();
  const list = $('policy-list');
  list.replaceChildren();
  for (const p of body.policies) {
    const item = document.createElement('li');
    const link = text(document.createElement('a'), p.app_id + ' (v' + p.version + ')');
    link.href = '#policies';
    link.addEventListener('click', () => { $('policy-app').value = p.app_id; loadPolicy(); });
    item.appendChild(link);
    list.appendChild(item);
  }
}

function updateGutter(badLines = new Set()) {
  const lines = $('policy-text').value.split('\n').length;
  const gutter = $('policy-gutter');
  gutter.replaceChildren();
  for (let i = 1; i <= lines; i++) {
    const span = text(document.createElement('span'), i);
    if (badLines.has(i)) span.className = 'bad';
    gutter.appendChild(span);
    gutter.appendChild(document.createTextNode('\n'));
  }
}

function showPolicyResult(ok, message, diagnostics = []) {
  const status = text($('policy-status'), message);
  status.className = ok ? 'ok' : 'error';
  const list = $('policy-errors');
  list.replaceChildren();
  const bad = new Set();
  for (const d of diagnostics) {
    bad.add(d.line);
    const item = text(document.createElement('li'), d.text);
    item.addEventListener('click', () => goToLine(d.line, d.column));
    list.appendChild(item);
  }
  updateGutter(bad);
}

function goToLine(line, column) {
  const area = $('policy-text');
  const lines = area.value.split('\n');
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
  pos += Math.max(0, (column || 1) - 1);
  area.focus();
  area.setSelectionRange(pos, pos);
}

async function loadPolicy() {
  const app = $('policy-app').value.trim();
  const response = await api('policies/' + encodeURIComponent(app));
  const body = await response.json();
  if (response.status === 404) {
    $('policy-text').value = 'version: 1\napp_id: ' + app + '\n';
    text($('policy-version'), 'new');
  } else if (response.status === 200) {
    $('policy-text').value = body.text;
    text($('policy-version'), 'version ' + body.version + ' by ' + body.author + ', ' + body.created);
  } else {
    text($('policy-version'), body.error);
  }
  showPolicyResult(true, '');
}

async function sendPolicy(validateOnly) {
  const app = $('policy-app').value.trim();
  const response = await api('policies/' + encodeURIComponent(app) + (validateOnly ? '?validate_only=1' : ''), {
    method: 'PUT', headers: { 'Content-Type': 'text/yaml' }, body: $('policy-text').value,
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 200) {
    showPolicyResult(true, validateOnly ? 'valid' : 'saved version ' + body.version + ' and sent to the defenders');
    if (!validateOnly) { text($('policy-version'), 'version ' + body.version); loadPolicyList(); }
    return;
  }
  const diagnostics = (body.errors || []).map((t, i) => Object.assign({ text: t }, (body.diagnostics || [])[i] || {}));
  showPolicyResult(false, body.error || ('HTTP ' + response.status), diagnostics);
}

async function deploy(event) {
  event.preventDefault();
  const file = $('deploy-file').files[0];
  text($('deploy-status'), 'embedding...');
  $('deploy-errors').replaceChildren();
  const form = new FormData();
  form.append('app_id', $('deploy-app').value.trim());
  form.append('data_folder', $('deploy-folder').value.trim());
  if ($('deploy-entrypoint').value.trim()) form.append('entrypoint', $('deploy-entrypoint').value.trim());
  form.append('dockerfile', file, file ? file.name : 'Dockerfile');
  const response = await api('defenders/embed', { method: 'POST', body: form });
  if (response.status !== 200) {
    const body = await response.json().catch(() => ({}));
    text($('deploy-status'), body.error || ('HTTP ' + response.status)).className = 'error';
    for (const message of body.errors || []) $('deploy-errors').appendChild(text(document.createElement('li'), message));
    return;
  }
  const blob = await response.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'rasp_embed.zip';
  link.id = 'deploy-download';
  text(link, 'rasp_embed.zip (' + blob.size + ' bytes)');
  const status = $('deploy-status');
  status.className = 'ok';
  status.replaceChildren(document.createTextNode('ready: '), link);
  link.click();
}

async function showBundle() {
  const response = await api('defenders/install-bundle');
  const body = await response.json();
  const pre = text($('bundle-text'), response.status === 200 ? 'WS_ADDRESS=' + body.ws_address + '\nINSTALL_BUNDLE=' + body.bundle : body.error);
  pre.hidden = false;
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('events-form').addEventListener('submit', (e) => { e.preventDefault(); state.offset = 0; loadEvents(); });
  $('ev-prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - state.limit); loadEvents(); });
  $('ev-next').addEventListener('click', () => { state.offset += state.limit; loadEvents(); });
  $('policy-load').addEventListener('click', loadPolicy);
  $('policy-check').addEventListener('click', () => sendPolicy(true));
  $('policy-save').addEventListener('click', () => sendPolicy(false));
  $('policy-text').addEventListener('input', () => updateGutter());
  $('deploy-form').addEventListener('submit', deploy);
  $('bundle-show').addEventListener('click', showBundle);
  window.addEventListener('hashchange', route);
  route();
});
