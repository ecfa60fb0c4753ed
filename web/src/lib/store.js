// Per-room state kept by the dashboard: built from the room's snapshot and
// the events that follow it (docs/protocol.md). Pure functions, no DOM, so
// the rules can be tested in Node.

/** A room's state before anything arrived. */
export function createRoomState(name) {
  return {
    name,
    data: null,        // the room's current value (snapshot data, or key → value for stream rooms)
    hasData: false,    // true once a snapshot or update carried data
    epoch: null,       // epoch and position of the last snapshot/event applied
    pos: null,
    status: null,      // last source status: {stale, source, since?, reason?} or null
    updatedAt: null,   // source time (ms) of the newest data
    receivedAt: null,  // local time (ms) when data last changed
    subscribedAt: null,
    lastSubscribe: null, // the last `subscribed` answer (resumed, reason, missed)
    forbidden: false,  // the gateway said `forbidden` for this room (outside the token)
  };
}

function normalizeStatus(s) {
  if (!s || typeof s !== 'object') return null;
  return {
    stale: s.stale === true,
    source: typeof s.source === 'string' ? s.source : null,
    since: Number.isFinite(s.since) ? s.since : null,
    reason: typeof s.reason === 'string' ? s.reason : null,
  };
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Applies one `snapshot` or `event` frame to a room state, in place.
 * Returns what changed ({kind, key}) or null when the frame was ignored
 * (a duplicate or older event of the same epoch, or a frame of no effect).
 */
export function applyFrame(st, f, now = Date.now()) {
  if (f.type === 'snapshot') {
    if (typeof f.epoch === 'string') st.epoch = f.epoch;
    if (Number.isFinite(f.pos)) st.pos = f.pos;
    st.status = normalizeStatus(f.status);
    // `data: null` means the room has received nothing yet (e.g. a gateway
    // that just restarted): keep what we had, so a card never goes blank.
    if (f.data !== null && f.data !== undefined) {
      st.data = f.data;
      st.hasData = true;
      st.updatedAt = Number.isFinite(f.ts) ? f.ts : now;
      st.receivedAt = now;
    }
    return { kind: 'snapshot', key: null };
  }
  if (f.type !== 'event') return null;
  if (st.epoch === f.epoch && st.pos !== null && Number.isFinite(f.pos) && f.pos <= st.pos)
    return null; // seen already (e.g. replayed on resume)
  if (typeof f.epoch === 'string') st.epoch = f.epoch;
  if (Number.isFinite(f.pos)) st.pos = f.pos;
  const ts = Number.isFinite(f.ts) ? f.ts : now;
  switch (f.kind ?? 'snapshot') {
    case 'snapshot':
      if (f.data === null || f.data === undefined) return null;
      st.data = f.data;
      st.hasData = true;
      st.updatedAt = ts;
      st.receivedAt = now;
      return { kind: 'snapshot', key: null };
    case 'update': {
      if (typeof f.key !== 'string') return null;
      if (!isPlainObject(st.data)) st.data = {};
      st.data[f.key] = f.data;
      st.hasData = true;
      st.updatedAt = Math.max(st.updatedAt ?? 0, ts);
      st.receivedAt = now;
      return { kind: 'update', key: f.key };
    }
    case 'status':
      st.status = normalizeStatus(f.data);
      return { kind: 'status', key: null };
    default:
      return null;
  }
}

/**
 * The room is outside the token (`forbidden`): its data goes, so a card
 * shows "no access" and never what the token may no longer see.
 */
export function denyAccess(st) {
  Object.assign(st, { forbidden: true, data: null, hasData: false, epoch: null, pos: null,
    status: null, updatedAt: null, receivedAt: null, resumable: false });
}

/** Subscribed again (e.g. after a refresh that covers the room). */
export function allowAccess(st) {
  st.forbidden = false;
}

/** The `resume` field to send when re-subscribing, or undefined. */
export function resumeOf(st) {
  if (!st || typeof st.epoch !== 'string' || !Number.isFinite(st.pos)) return undefined;
  return { epoch: st.epoch, pos: st.pos };
}
