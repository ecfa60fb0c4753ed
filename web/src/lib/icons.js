// Inline SVG icons (no icon font, nothing fetched).
import { h } from './dom.js';

const stroke = { fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' };

function svg(size, cls, ...kids) {
  return h('svg', { viewBox: '0 0 24 24', width: size, height: size, class: cls, 'aria-hidden': 'true' }, ...kids);
}

const sun = (cx = 12, cy = 12, r = 4) => [
  h('circle', { cx, cy, r, ...stroke }),
  ...[0, 45, 90, 135, 180, 225, 270, 315].map((a) => {
    const rad = (a * Math.PI) / 180;
    const x1 = cx + Math.cos(rad) * (r + 2.5), y1 = cy + Math.sin(rad) * (r + 2.5);
    const x2 = cx + Math.cos(rad) * (r + 4.5), y2 = cy + Math.sin(rad) * (r + 4.5);
    return h('line', { x1, y1, x2, y2, ...stroke });
  }),
];
const cloudPath = 'M7 18h10a4 4 0 0 0 .6-7.96A5.5 5.5 0 0 0 7.1 11 3.5 3.5 0 0 0 7 18z';

/** A weather icon for a WMO weather code. */
export function weatherIcon(code, size = 56) {
  const cls = 'wx-icon';
  switch (code) {
    case 0:
      return svg(size, `${cls} sun`, ...sun());
    case 1:
    case 2:
      return svg(size, `${cls} partly`, h('g', { class: 'sun' }, ...sun(8.5, 8, 3)),
        h('path', { d: 'M9 20h8.5a3.5 3.5 0 0 0 .5-6.96A4.8 4.8 0 0 0 8.9 14 3 3 0 0 0 9 20z', ...stroke, class: 'cloud' }));
    case 3:
      return svg(size, `${cls} cloud`, h('path', { d: cloudPath, ...stroke }));
    case 45:
      return svg(size, `${cls} fog`, h('path', { d: 'M7 13h10a4 4 0 0 0 .6-7.96A5.5 5.5 0 0 0 7.1 6 3.5 3.5 0 0 0 7 13z', ...stroke }),
        h('line', { x1: 4, y1: 17, x2: 20, y2: 17, ...stroke }), h('line', { x1: 6, y1: 21, x2: 18, y2: 21, ...stroke }));
    case 61:
    case 63:
      return svg(size, `${cls} rain`, h('path', { d: 'M7 14h10a4 4 0 0 0 .6-7.96A5.5 5.5 0 0 0 7.1 7 3.5 3.5 0 0 0 7 14z', ...stroke }),
        ...[8, 12, 16].map((x) => h('line', { x1: x, y1: 17, x2: x - 1.5, y2: 21, ...stroke })));
    case 71:
      return svg(size, `${cls} snow`, h('path', { d: 'M7 14h10a4 4 0 0 0 .6-7.96A5.5 5.5 0 0 0 7.1 7 3.5 3.5 0 0 0 7 14z', ...stroke }),
        ...[8, 12, 16].map((x) => h('circle', { cx: x, cy: 19, r: 0.9, fill: 'currentColor' })));
    case 95:
      return svg(size, `${cls} storm`, h('path', { d: 'M7 14h10a4 4 0 0 0 .6-7.96A5.5 5.5 0 0 0 7.1 7 3.5 3.5 0 0 0 7 14z', ...stroke }),
        h('path', { d: 'M12.5 14l-2.5 4h3l-2 4', ...stroke }));
    default:
      return svg(size, `${cls} cloud`, h('path', { d: cloudPath, ...stroke }));
  }
}

export function arrowIcon(deg, size = 14) {
  return svg(size, 'arrow-icon', h('g', { transform: `rotate(${deg} 12 12)` },
    h('line', { x1: 12, y1: 20, x2: 12, y2: 4, ...stroke }), h('path', { d: 'M6 10l6-6 6 6', ...stroke })));
}

export function warnIcon(size = 16) {
  return svg(size, 'warn-icon', h('path', { d: 'M12 3l10 18H2L12 3z', ...stroke }),
    h('line', { x1: 12, y1: 10, x2: 12, y2: 14, ...stroke }), h('circle', { cx: 12, cy: 17.5, r: 0.8, fill: 'currentColor' }));
}

export function lockIcon(size = 16) {
  return svg(size, 'lock-icon', h('rect', { x: 5, y: 11, width: 14, height: 10, rx: 2, ...stroke }),
    h('path', { d: 'M8 11V8a4 4 0 0 1 8 0v3', ...stroke }));
}

export function logo(size = 26) {
  return h('svg', { viewBox: '0 0 32 32', width: size, height: size, class: 'logo', 'aria-hidden': 'true' },
    h('rect', { x: 1, y: 1, width: 30, height: 30, rx: 8, class: 'logo-bg' }),
    h('path', { d: 'M7 19l5-6 4 4 5-7 4 5', fill: 'none', stroke: '#fff', 'stroke-width': '2.4', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }));
}
