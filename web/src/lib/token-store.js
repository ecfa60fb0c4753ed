// Where the dashboard keeps its access token: taken once from `?token=` in
// the address, kept in sessionStorage (this tab only, gone when it closes),
// and removed from the address bar so it is not bookmarked, shared or left
// in the history.

const KEY = 'flux.token';

function storage() {
  try { return globalThis.sessionStorage ?? null; } catch { return null; }
}

export function loadToken() {
  try { return storage()?.getItem(KEY) || null; } catch { return null; }
}

export function saveToken(token) {
  try { storage()?.setItem(KEY, token); } catch { /* private mode or quota */ }
}

export function forgetToken() {
  try { storage()?.removeItem(KEY); } catch { /* ignore */ }
}

/** The address without its `token` parameter (or null when it has none). */
export function withoutToken(href) {
  const url = new URL(href);
  if (!url.searchParams.has('token')) return null;
  url.searchParams.delete('token');
  return url.pathname + (url.search === '?' ? '' : url.search) + url.hash;
}

/**
 * Moves a `?token=` from the address into sessionStorage and strips it from
 * the address bar (history.replaceState: no reload, no new history entry).
 * Returns the token to use: the one from the address, else the stored one.
 */
export function takeTokenFromAddress(loc = globalThis.location, hist = globalThis.history) {
  const fromUrl = new URL(loc.href).searchParams.get('token');
  const stripped = withoutToken(loc.href);
  if (stripped !== null) hist.replaceState(hist.state, '', stripped);
  if (fromUrl) saveToken(fromUrl);
  return fromUrl || loadToken();
}
