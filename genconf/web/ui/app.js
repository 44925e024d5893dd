/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web installer's single page: a view of dcos-genconf web's JSON API
 * (see dcos-genconf(1), WEB INSTALLER).  Plain JavaScript, nothing
 * fetched from anywhere but this server.
 */
'use strict';

const OPS = {
  preflight: 'Checks every host (dcos_install.sh --preflight-only) over ssh.',
  deploy: 'Installs every host with its role over ssh.',
  postflight: 'Runs dcos-bootstrap check on every host until all pass.',
  upgrade: 'Rolling deploy gated by the health checks: masters one at a ' +
    'time, then agents in batches.'
};
const state = {
  token: null, schema: null, config: null, ipDetect: '',
  lastOp: {}, op: null, stream: null, clusterTimer: null,
  cluster: null, sort: { key: 'host', dir: 1 }, validateTimer: null
};

function $(sel, root) { return (root || document).querySelector(sel); }
function $$(sel, root) {
  return Array.prototype.slice.call((root || document).querySelectorAll(sel));
}
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/* The token: from #token=... once, then sessionStorage. */
function takeToken() {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('dcos-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + '#configure');
  }
  state.token = sessionStorage.getItem('dcos-token');
}

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  if (state.token) h.Authorization = 'Bearer ' + state.token;
  return h;
}

async function api(method, path, body) {
  const opts = { method: method, headers: headers(body !== undefined) };
  if (body !== undefined) opts.body = JSON.stringify(body);
  let resp;
  try {
    resp = await fetch('/api' + path, opts);
  } catch (e) {
    banner('The server does not answer: ' + e.message);
    throw e;
  }
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (resp.status === 401) {
    banner('This server wants its token: open the URL it printed at ' +
      'start (ending in #token=...).');
  }
  return { status: resp.status, data: data || {} };
}

function banner(msg) {
  const b = $('#banner');
  b.textContent = msg || '';
  b.hidden = !msg;
}

/* ---- routing ---- */

