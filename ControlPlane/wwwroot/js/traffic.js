// A tunnel's traffic charts (uPlot): requests and errors per second by class, latency percentiles, bytes per second,
// over the last hour or day, all edges added up by the control plane. Polls every 5 s (edges report every 5 s).
(() => {
  const root = document.getElementById('traffic');
  if (!root || typeof uPlot === 'undefined') return;
  const url = root.dataset.url;
  const rangeSelect = document.getElementById('traffic-range');
  const hostSelect = document.getElementById('traffic-hostname');
  const charts = {};
  const width = () => Math.max(280, Math.min(root.clientWidth - 10, 1000));
  const series = {
    requests: [['requests/s', '#2f6fde'], ['4xx/s', '#d08a00'], ['5xx/s', '#c0392b'], ['no connector/s', '#7d3cc0'], ['origin unreachable/s', '#8e1b1b'], ['Access refused/s', '#287a3e'], ['other edge answers/s', '#666']],
    latency: [['p50 ms', '#2f6fde'], ['p95 ms', '#d08a00'], ['p99 ms', '#c0392b']],
    bytes: [['in B/s', '#287a3e'], ['out B/s', '#2f6fde']],
  };
  function columns(data) {
    const p = data.points;
    const per = k => p.map(x => x[k] / x.seconds); // the current point covers less than a step
    return {
      requests: [p.map(x => x.t), per('requests'), per('status4xx'), per('status5xx'), per('noConnector'), per('originUnreachable'), per('accessRefused'), per('otherEdge')],
      latency: [p.map(x => x.t), p.map(x => x.p50), p.map(x => x.p95), p.map(x => x.p99)],
      bytes: [p.map(x => x.t), per('bytesIn'), per('bytesOut')],
    };
  }
  function draw(name, cols) {
    if (charts[name]) { charts[name].setData(cols); return; }
    const opts = {
      width: width(), height: 180,
      series: [{}].concat(series[name].map(([label, stroke]) => ({ label, stroke, width: 1.5, spanGaps: false }))),
      axes: [{}, { size: 60 }],
    };
    charts[name] = new uPlot(opts, cols, document.getElementById('chart-' + name));
  }
  function totals(data) {
    const t = data.total;
    const set = (id, v) => { const el = document.getElementById(id); if (el) el.textContent = v; };
    set('traffic-total-requests', t.requests);
    set('traffic-total-errors', t.status4xx + t.status5xx + t.noConnector + t.originUnreachable + t.accessRefused + t.otherEdge);
    set('traffic-total-5xx', t.status5xx);
    set('traffic-total-4xx', t.status4xx);
    set('traffic-total-no-connector', t.noConnector);
    set('traffic-total-origin-unreachable', t.originUnreachable);
    set('traffic-total-access-refused', t.accessRefused);
    set('traffic-total-bytes-in', t.bytesIn);
    set('traffic-total-bytes-out', t.bytesOut);
    set('traffic-total-p95', t.p95 == null ? '–' : t.p95 + ' ms');
    root.dataset.updated = String(Date.now());
  }
  function hostnames(names) {
    const current = hostSelect.value;
    const wanted = [''].concat(names);
    if ([...hostSelect.options].map(o => o.value).join('\n') === wanted.join('\n')) return;
    hostSelect.replaceChildren(...wanted.map(n => { const o = document.createElement('option'); o.value = n; o.textContent = n || 'all hostnames'; return o; }));
    hostSelect.value = wanted.includes(current) ? current : '';
  }
  async function refresh() {
    try {
      const q = new URLSearchParams({ range: rangeSelect.value });
      if (hostSelect.value) q.set('hostname', hostSelect.value);
      const response = await fetch(url + '?' + q, { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const data = await response.json();
      const cols = columns(data);
      for (const name of Object.keys(series)) draw(name, cols[name]);
      totals(data);
      hostnames(data.hostnames);
    } catch { /* the next poll tries again */ }
  }
  rangeSelect.addEventListener('change', () => { for (const k in charts) { charts[k].destroy(); delete charts[k]; } refresh(); });
  hostSelect.addEventListener('change', refresh);
  window.addEventListener('resize', () => { for (const k in charts) charts[k].setSize({ width: width(), height: 180 }); });
  refresh();
  // The last hour every 5 s (edges report every 5 s); the last day, whose points are 10 minutes wide, every minute.
  let ticks = 0;
  setInterval(() => { ticks++; if (rangeSelect.value === '1h' || ticks % 12 === 0) refresh(); }, 5000);
})();
