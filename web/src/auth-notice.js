// The banner that says what is wrong with access: a refused or expired
// token, a refresh that failed, a gateway that needs a token. Hidden while
// the token is fine (or none is needed).
import { h, setText } from './lib/dom.js';
import { lockIcon } from './lib/icons.js';

const QUIET = new Set(['anonymous', 'authed']);

export function authNotice(auth) {
  const text = h('span', { class: 'auth-notice-text' });
  const root = h('div', { class: 'notice auth-notice', testid: 'auth-notice', role: 'alert', hidden: true },
    lockIcon(16), text);

  function render({ state, message }) {
    root.dataset.state = state;
    root.hidden = QUIET.has(state) || !message;
    setText(text, message ?? '');
  }

  auth.addEventListener('status', (e) => render(e.detail));
  render(auth.status);
  return { root };
}
