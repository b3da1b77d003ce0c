// The traffic inspector's page: a live list of captured requests (polled every second for newer ones), one request
// in full, and for admins replay (as captured or edited, through the edge or straight to the connector), copy as
// curl and HAR export. Captured data comes from the Internet: it only ever goes into the page as text, never as HTML.
(() => {
  const root = document.getElementById('inspector');
  if (!root) return;
  const admin = root.dataset.admin === 'true';
  const tbody = document.querySelector('#capture-list tbody');
  const detail = document.getElementById('capture-detail');
  const filters = { hostname: 'f-hostname', method: 'f-method', status: 'f-status', path: 'f-path', q: 'f-text' };
  let newest = 0;
  let generation = 0;

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'onclick') node.addEventListener('click', v);
      else if (v !== undefined && v !== null) node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
    return node;
  }

  function query(extra) {
    const q = new URLSearchParams(extra);
    for (const [name, id] of Object.entries(filters)) {
      const v = document.getElementById(id).value.trim();
      if (v) q.set(name, v);
    }
    return q;
  }

  function row(c) {
    const time = new Date(c.at).toLocaleTimeString([], { hour12: false }) + '.' + String(new Date(c.at).getMilliseconds()).padStart(3, '0');
    const open = el('button', { type: 'button', class: 'link', 'data-id': c.id, onclick: () => show(c.id) }, c.path);
    const cells = [el('td', {}, time), el('td', {}, c.method), el('td', {}, open, c.replayOf ? el('span', { class: 'tag' }, ' replay') : ''),
      el('td', { class: 'status-' + String(c.status)[0] }, c.kind === 'websocket' ? c.status + ' ws' : c.status), el('td', {}, c.durationMs.toFixed(1) + ' ms')];
    if (admin) cells.unshift(el('td', {}, el('input', { type: 'checkbox', class: 'pick', value: c.id, 'aria-label': 'Select request ' + c.id })));
    return el('tr', { 'data-id': c.id }, ...cells);
  }

  async function poll() {
    const mine = generation;
    try {
      const response = await fetch(root.dataset.list + '?' + query(newest ? { after: newest, limit: 500 } : { limit: 100 }), { headers: { accept: 'application/json' } });
      if (!response.ok || mine !== generation) return;
      const data = await response.json();
      for (const c of data.items.slice().reverse()) tbody.prepend(row(c));
      newest = Math.max(newest, data.newest); // what was read, matched or not: the next poll reads only what is newer
      root.dataset.updated = String(Date.now());
    } catch { /* the next poll tries again */ }
  }

  function reset() { generation++; newest = 0; tbody.replaceChildren(); poll(); }
  for (const id of Object.values(filters)) document.getElementById(id).addEventListener('change', reset);

  function headersTable(headers) {
    return el('table', { class: 'headers' }, el('tbody', {}, ...headers.map(([n, v]) => el('tr', {}, el('th', {}, n), el('td', {}, v)))));
  }

  function body(b, label) {
    const notes = [];
    if (b.decodedFrom) notes.push('decoded from ' + b.decodedFrom);
    if (b.truncated) notes.push(`only the first ${b.kept} bytes kept of ${b.size}`);
    if (b.format === 'hex') notes.push('binary, shown as hex');
    const parts = [el('h4', {}, label + (b.size ? ` (${b.size} bytes${b.contentType ? ', ' + b.contentType : ''})` : ''))];
    if (notes.length) parts.push(el('p', { class: 'body-note' }, notes.join('; ')));
    if (b.format !== 'empty') parts.push(el('pre', { class: 'body ' + b.format }, b.text));
    return el('div', {}, ...parts);
  }

  async function show(id) {
    const response = await fetch(root.dataset.detail + id + '.json', { headers: { accept: 'application/json' } });
    if (!response.ok) { detail.replaceChildren(el('p', { class: 'error', role: 'alert' }, `Capture ${id} is gone (captures age out).`)); return; }
    const c = await response.json();
    for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('chosen', tr.dataset.id === String(id));
    const facts = [
      ['When', new Date(c.at).toISOString().replace('T', ' ').slice(0, 23) + ' UTC'],
      ['Duration', `${c.durationMs.toFixed(1)} ms` + (c.firstByteMs == null ? '' : `, first byte after ${c.firstByteMs.toFixed(1)} ms`)],
      ['Client', c.clientAddress + (c.identity ? ' as ' + c.identity : '')],
      ['Served by', `edge ${c.edgeId}` + (c.connectorId ? `, connector ${c.connectorId} on edge ${c.servedByEdge}` : '')],
      ['Request id', c.requestId + (c.traceId ? ', trace ' + c.traceId : '')],
    ];
    const links = [];
    if (c.replayOfId) links.push(el('p', {}, 'A replay of ', el('button', { type: 'button', class: 'link', onclick: () => show(c.replayOfId) }, 'request ' + c.replayOfId)));
    if (c.replays.length) links.push(el('p', {}, 'Replayed as ', ...c.replays.map(r => el('button', { type: 'button', class: 'link replay-link', onclick: () => show(r) }, 'request ' + r + ' '))));
    const curl = el('pre', { id: 'curl', hidden: '' }, c.curl);
    const actions = el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'copy-curl', onclick: async () => { curl.hidden = false; try { await navigator.clipboard.writeText(c.curl); status('Copied as curl.'); } catch { status('Select the command below to copy it.'); } } }, 'Copy as curl'));
    const result = el('p', { id: 'replay-result', role: 'status' });
    const status = text => { result.textContent = text; };
    if (admin) actions.append(...replayControls(c, status));
    detail.replaceChildren(
      el('h3', { id: 'detail-title' }, `${c.method} ${c.url}`),
      el('p', {}, el('strong', { id: 'detail-status' }, String(c.status)), ` ${c.kind} · ${c.httpVersion}` + (c.redacted ? ' · credentials masked' : '')),
      el('dl', {}, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      ...links, actions, result, curl,
      el('h3', {}, 'Request'), headersTable(c.request.headers), body(c.request.body, 'Request body'),
      el('h3', {}, 'Response'), headersTable(c.response.headers), body(c.response.body, 'Response body'));
    detail.dataset.id = String(c.id);
  }

  function replayControls(c, status) {
    const via = el('select', { id: 'replay-via', 'aria-label': 'Replay through' },
      el('option', { value: 'edge' }, 'through the edge (Access applies)'), el('option', { value: 'connector' }, 'straight to the connector (bypass Access)'));
    const path = new URL(c.url).pathname + new URL(c.url).search;
    const form = el('form', { id: 'edit-form', class: 'stacked', hidden: '' },
      el('label', { for: 'edit-method' }, 'Method'), el('input', { id: 'edit-method', value: c.method }),
      el('label', { for: 'edit-path' }, 'Path'), el('input', { id: 'edit-path', value: path }),
      el('label', { for: 'edit-headers' }, 'Headers (Name: value, one per line)'),
      el('textarea', { id: 'edit-headers', rows: 6 }, c.request.headers.filter(([n]) => !/^(host|content-length|:.*)$/i.test(n)).map(([n, v]) => `${n}: ${v}`).join('\n')),
      el('label', { for: 'edit-body' }, 'Body'),
      el('textarea', { id: 'edit-body', rows: 8 }, c.request.body.format === 'hex' ? '' : c.request.body.text),
      el('button', { type: 'submit', id: 'send-edited' }, 'Send edited'));
    form.addEventListener('submit', e => {
      e.preventDefault();
      const headers = form.querySelector('#edit-headers').value.split('\n').map(l => l.trim()).filter(Boolean)
        .map(l => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]);
      replay(c.id, { method: form.querySelector('#edit-method').value, path: form.querySelector('#edit-path').value, headers, body: form.querySelector('#edit-body').value }, via, status);
    });
    return [via,
      el('button', { type: 'button', id: 'replay', onclick: () => replay(c.id, {}, via, status) }, 'Replay'),
      el('button', { type: 'button', id: 'edit-replay', onclick: () => { form.hidden = !form.hidden; } }, 'Edit and replay'),
      form];
  }

  async function replay(id, edits, via, status) {
    status('Replaying…');
    const response = await fetch(root.dataset.detail + id + '/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', RequestVerificationToken: root.dataset.csrf },
      body: JSON.stringify({ ...edits, bypassAccess: via.value === 'connector' }),
    });
    const r = await response.json().catch(() => ({}));
    if (!response.ok) { status('Replay failed: ' + (r.detail ?? response.status)); return; }
    status(`Replayed ${r.via}: ${r.status} in ${r.durationMs.toFixed(1)} ms` + (r.id ? ` (request ${r.id})` : '') + (r.notes.length ? '. ' + r.notes.join('; ') : ''));
    await poll();
  }

  function exportHar(ids) {
    const q = ids.length ? '?ids=' + ids.join(',') : '';
    const a = el('a', { href: root.dataset.har + q, download: '' });
    document.body.append(a); a.click(); a.remove();
  }
  document.getElementById('export-selected')?.addEventListener('click', () => {
    const ids = [...tbody.querySelectorAll('input.pick:checked')].map(i => i.value);
    if (ids.length) exportHar(ids);
  });
  document.getElementById('export-all')?.addEventListener('click', () => exportHar([]));

  poll();
  // Every second; every 5 s while searching bodies (each search reads the new captures' bodies).
  let tick = 0;
  setInterval(() => { tick++; if (!document.getElementById('f-text').value.trim() || tick % 5 === 0) poll(); }, 1000);
})();
