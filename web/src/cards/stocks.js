// Stocks: top gainers and losers against the previous close.
import { h } from '../lib/dom.js';
import { direction, fixed, pct, signed } from '../lib/format.js';
import { createCard } from './card.js';

const ROOM = 'stocks.movers';

function table(kind, title, rows) {
  return h('div', { class: `movers-group ${kind}`, testid: `stocks-${kind}` },
    h('h3', { class: 'group-title' }, h('span', { class: `tri ${kind === 'gainers' ? 'up' : 'down'}` }), title),
    h('div', { class: 'stock-table', role: 'table', 'aria-label': title },
      h('div', { class: 'stock-row head', role: 'row' },
        ['Symbol', 'Price', 'Change', 'Open', 'High', 'Low', 'Prev close'].map((c, i) =>
          h('span', { role: 'columnheader', class: `c${i}` }, c))),
      rows.length
        ? rows.map((r) => {
          const dir = direction(r.change_pct);
          return h('div', { class: 'stock-row', role: 'row', testid: 'stock-row', dataset: { symbol: r.symbol } },
            h('span', { class: 'c0 sym', role: 'cell' }, r.symbol),
            h('span', { class: 'c1 num strong', role: 'cell', testid: 'stock-price' }, fixed(r.price)),
            h('span', { class: `c2 num chg ${dir}`, role: 'cell', testid: 'stock-change' },
              h('span', { class: 'abs' }, signed(r.change)), h('span', { class: `pill ${dir}` }, pct(r.change_pct))),
            h('span', { class: 'c3 num ohlc', role: 'cell', 'data-label': 'O' }, fixed(r.open)),
            h('span', { class: 'c4 num ohlc', role: 'cell', 'data-label': 'H' }, fixed(r.high)),
            h('span', { class: 'c5 num ohlc', role: 'cell', 'data-label': 'L' }, fixed(r.low)),
            h('span', { class: 'c6 num ohlc', role: 'cell', 'data-label': 'PC' }, fixed(r.prev_close)));
        })
        : h('p', { class: 'empty' }, 'None right now.')));
}

export function stocksCard(client) {
  const card = createCard({ key: 'stocks', title: 'Stock movers', skeletonLines: 10 });
  client.subscribe(ROOM);

  function render() {
    const st = client.room(ROOM);
    if (card.gate(st.forbidden)) return;
    card.setStatus([{ label: null, status: st.status }]);
    if (!st.hasData || !st.data) return;
    card.setUpdated(st.updatedAt);
    const d = st.data;
    card.setContent(
      table('gainers', 'Top gainers', Array.isArray(d.gainers) ? d.gainers : []),
      table('losers', 'Top losers', Array.isArray(d.losers) ? d.losers : []));
  }

  return { card, root: card.root, rooms: () => [ROOM], render };
}
