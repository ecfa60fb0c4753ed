// The dashboard's side of per-user tokens (docs/auth.md): which token to
// present, when to ask the page's hook for a new one, whether a 4001 close
// is worth a reconnect, and a status for the page to show. No DOM and no
// socket: FluxClient (client.js) sends the `auth` requests and calls in here.
//
// Events (EventTarget):
//   'status' detail {state, message, exp}
//     state: anonymous | authed | expiring | expired | refused | renew_failed | required | denied
//   'hook'   detail {reason}   the page's getToken hook was called

const HOOK_TIMEOUT_MS = 15000;

/** `exp` (s) read from a JWT's payload without verifying it, or null. */
export function tokenExp(token) {
  try {
    const part = String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '='))).exp;
    return Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

/** A room pattern as the gateway reads it: `*`, `prefix.*` or a room name. */
export function patternCovers(pattern, room) {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return room.startsWith(pattern.slice(0, -1));
  return pattern === room;
}

function withTimeout(promise, ms) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no token within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class TokenAuth extends EventTarget {
  /**
   * token: the token to start with (or null); hook: () => the page's
   * getToken function or undefined, looked up at each use; store:
   * {save(token), forget()}; now: clock in ms.
   */
  constructor({ token = null, hook = () => undefined, store = {}, now = () => Date.now() } = {}) {
    super();
    this.token = token;
    this.hook = hook;
    this.store = { save: () => {}, forget: () => {}, ...store };
    this.now = now;
    this.sub = null;
    this.exp = tokenExp(token);
    this.patterns = [];  // rooms of the accepted token, and the anonymous ones
    this.status = { state: 'anonymous', message: null, exp: null };
  }

  hasHook() { return typeof this.hook() === 'function'; }

  /** The token has not passed its `exp` as far as this clock can tell. */
  mayBeValid() {
    return !!this.token && (this.exp === null || this.exp * 1000 > this.now());
  }

  /** Does the accepted token (or anonymity) cover `room`? */
  covers(room) { return this.patterns.some((p) => patternCovers(p, room)); }

  /**
   * The token to present. 'connect': the one held if it may still be valid,
   * else one from the hook. Any other reason ('expiring', 'expired',
   * 'refused'): only the hook can help. Resolves null when there is none.
   */
  async tokenFor(reason) {
    if (reason === 'connect' && this.mayBeValid()) return this.token;
    if (!this.hasHook()) {
      if (reason === 'connect' && this.token) this.#set('expired', this.#expiredText(false));
      this.#noHook(reason);
      return null;
    }
    this.dispatchEvent(new CustomEvent('hook', { detail: { reason } }));
    try {
      const token = await withTimeout(Promise.resolve(this.hook()({ reason, sub: this.sub, exp: this.exp })), HOOK_TIMEOUT_MS);
      if (typeof token === 'string' && token) return token;
      throw new Error('the getToken hook gave no token');
    } catch (err) {
      const what = reason === 'connect' ? 'Could not get an access token' : 'Could not renew access';
      this.#set('renew_failed', `${what}: ${err?.message ?? err}`);
      return null;
    }
  }

  /** The gateway accepted `token` (frame: `authed`). */
  accepted(token, frame) {
    this.token = token;
    this.store.save(token);
    this.sub = frame.sub ?? null;
    this.exp = Number.isFinite(frame.exp) ? frame.exp : tokenExp(token);
    this.patterns = [...(frame.rooms ?? []), ...(frame.anonymous_rooms ?? [])];
    this.#set('authed', null);
  }

  /** The gateway refused `token` (an `error` frame); `fresh`: not a refresh of a live session. */
  refused(token, frame, fresh) {
    const expired = frame.code === 'token_expired';
    if (token === this.token && fresh) {
      this.token = null;
      this.store.forget();
    }
    this.#set(expired ? 'expired' : 'refused', expired
      ? this.#expiredText(false)
      : `The access token was refused (${frame.message ?? frame.code}). Showing only public rooms.`);
  }

  /** The session's token expired on the server (`token_expired` while connected). */
  expiredNow() {
    if (!this.hasHook()) this.#set('expired', this.#expiredText(true));
  }

  /** The gateway needs a token and there is none to give. */
  required() {
    this.#set('required', 'This gateway needs an access token: open the dashboard with your access link (…/?token=…).');
  }

  /** Is a reconnect after close `code` (4001, 4003) any use? */
  mayReconnect(code) {
    if (code === 4003) {
      this.#set('denied', 'Access refused: too many rejected tokens. Reload the page to try again.');
      return false;
    }
    if (this.hasHook() || this.mayBeValid()) return true;
    if (this.token) this.#set('expired', this.#expiredText(true));
    else if (this.status.state !== 'refused') this.required();
    return false;
  }

  #noHook(reason) {
    if (reason === 'expiring') {
      this.#set('expiring', `Your access expires at ${clockOf(this.exp)}. Open the dashboard with a new access link to stay live.`);
    }
  }

  #expiredText(stopped) {
    const what = stopped ? 'the board has stopped updating' : 'showing only public rooms';
    return `Your access expired${this.exp ? ` at ${clockOf(this.exp)}` : ''}: ${what}. Open the dashboard with a new access link.`;
  }

  #set(state, message) {
    this.status = { state, message, exp: this.exp };
    this.dispatchEvent(new CustomEvent('status', { detail: this.status }));
  }
}

function clockOf(expS) {
  return Number.isFinite(expS) ? new Date(expS * 1000).toLocaleTimeString() : 'soon';
}
