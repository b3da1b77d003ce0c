// The overview's sparklines: requests per minute over the last hour for each tunnel, redrawn every 10 s.
(() => {
  const cells = document.querySelectorAll('svg[data-sparkline]');
  if (cells.length === 0) return;
  async function refresh() {
    try {
      const response = await fetch('/dashboard/traffic.json', { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const perTunnel = await response.json();
      for (const svg of cells) {
        const minutes = perTunnel[svg.dataset.sparkline] ?? new Array(60).fill(0);
        const max = Math.max(1, ...minutes);
        const points = minutes.map((v, i) => `${(i * 120 / 59).toFixed(1)},${(23 - v * 22 / max).toFixed(1)}`).join(' ');
        svg.querySelector('polyline').setAttribute('points', points);
        const total = minutes.reduce((a, b) => a + b, 0);
        svg.dataset.total = String(total);
        svg.querySelector('title').textContent = `${total} requests in the last hour`;
      }
    } catch { /* the next poll tries again */ }
  }
  refresh();
  setInterval(refresh, 10000);
})();
