// One WebSocket connection to the gateway's native protocol (docs/protocol.md):
// subscriptions, per-room state, automatic reconnect with backoff and jitter,
// and resume from the last position seen so nothing is lost.
//
// With `opts.auth` (a TokenAuth, auth.js) it presents a token as the first
// request after `hello` (before any subscribe), refreshes it on
// `token_expiring` / `token_expired` without reconnecting, and after a 4001
// or 4003 close reconnects only when a token may still be had.
//
// Events (EventTarget):
//   'state'      detail {state, attempt, nextRetryAt, since}   state: connecting | live | reconnecting | offline | unauthorized
//   'frame'      detail {room, frame, change, state}           each snapshot/event applied to a room
//   'flush'      detail {rooms: Set}                           after each message from the server
//   'subscribed' detail {room, frame}
//   'servererror' detail {frame}
//   'hello'      detail {frame}                               after the token step: subscriptions are on their way
//   'authed'     detail {frame}                               a token was accepted (also a refresh)

import { allowAccess, applyFrame, createRoomState, denyAccess, resumeOf } from './store.js';

export const DEFAULTS = {
  baseDelayMs: 400,       // first retry after 200–400 ms
  maxDelayMs: 5000,       // retries at most every 2.5–5 s
  offlineAfterMs: 4000,   // 'reconnecting' turns into 'offline' after this long
  connectTimeoutMs: 5000, // an attempt that does not open in time is abandoned
  idlePingMs: 15000,      // ask for a pong when nothing arrived for this long
  pongTimeoutMs: 8000,    // …and give the connection up without an answer
  requestTimeoutMs: 10000,
};

/** Exponential backoff with "equal jitter": a delay in [d/2, d], d = min(max, base·2^attempt). */
export function backoffDelay(attempt, baseMs, maxMs, rnd = Math.random) {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(d / 2 + rnd() * (d / 2));
}

export class FluxClient extends EventTarget {
  constructor(url, opts = {}) {
    super();
    this.url = url;
    this.opts = { ...DEFAULTS, ...opts };
    this.WS = opts.WebSocket ?? globalThis.WebSocket;
    this.auth = opts.auth ?? null;
    this.refreshing = null;   // the refresh in flight (a promise), if any
    this.presenting = null;   // the auth request in flight (a promise), if any
    this.rooms = new Map();   // room name → room state (kept across reconnects)
    this.wanted = new Set();  // rooms to be subscribed to
    this.state = 'connecting';
    this.since = Date.now();
    this.ws = null;
    this.attempt = 0;
    this.nextRetryAt = null;
    this.nextId = 1;
    this.pending = new Map(); // request id → {resolve, reject, timer}
    this.subIds = new Map();  // subscribe request id → room (to retry a failed one)
    this.clockOffset = 0;     // server time − local time, from pong
    this.session = null;
    this.connects = 0;        // successful connections so far
    this.lastMessageAt = 0;
    this.pingOutstanding = null;
    this.stopped = true;
    this.timers = { retry: null, offline: null, connect: null, watchdog: null };
  }

  // -- public API ---------------------------------------------------------------

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.timers.watchdog = setInterval(() => this.#watchdog(), 1000);
    this.#connect();
  }

  stop() {
    this.stopped = true;
    for (const k of Object.keys(this.timers)) {
      clearTimeout(this.timers[k]);
      clearInterval(this.timers[k]);
      this.timers[k] = null;
    }
    if (this.ws) {
      const ws = this.ws;
      this.#detach();
      try { ws.close(1000); } catch { /* already closed */ }
    }
    this.#failPending(new Error('client stopped'));
  }

  /** Server time now (ms), corrected by the offset measured with ping/pong. */
  now() { return Date.now() + this.clockOffset; }

  room(name) {
    let st = this.rooms.get(name);
    if (!st) {
      st = createRoomState(name);
      this.rooms.set(name, st);
    }
    return st;
  }

  subscribe(name) {
    const fresh = !this.wanted.has(name);
    this.wanted.add(name);
    this.room(name);
    if (fresh && this.state === 'live') this.#sendSubscribe(name, false);
  }

  unsubscribe(name) {
    if (!this.wanted.delete(name)) return;
    const st = this.rooms.get(name);
    if (st) st.resumable = false;
    if (this.state === 'live') this.#send({ op: 'unsubscribe', room: name, id: this.nextId++ });
  }

  /** Sends a request and resolves with its answer (rejects on `error`). */
  request(op, fields = {}, timeoutMs = this.opts.requestTimeoutMs) {
    if (this.state !== 'live' || !this.ws) return Promise.reject(new Error(`not connected (${this.state})`));
    return this.#ask(op, fields, timeoutMs);
  }

  #ask(op, fields = {}, timeoutMs = this.opts.requestTimeoutMs) {
    return new Promise((resolve, reject) => {
      if (!this.ws) {
        reject(new Error('not connected'));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${op}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.#send({ ...fields, op, id });
    });
  }

  /** Drops the connection as if the network failed (for diagnostics and tests). */
  drop() {
    if (this.ws) this.#lost('dropped by client');
  }

