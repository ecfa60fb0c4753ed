// Weather: a city picker (one weather.* room at a time) and its conditions.
import { h } from '../lib/dom.js';
import { cityFromRoom, clock, compass, fixed } from '../lib/format.js';
import { arrowIcon, weatherIcon } from '../lib/icons.js';
import { createCard } from './card.js';

const STORAGE_KEY = 'flux.weather.room';
const DEFAULT_ROOM = 'weather.london';

function load() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}
function save(room) {
  try { localStorage.setItem(STORAGE_KEY, room); } catch { /* private mode */ }
}

export function weatherCard(client) {
  const select = h('select', { class: 'select', testid: 'weather-city-select', 'aria-label': 'City' });
  const card = createCard({ key: 'weather', title: 'Weather', actions: select, skeletonLines: 4 });
  let room = load() || DEFAULT_ROOM;
  let known = [room];
  const names = new Map(); // room → city name from its data

  function options() {
    const list = known.includes(room) ? known : [room, ...known];
    select.replaceChildren(...list.map((r) => h('option', { value: r }, names.get(r) ?? cityFromRoom(r))));
    select.value = room;
  }

  function switchTo(next) {
    if (!next || next === room) return;
    client.unsubscribe(room);
    room = next;
    save(room);
    client.subscribe(room);
    select.value = room;
    render();
  }

  select.addEventListener('change', () => switchTo(select.value));
  options();
  client.subscribe(room);

  function render() {
    const st = client.room(room);
    card.root.dataset.room = room;
    if (card.gate(st.forbidden)) return;
    card.setStatus([{ label: null, status: st.status }]);
    if (!st.hasData || !st.data) {
      card.setUpdated(null);
      card.showSkeleton();
      return;
    }
    const d = st.data;
    if (typeof d.city === 'string' && names.get(room) !== d.city) {
      names.set(room, d.city);
      options();
    }
    card.setUpdated(st.updatedAt);
    card.setContent(
      h('div', { class: 'wx-main' },
        weatherIcon(d.weather_code, 64),
        h('div', { class: 'wx-temp', testid: 'weather-temp' }, fixed(d.temperature_c, 1), h('span', { class: 'unit' }, '°C')),
        h('div', { class: 'wx-what' },
          h('div', { class: 'wx-city', testid: 'weather-city' }, d.city ?? cityFromRoom(room)),
          h('div', { class: 'wx-cond', testid: 'weather-condition' }, d.condition ?? '—'),
          h('div', { class: 'muted' }, `Feels like ${fixed(d.apparent_c, 1)}°`))),
      h('dl', { class: 'wx-stats' },
        stat('Humidity', `${fixed(d.humidity_pct, 0)}%`),
        stat('Wind', [`${fixed(d.wind_kph, 1)} km/h `,
          h('span', { class: 'wind-dir', title: `from ${fixed(d.wind_dir_deg, 0)}°` },
            arrowIcon((d.wind_dir_deg ?? 0) + 180, 13), compass(d.wind_dir_deg))]),
        stat('Observed', h('span', { class: 'mono' }, clock(d.observed_at))),
        stat('Location', `${fixed(d.lat, 2)}, ${fixed(d.lon, 2)}`)),
    );
  }

  return {
    card,
    root: card.root,
    rooms: () => [room],
    render,
    /** The list of weather.* rooms from the gateway (op `rooms`). */
    setRooms(list) {
      known = list.length ? list : [room];
      if (list.length && !list.includes(room)) switchTo(list.includes(DEFAULT_ROOM) ? DEFAULT_ROOM : list[0]);
      options();
    },
    /** The gateway refused a room (e.g. a remembered city no longer exists). */
    onUnknownRoom(name) {
      if (name !== room) return;
      const fallback = known.find((r) => r !== name);
      if (fallback) switchTo(fallback);
    },
  };
}

function stat(label, value) {
  return h('div', { class: 'stat' }, h('dt', null, label), h('dd', null, value));
}