function route() {
  let page = (location.hash || '#configure').slice(1);
  if (!/^(configure|generate|preflight|deploy|postflight|upgrade|cluster)$/.test(page))
    page = 'configure';
  $$('nav a').forEach(function (a) {
    if (a.getAttribute('href') === '#' + page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const section = OPS[page] ? 'op' : page;
  $$('section[data-page]').forEach(function (s) {
    s.hidden = s.getAttribute('data-page') !== section;
  });
  document.title = 'DC/OS installer: ' + page;
  if (state.clusterTimer) { clearInterval(state.clusterTimer); state.clusterTimer = null; }
  /* One table of hosts in the page at a time: tr[data-host] is its rows. */
  if (section !== 'op') {
    stopStream();
    $('#op-table tbody').textContent = '';
  }
  if (section !== 'cluster') $('#cluster-table tbody').textContent = '';
  if (OPS[page]) showOpPage(page);
  if (page === 'cluster') {
    loadCluster();
    state.clusterTimer = setInterval(loadCluster, 5000);
  }
}

/* ---- configure ---- */

function inputFor(o, value) {
  const id = 'opt-' + o.name;
  let input;
  if (o.type === 'bool') {
    input = el('select', { id: id, name: o.name });
    ['', 'true', 'false'].forEach(function (v) {
      input.appendChild(el('option', { value: v }, v === '' ? '(default)' : v));
    });
    input.value = value === true ? 'true' : value === false ? 'false' : '';
  } else if (o.choices) {
    input = el('select', { id: id, name: o.name });
    input.appendChild(el('option', { value: '' }, '(default)'));
    o.choices.forEach(function (c) { input.appendChild(el('option', { value: c }, c)); });
    input.value = value === undefined || value === null ? '' : String(value);
  } else if (o.type === 'list-of' && !o.secret) {
    input = el('textarea', { id: id, name: o.name, rows: 3, spellcheck: 'false' });
    input.value = Array.isArray(value) ? value.join('\n') :
      value === undefined || value === null ? '' : String(value);
  } else if ((o.type === 'map' || o.type === 'json') && !o.secret) {
    input = el('textarea', { id: id, name: o.name, rows: 3, spellcheck: 'false' });
    input.value = value === undefined || value === null ? '' :
      typeof value === 'string' ? value : JSON.stringify(value);
  } else {
    input = el('input', {
      id: id, name: o.name, type: o.secret ? 'password' : 'text',
      autocomplete: o.secret ? 'new-password' : 'off', spellcheck: 'false'
    });
    input.value = value === undefined || value === null ? '' :
      typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (o.default !== null && o.default !== undefined && input.tagName !== 'SELECT')
    input.setAttribute('placeholder', typeof o.default === 'object' ?
      JSON.stringify(o.default) : String(o.default));
  input.setAttribute('aria-describedby', 'desc-' + o.name + ' err-' + o.name);
  return input;
}

function buildForm() {
  const box = $('#config-fields');
  box.textContent = '';
  state.schema.options.forEach(function (o) {
    if (o.calculated && (state.config[o.name] === undefined)) return;
    const f = el('div', { class: 'field', 'data-field': o.name });
    const label = el('label', { for: 'opt-' + o.name }, o.name);
    if (o.required) label.appendChild(el('span', { class: 'req', title: 'required' }, ' *'));
    f.appendChild(label);
    f.appendChild(inputFor(o, state.config[o.name]));
    let d = o.description || '';
    if (o.required_when) d += (d ? ' ' : '') + 'Required when ' + o.required_when + '.';
    if (o.type === 'list-of') d += (d ? ' ' : '') + 'One item a line.';
    f.appendChild(el('div', { class: 'desc', id: 'desc-' + o.name }, d));
    f.appendChild(el('div', {
      class: 'error', id: 'err-' + o.name, 'data-error-for': o.name, 'aria-live': 'polite'
    }));
    box.appendChild(f);
  });
  /* Keys of config.yaml the schema does not know still round-trip. */
  const sel = $('#ip-detect-example');
  while (sel.options.length > 1) sel.remove(1);
  state.schema.ip_detect_examples.forEach(function (x, i) {
    sel.appendChild(el('option', { value: String(i) }, x.name));
  });
  $('#ip-detect-content').value = state.ipDetect;
}

function schemaOf(name) {
  return state.schema.options.find(function (o) { return o.name === name; });
}

function typed(o, s) {
  const num = ['int', 'port'];
  if (num.indexOf(o.type) >= 0 && /^-?\d+$/.test(s)) return Number(s);
  return s;
}

/* The form as {name: value}: empty fields are left out (the default). */
function collect() {
  const cfg = {};
  Object.keys(state.config).forEach(function (k) {
    if (!schemaOf(k)) cfg[k] = state.config[k];
  });
  $$('#config-fields [name]').forEach(function (input) {
    const o = schemaOf(input.name);
    const v = input.value;
    if (v === '') return;
    if (o.type === 'bool') cfg[o.name] = v === 'true';
    else if (o.type === 'list-of' && input.tagName === 'TEXTAREA') {
      const items = v.split('\n').map(function (s) { return s.trim(); })
        .filter(function (s) { return s !== ''; });
      cfg[o.name] = items.map(function (s) { return typed({ type: o.items }, s); });
    } else if ((o.type === 'map' || o.type === 'json') && input.tagName === 'TEXTAREA') {
      try { cfg[o.name] = JSON.parse(v); } catch (e) { cfg[o.name] = v; }
    } else cfg[o.name] = typed(o, v);
  });
  return cfg;
}

function showErrors(errors) {
  $$('[data-error-for]').forEach(function (e) { e.textContent = ''; });
  $$('.field.has-error').forEach(function (f) { f.classList.remove('has-error'); });
  const general = [];
  (errors || []).forEach(function (err) {
    const slot = err.field ? $('[data-error-for="' + CSS.escape(err.field) + '"]') : null;
    if (slot) {
      slot.textContent = (slot.textContent ? slot.textContent + ' ' : '') + err.message;
      slot.parentNode.classList.add('has-error');
    } else general.push((err.field ? err.field + ': ' : '') + err.message);
  });
  const st = $('#config-status');
  if (!errors || errors.length === 0) {
    st.textContent = 'Valid.';
    st.className = 'ok';
  } else {
    st.textContent = errors.length + (errors.length === 1 ? ' problem' : ' problems') +
      (general.length ? ': ' + general.join('; ') : '.');
    st.className = 'bad';
  }
}

async function validate() {
  const r = await api('POST', '/validate', { config: collect() });
  if (r.status !== 200) { showErrors([{ field: '', message: r.data.error || 'HTTP ' + r.status }]); return false; }
  showErrors(r.data.errors);
  return r.data.ok;
}

async function save(dry) {
  const body = { config: collect(), dry_run: dry };
  const ip = $('#ip-detect-content').value;
  if (ip !== state.ipDetect) body.ip_detect = { content: ip };
  const r = await api('POST', '/config', body);
  if (r.status !== 200) { showErrors([{ field: '', message: r.data.error || 'HTTP ' + r.status }]); return; }
  showErrors(r.data.errors);
  if (!r.data.ok) { $('#save-review').hidden = true; return; }
  if (dry) {
    $('#config-diff').textContent = r.data.diff || '(no change to config.yaml)';
    $('#save-review').hidden = false;
    $('[data-action="confirm-save"]').focus();
  } else {
    $('#save-review').hidden = true;
    $('#config-status').textContent = 'Written: genconf/config.yaml.';
    await loadConfig();
  }
}

async function loadConfig() {
  const s = await api('GET', '/schema');
  const c = await api('GET', '/config');
  if (s.status !== 200 || c.status !== 200) return;
  state.schema = s.data;
  state.config = c.data.config || {};
  state.ipDetect = (c.data.ip_detect && c.data.ip_detect.content) || '';
  const rel = s.data.release;
  if (rel) $('#release').textContent = rel.name + ' ' + rel.version + ' (seq ' + rel.seq + ')';
  buildForm();
}

/* ---- generate ---- */

async function generate() {
  const box = $('#generate-result');
  box.textContent = 'Generating…';
  const r = await api('POST', '/generate');
  box.textContent = '';
  if (r.status !== 200) {
    box.appendChild(el('p', { class: 'bad' }, r.data.error || 'HTTP ' + r.status));
    return;
  }
  const d = r.data;
  box.appendChild(el('p', { class: d.ok ? 'ok' : 'bad', 'data-ok': String(d.ok) },
    d.ok ? 'The store is written.' : 'Generate failed.'));
  if (d.ok) {
    const dl = el('dl', { class: 'result' });
    dl.appendChild(el('dt', {}, 'Config id'));
    dl.appendChild(el('dd', { 'data-field': 'config_id' }, d.config_id));
    dl.appendChild(el('dt', {}, 'Cluster manifest'));
    dl.appendChild(el('dd', { 'data-field': 'cluster_manifest' }, d.cluster_manifest));
    dl.appendChild(el('dt', {}, 'Changed'));
    const ch = el('dd', { 'data-field': 'changed' });
    if (!d.changed || d.changed.length === 0) ch.textContent = 'nothing since the last store';
    else {
      const ul = el('ul');
      d.changed.forEach(function (c) { ul.appendChild(el('li', {}, c)); });
      ch.appendChild(ul);
    }
    dl.appendChild(ch);
    box.appendChild(dl);
  }
  if (d.errors && d.errors.length) {
    const ul = el('ul', { class: 'bad' });
    d.errors.forEach(function (e) {
      ul.appendChild(el('li', {}, (e.field ? e.field + ': ' : '') + e.message));
    });
    box.appendChild(ul);
  }
  if (d.output) box.appendChild(el('pre', {}, d.output));
}

/* ---- operations ---- */

function showOpPage(op) {
  $('#op-title').textContent = op.charAt(0).toUpperCase() + op.slice(1);
  $('#op-about').textContent = OPS[op];
  $('#page-op').setAttribute('data-op', op);
  stopStream();
  const id = state.lastOp[op];
  renderOp(id && state.op && state.op.id === id ? state.op : null);
  if (id) follow(id);
}

function row(h) {
  let tr = $('#op-table tbody tr[data-host="' + CSS.escape(h.host) + '"]');
  if (!tr) {
    tr = el('tr', { 'data-host': h.host });
    ['host', 'role', 'step', 'elapsed', 'result', 'output'].forEach(function (c) {
      tr.appendChild(el('td', { 'data-col': c }));
    });
    $('#op-table tbody').appendChild(tr);
  }
  tr.setAttribute('data-result', h.result);
  $('[data-col="host"]', tr).textContent = h.host;
  $('[data-col="role"]', tr).textContent = h.role;
  $('[data-col="step"]', tr).textContent = h.step;
  $('[data-col="elapsed"]', tr).textContent = Number(h.elapsed).toFixed(1) + ' s';
  $('[data-col="result"]', tr).textContent = h.result;
  const out = $('[data-col="output"]', tr);
  if (h.result === 'failed' && h.output && h.output.length) {
    let det = $('details', out);
    if (!det) {
      det = el('details', { open: '' });
      det.appendChild(el('summary', {}, 'Output'));
      det.appendChild(el('pre'));
      out.appendChild(det);
    }
    $('pre', det).textContent = h.output.join('\n');
  } else out.textContent = '';
}

function renderOp(op) {
  const thead = $('#op-table thead tr');
  if (!$('th[data-col="output"]', thead)) thead.appendChild(el('th', { scope: 'col', 'data-col': 'output' }, 'Output'));
  $('#op-table tbody').textContent = '';
  state.op = op;
  const link = $('a[data-action="download-log"]');
  if (!op) {
    $('#op-status').textContent = '';
    link.hidden = true;
    $('[data-action="retry-failed"]').disabled = true;
    return;
  }
  op.hosts.forEach(row);
  opStatus();
  link.hidden = false;
  link.setAttribute('href', '/api/ops/' + encodeURIComponent(op.id) + '/log');
}

function opStatus() {
  const op = state.op;
  if (!op) return;
  const failed = op.hosts.filter(function (h) { return h.result === 'failed'; });
  const ok = op.hosts.filter(function (h) { return h.result === 'ok'; });
  $('#op-status').textContent = op.op + ' ' + op.state + ': ' + ok.length + ' of ' +
    op.hosts.length + ' hosts ok' + (failed.length ? ', ' + failed.length + ' failed' : '') +
    (op.error ? ' — ' + op.error : '');
  $('#op-status').setAttribute('data-state', op.state);
  $('[data-action="retry-failed"]').disabled = op.state === 'running' || failed.length === 0;
  $('[data-action="run"]').disabled = op.state === 'running';
}

function stopStream() {
  if (state.stream) { state.stream.abort(); state.stream = null; }
}

/* Follows an op: its state, then its event stream (fetch: it sends the token). */
async function follow(id) {
  stopStream();
  const r = await api('GET', '/ops/' + encodeURIComponent(id));
  if (r.status !== 200) return;
  if ($('#page-op').hidden || $('#page-op').getAttribute('data-op') !== r.data.op) return;
  renderOp(r.data);
  if (r.data.state !== 'running') return;
  const ctl = new AbortController();
  state.stream = ctl;
  try {
    const resp = await fetch('/api/ops/' + encodeURIComponent(id) + '/events',
      { headers: headers(false), signal: ctl.signal });
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buf += dec.decode(chunk.value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        onEvent(ev);
      }
    }
  } catch (e) {
    if (ctl.signal.aborted) return;
  }
  if (state.stream === ctl) {
    state.stream = null;
    const f = await api('GET', '/ops/' + encodeURIComponent(id));
    if (f.status === 200 && state.op && state.op.id === id && !$('#page-op').hidden)
      renderOp(f.data);
  }
}

function onEvent(text) {
  let type = 'message';
  let data = '';
  text.split('\n').forEach(function (l) {
    if (l.indexOf('event: ') === 0) type = l.slice(7);
    else if (l.indexOf('data: ') === 0) data += l.slice(6);
  });
  if (!data || !state.op) return;
  const d = JSON.parse(data);
  if (type === 'done') {
    state.op.state = d.state;
    opStatus();
    return;
  }
  const i = state.op.hosts.findIndex(function (h) { return h.host === d.host; });
  if (i >= 0) state.op.hosts[i] = d; else state.op.hosts.push(d);
  row(d);
  opStatus();
}

async function runOp(hosts) {
  const op = $('#page-op').getAttribute('data-op');
  const body = { op: op };
  if (hosts) body.hosts = hosts;
  const r = await api('POST', '/ops', body);
  if (r.status !== 202) {
    $('#op-status').textContent = r.data.error || 'HTTP ' + r.status;
    return;
  }
  state.lastOp[op] = r.data.id;
  follow(r.data.id);
}

async function downloadLog(ev) {
  ev.preventDefault();
  const a = ev.target.closest('a[data-action="download-log"]');
  const resp = await fetch(a.getAttribute('href'), { headers: headers(false) });
  if (!resp.ok) { banner('Cannot download the log: HTTP ' + resp.status); return; }
  const url = URL.createObjectURL(await resp.blob());
  const tmp = el('a', { href: url, download: 'dcos-' + (state.op ? state.op.op + '-' + state.op.id : 'op') + '.log' });
  document.body.appendChild(tmp);
  tmp.click();
  tmp.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
}

/* ---- cluster ---- */

function fetchOf(host) {
  const u = state.cluster && state.cluster.upgrade && state.cluster.upgrade[host];
  return u ? u.bytes : 0;
}

function renderCluster() {
  const c = state.cluster;
  if (!c) return;
  const q = ($('#cluster-filter').value || '').toLowerCase();
  const key = state.sort.key;
  const val = function (h) {
    if (key === 'drift') return h.drift.join('; ');
    if (key === 'fetch') return fetchOf(h.host);
    return h[key];
  };
  const hosts = c.hosts.filter(function (h) {
    return !q || [h.host, h.role, h.release, h.config_id, h.journal, h.drift.join(' ')]
      .join(' ').toLowerCase().indexOf(q) >= 0;
  }).sort(function (a, b) {
    const x = val(a), y = val(b);
    return (x < y ? -1 : x > y ? 1 : 0) * state.sort.dir;
  });
  const tb = $('#cluster-table tbody');
  tb.textContent = '';
  hosts.forEach(function (h) {
    const tr = el('tr', { 'data-host': h.host, 'data-drift': h.drift.length ? 'yes' : 'no' });
    tr.appendChild(el('td', { 'data-col': 'host' }, h.host));
    tr.appendChild(el('td', { 'data-col': 'role' }, h.role));
    tr.appendChild(el('td', { 'data-col': 'generation' }, h.generation));
    tr.appendChild(el('td', { 'data-col': 'release' }, h.release));
    tr.appendChild(el('td', { 'data-col': 'config_id', title: h.config_id }, (h.config_id || '').slice(0, 12)));
    tr.appendChild(el('td', { 'data-col': 'drift' }, h.reachable ? (h.drift.length ? h.drift.join('; ') : '-') : (h.error || 'unreachable')));
    tr.appendChild(el('td', { 'data-col': 'journal' }, h.journal));
    const u = c.upgrade && c.upgrade[h.host];
    tr.appendChild(el('td', { 'data-col': 'fetch' }, u ? u.fetch.length + ' blobs, ' + u.bytes + ' bytes' : '-'));
    tb.appendChild(tr);
  });
  const rb = $('#release-table tbody');
  rb.textContent = '';
  (c.releases || []).forEach(function (r) {
    const tr = el('tr', { 'data-release': r.name + '-' + r.version });
    tr.appendChild(el('td', {}, r.name));
    tr.appendChild(el('td', {}, r.version));
    tr.appendChild(el('td', {}, r.seq));
    tr.appendChild(el('td', {}, r.current ? 'current' : ''));
    rb.appendChild(tr);
  });
  $$('#cluster-table th button').forEach(function (b) {
    if (b.getAttribute('data-sort') === key)
      b.setAttribute('aria-sort', state.sort.dir > 0 ? 'ascending' : 'descending');
    else b.removeAttribute('aria-sort');
  });
}

async function loadCluster() {
  const st = $('#cluster-status');
  const r = await api('GET', '/cluster');
  if (r.status !== 200) {
    st.textContent = r.data.error || 'HTTP ' + r.status;
    return;
  }
  state.cluster = r.data;
  st.textContent = 'Updated ' + new Date().toLocaleTimeString() +
    (r.data.busy ? ' (an operation runs: last known status)' : '');
  renderCluster();
}

/* ---- wiring ---- */

function wire() {
  document.addEventListener('click', function (ev) {
    const b = ev.target.closest('[data-action], [data-sort]');
    if (!b) return;
    const a = b.getAttribute('data-action');
    if (a === 'validate') validate();
    else if (a === 'save') save(true);
    else if (a === 'confirm-save') save(false);
    else if (a === 'cancel-save') $('#save-review').hidden = true;
    else if (a === 'generate') generate();
    else if (a === 'run') runOp(null);
    else if (a === 'retry-failed' && state.op)
      runOp(state.op.hosts.filter(function (h) { return h.result === 'failed'; })
        .map(function (h) { return h.host; }));
    else if (a === 'download-log') downloadLog(ev);
    else if (a === 'refresh') loadCluster();
    else if (b.hasAttribute('data-sort')) {
      const k = b.getAttribute('data-sort');
      state.sort = { key: k, dir: state.sort.key === k ? -state.sort.dir : 1 };
      renderCluster();
    }
  });
  /* Live validation: a moment after the last change. */
  $('#config-fields').addEventListener('input', function () {
    clearTimeout(state.validateTimer);
    state.validateTimer = setTimeout(validate, 600);
  });
  $('#ip-detect-example').addEventListener('change', function (ev) {
    const x = state.schema.ip_detect_examples[Number(ev.target.value)];
    if (x) $('#ip-detect-content').value = x.content;
  });
  $('#ip-detect-upload').addEventListener('change', function (ev) {
    const f = ev.target.files[0];
    if (f) f.text().then(function (t) { $('#ip-detect-content').value = t; });
  });
  $('#cluster-filter').addEventListener('input', renderCluster);
  window.addEventListener('hashchange', route);
}

document.addEventListener('DOMContentLoaded', function () {
  takeToken();
  wire();
  loadConfig().then(route, route);
});