  /** Try again now (e.g. the browser came back online). */
  retryNow() {
    if (this.stopped || this.ws || this.state === 'unauthorized') return;
    clearTimeout(this.timers.retry);
    this.timers.retry = null;
    this.#connect();
  }

  goneOffline() {
    if (this.state !== 'live' && this.state !== 'unauthorized') this.#setState('offline');
  }

  // -- connection -----------------------------------------------------------------

  #connect() {
    this.nextRetryAt = null;
    let ws;
    try {
      ws = new this.WS(this.url);
    } catch (err) {
      this.#scheduleRetry(`cannot connect: ${err.message}`);
      return;
    }
    this.ws = ws;
    ws.onopen = () => { /* 'live' once hello arrives */ };
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) => this.#lost(`closed ${ev.code}${ev.reason ? ` ${ev.reason}` : ''}`, ev.code);
    ws.onerror = () => { /* a close follows */ };
    clearTimeout(this.timers.connect);
    this.timers.connect = setTimeout(() => {
      if (this.ws === ws && this.state !== 'live') this.#lost('connect timeout');
    }, this.opts.connectTimeoutMs);
  }

  #detach() {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    this.ws = null;
  }

  #lost(why, code = null) {
    const ws = this.ws;
    this.#detach();
    if (ws) { try { ws.close(); } catch { /* ignore */ } }
    clearTimeout(this.timers.connect);
    this.pingOutstanding = null;
    this.subIds.clear();
    this.#failPending(new Error(`connection lost: ${why}`));
    if (this.stopped) return;
    this.lastCloseReason = why;
    if ((code === 4001 || code === 4003) && this.auth && !this.auth.mayReconnect(code)) {
      this.#halt(why);
      return;
    }
    this.#scheduleRetry(why);
  }

  /** No reconnect: no token will do (the page says why, from auth's status). */
  #halt(why) {
    for (const k of ['retry', 'offline', 'connect']) {
      clearTimeout(this.timers[k]);
      this.timers[k] = null;
    }
    this.nextRetryAt = null;
    this.#setState('unauthorized', { why });
  }

  #scheduleRetry(why) {
    const delay = backoffDelay(this.attempt, this.opts.baseDelayMs, this.opts.maxDelayMs);
    this.attempt += 1;
    this.nextRetryAt = Date.now() + delay;
    const wasLive = this.state === 'live' || this.state === 'connecting';
    if (wasLive) {
      this.lostAt = Date.now();
      clearTimeout(this.timers.offline);
      this.timers.offline = setTimeout(() => {
        if (this.state === 'reconnecting') this.#setState('offline');
      }, this.opts.offlineAfterMs);
    }
    const offline = (globalThis.navigator && globalThis.navigator.onLine === false)
      || (this.state === 'offline');
    this.#setState(offline ? 'offline' : 'reconnecting', { why });
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => {
      this.timers.retry = null;
      this.#connect();
    }, delay);
  }

  #setState(state, extra = {}) {
    if (state !== this.state) this.since = Date.now();
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', {
      detail: { state, attempt: this.attempt, nextRetryAt: this.nextRetryAt, since: this.since, ...extra },
    }));
  }

  #send(obj) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  #sendSubscribe(name, resume) {
    const st = this.room(name);
    const msg = { op: 'subscribe', room: name, id: this.nextId++ };
    const pos = resume && st.resumable ? resumeOf(st) : undefined;
    if (pos) msg.resume = pos;
    st.subscribedAt = Date.now();
    this.subIds.set(msg.id, name);
    this.#send(msg);
  }

  #failPending(err) {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  #watchdog() {
    if (this.state !== 'live' || !this.ws) return;
    const now = Date.now();
    if (this.pingOutstanding !== null) {
      if (now - this.pingOutstanding > this.opts.pongTimeoutMs) this.#lost('no answer to ping');
      return;
    }
    if (now - this.lastMessageAt > this.opts.idlePingMs) this.#ping();
  }

  #ping() {
    const sent = Date.now();
    this.pingOutstanding = sent;
    this.request('ping', {}, this.opts.pongTimeoutMs + 1000).then((pong) => {
      const recv = Date.now();
      this.pingOutstanding = null;
      if (Number.isFinite(pong.ts)) this.clockOffset = Math.round(pong.ts - (sent + recv) / 2);
      this.rtt = recv - sent;
    }, () => { /* the watchdog or close handles it */ });
  }

  // -- frames -------------------------------------------------------------------

  #onMessage(raw) {
    this.lastMessageAt = Date.now();
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return; // the protocol promises JSON; ignore anything else
    }
    const frames = Array.isArray(parsed) ? parsed : [parsed];
    const touched = new Set();
    for (const f of frames) {
      if (!f || typeof f !== 'object') continue;
      this.#onFrame(f, touched);
    }
    this.dispatchEvent(new CustomEvent('flush', { detail: { rooms: touched } }));
  }

  #onFrame(f, touched) {
    const pending = f.id !== undefined && f.id !== null ? this.pending.get(f.id) : undefined;
    const answered = pending !== undefined;
    if (pending) {
      this.pending.delete(f.id);
      clearTimeout(pending.timer);
      if (f.type === 'error') pending.reject(Object.assign(new Error(f.message), { code: f.code, frame: f }));
      else pending.resolve(f);
    }
    switch (f.type) {
      case 'hello': this.#onHello(f); break;
      case 'subscribed': {
        this.subIds.delete(f.id);
        const st = this.room(f.room);
        st.lastSubscribe = { resumed: f.resumed === true, reason: f.reason ?? null, missed: f.missed ?? 0, at: Date.now() };
        st.resumable = true;
        allowAccess(st);
        touched.add(f.room);
        this.dispatchEvent(new CustomEvent('subscribed', { detail: { room: f.room, frame: f } }));
        break;
      }
      case 'snapshot':
      case 'event': {
        if (typeof f.room !== 'string') break;
        const st = this.room(f.room);
        const change = applyFrame(st, f);
        if (change) {
          touched.add(f.room);
          this.dispatchEvent(new CustomEvent('frame', { detail: { room: f.room, frame: f, change, state: st } }));
        }
        break;
      }
      case 'error': {
        const room = this.subIds.get(f.id) ?? f.room;
        this.subIds.delete(f.id);
        if (f.code === 'unknown_room' && room) this.wanted.delete(room);
        if (f.code === 'forbidden' && room) {
          denyAccess(this.room(room));
          touched.add(room);
        }
        if (f.code === 'token_expired' && !answered) {
          this.auth?.expiredNow();
          this.#refresh('expired');
        }
        // a subscribe the server could not complete now is tried again
        if (room && this.wanted.has(room) && (f.code === 'internal' || f.code === 'rate_limited')) {
          const conn = this.ws;
          setTimeout(() => {
            if (this.ws === conn && this.state === 'live' && this.wanted.has(room)) this.#sendSubscribe(room, true);
          }, backoffDelay(1, this.opts.baseDelayMs, this.opts.maxDelayMs));
        }
        this.dispatchEvent(new CustomEvent('servererror', { detail: { frame: f, room } }));
        break;
      }
      case 'token_expiring': this.#refresh('expiring'); break;
      default: break;
    }
  }

  // -- the token step and refresh -------------------------------------------------

  #onHello(f) {
    clearTimeout(this.timers.connect);
    this.session = f.session ?? null;
    const ws = this.ws;
    this.#authenticate(f).then((go) => {
      if (go && this.ws === ws) this.#ready(f);
    }, (err) => {
      if (this.ws === ws) this.#lost(`token step: ${err.message}`);
    });
  }

  /** Presents a token when the gateway wants one; false: do not subscribe. */
  async #authenticate(hello) {
    if (!this.auth || !hello.auth || hello.auth === 'off') return true;
    let token = await this.auth.tokenFor('connect');
    // a refused token is replaced by the hook's once, well within auth.max-failures
    for (let tries = 0; token && tries < 2; tries += 1) {
      if (await this.#present(token, true)) return true;
      token = await this.auth.tokenFor('refused');
    }
    if (hello.auth !== 'required') return true; // anonymous: the open rooms only
    this.#lost('the gateway needs a token and there is none', 4001);
    return false;
  }

  /** Sends op auth; true when accepted. Rejects only when no answer came. */
  async #present(token, fresh) {
    const answer = this.#ask('auth', { token });
    this.presenting = answer;
    try {
      const frame = await answer;
      this.auth.accepted(token, frame);
      this.dispatchEvent(new CustomEvent('authed', { detail: { frame } }));
      return true;
    } catch (err) {
      if (!err.frame) throw err;
      this.auth.refused(token, err.frame, fresh);
      return false;
    } finally {
      if (this.presenting === answer) this.presenting = null;
    }
  }

  /**
   * A new token on the same connection (token_expiring / token_expired),
   * once the auth request in flight is answered (token_expiring may come in
   * the same batch as its `authed`).
   */
  #refresh(reason) {
    if (!this.auth || this.refreshing) return;
    const ws = this.ws;
    this.refreshing = (this.presenting ?? Promise.resolve()).catch(() => {})
      .then(() => this.auth.tokenFor(reason))
      .then((token) => (token && this.ws === ws ? this.#present(token, false) : false))
      .then((ok) => { if (ok) this.#regrant(); }, () => { /* no answer: a reconnect presents a token again */ })
      .finally(() => { this.refreshing = null; });
  }

  /** After a refresh: subscribe again to forbidden rooms the new token covers. */
  #regrant() {
    for (const name of this.wanted) {
      if (this.room(name).forbidden && this.auth.covers(name)) this.#sendSubscribe(name, false);
    }
  }

  #ready(f) {
    clearTimeout(this.timers.offline);
    this.attempt = 0;
    this.connects += 1;
    this.nextRetryAt = null;
    this.#setState('live', { session: this.session });
    for (const name of this.wanted) this.#sendSubscribe(name, true);
    this.dispatchEvent(new CustomEvent('hello', { detail: { frame: f } }));
    this.#ping(); // measures the clock offset for "updated N s ago"
  }
}
