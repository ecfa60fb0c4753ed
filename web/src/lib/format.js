// Number and time formatting for the cards. Pure functions.

const grouped = new Map();
function nf(min, max) {
  const k = `${min}:${max}`;
  let f = grouped.get(k);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: min, maximumFractionDigits: max });
    grouped.set(k, f);
  }
  return f;
}

/** A price with as many decimals as its size calls for. */
export function price(v) {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return nf(2, 2).format(v);
  if (a >= 1) return nf(2, 2).format(v);
  if (a >= 0.01) return nf(4, 4).format(v);
  return nf(6, 6).format(v);
}

export function fixed(v, digits = 2) {
  return Number.isFinite(v) ? nf(digits, digits).format(v) : '—';
}

/** "+1.23%" / "−0.45%" (a real minus sign). */
export function pct(v, digits = 2) {
  if (!Number.isFinite(v)) return '—';
  const s = nf(digits, digits).format(Math.abs(v));
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${s}%`;
}

export function signed(v, digits = 2) {
  if (!Number.isFinite(v)) return '—';
  const s = nf(digits, digits).format(Math.abs(v));
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${s}`;
}

export function direction(v) {
  return !Number.isFinite(v) || v === 0 ? 'flat' : v > 0 ? 'up' : 'down';
}

/** $1.32T, $40.2B, $873.6M */
export function compactUsd(v) {
  if (!Number.isFinite(v)) return '—';
  const units = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [n, u] of units) if (Math.abs(v) >= n) return `$${nf(1, 2).format(v / n)}${u}`;
  return `$${nf(0, 2).format(v)}`;
}

/** "3 s ago", "5 min ago", "2 h ago", "3 d ago"; "just now" under a second. */
export function ago(ts, now = Date.now()) {
  if (!Number.isFinite(ts)) return '—';
  const s = Math.max(0, Math.floor((now - ts) / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

export function clock(ts) {
  if (!Number.isFinite(ts)) return '—';
  return new Date(ts).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
export function compass(deg) {
  if (!Number.isFinite(deg)) return '—';
  return COMPASS[Math.round((((deg % 360) + 360) % 360) / 45) % 8];
}

/** "weather.new-york" → "New York" (until the room's data names the city). */
export function cityFromRoom(room) {
  return room.replace(/^weather\./, '').split(/[-_.]/).filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
}

/** Only http(s) links from upstream data become clickable. */
export function safeUrl(u) {
  try {
    const url = new URL(String(u));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
