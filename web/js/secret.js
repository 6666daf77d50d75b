// secret.js — the show-once panel for a newly generated token or invitation (SPEC §2, §9).
//
// The secret exists on the page in exactly one text node. "Copy" reads it from there; "Close"
// empties that node and removes the panel (and the dialog holding it) from the document, so the
// value is gone from the page for good. Callers pass the secret straight from the API answer and
// keep no other reference to it.

import { h, copyText, uid } from './dom.js';

// Answers the panel element. `onClose` runs after the panel is removed.
export function secretPanel({ secret, label = 'Token', tokenId, onClose,
  warning = 'Copy this token now. For your security it will not be shown again.' }) {
  const valueId = uid('secret');
  const code = h('code', { class: 'secret-value', id: valueId }, secret);
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = h('button', { type: 'button', class: 'btn', 'aria-describedby': valueId,
    onclick: async () => {
      const ok = await copyText(code.textContent, code);
      status.textContent = ok ? 'Copied.' : 'Could not copy: select the value and copy it by hand.';
    } }, 'Copy');
  const panel = h('section', { class: 'secret-panel', 'aria-label': `New ${label.toLowerCase()}` },
    h('p', { class: 'warning', role: 'alert' }, warning),
    tokenId ? h('p', { class: 'small muted' }, 'Key ID: ', h('code', null, tokenId)) : null,
    h('div', { class: 'field' }, h('span', { class: 'label' }, label),
      h('div', { class: 'secret-row' }, code, copy)),
    status);
  const close = h('button', { type: 'button', class: 'btn primary',
    onclick: () => {
      code.textContent = '';
      panel.replaceChildren();
      panel.remove();
      if (onClose) onClose();
    } }, 'Close');
  panel.appendChild(h('div', { class: 'actions' }, close));
  return panel;
}
