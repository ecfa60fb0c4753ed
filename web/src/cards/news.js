// News: the top headlines, newest first; links open the article in a new tab.
import { agoEl, h } from '../lib/dom.js';
import { safeUrl } from '../lib/format.js';
import { createCard } from './card.js';

const ROOM = 'news.top';
const FRESH_MS = 5 * 60 * 1000;

export function newsCard(client) {
  const card = createCard({ key: 'news', title: 'Top news', skeletonLines: 8 });
  client.subscribe(ROOM);

  function render() {
    const st = client.room(ROOM);
    if (card.gate(st.forbidden)) return;
    card.setStatus([{ label: null, status: st.status }]);
    if (!st.hasData || !st.data) return;
    card.setUpdated(st.updatedAt);
    const items = Array.isArray(st.data.items) ? st.data.items : [];
    const now = client.now();
    if (!items.length) {
      card.setContent(h('p', { class: 'empty' }, 'No headlines right now.'));
      return;
    }
    card.setContent(h('ol', { class: 'news-list', testid: 'news-list' },
      items.map((it) => {
        const url = safeUrl(it.url);
        const title = String(it.title ?? 'Untitled');
        const fresh = Number.isFinite(it.published_at) && now - it.published_at < FRESH_MS;
        return h('li', { class: 'news-item', testid: 'news-item' },
          url
            ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'news-title', testid: 'news-link' }, title)
            : h('span', { class: 'news-title' }, title),
          h('div', { class: 'news-meta' },
            fresh ? h('span', { class: 'pill pill-new' }, 'New') : null,
            h('span', { class: 'news-source', testid: 'news-source' }, String(it.source ?? '')),
            h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'),
            agoEl(it.published_at, '', 'news-time')));
      })));
  }

  return { card, root: card.root, rooms: () => [ROOM], render };
}
