// dom.js — the only way the dashboard builds markup, plus the small widgets every page uses
// (fields, dialogs, confirmations, tables, form errors).
//
// Elements come from document.createElement and text from text nodes / textContent. Nothing here,
// nor anywhere under web/, assigns innerHTML or outerHTML or parses an HTML string, so a value a
// user typed can never turn into markup (SPEC §9). The server's Content-Security-Policy forbids
// inline scripts and style attributes, so this file styles by class only and never sets `style`.

let uidCounter = 0;

// A document-unique id for <label for> / aria-describedby pairs.
export function uid(prefix = 'f') {
  uidCounter += 1;
  return `${prefix}-${uidCounter}`;
}

// Properties set as DOM properties (state), not attributes.
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'open', 'readOnly',
  'required', 'multiple', 'indeterminate']);

// h('button', {class: 'btn', onclick: fn}, 'Text', child, [more]) — children that are strings or
// numbers become text nodes; null, undefined and false are skipped; arrays are flattened.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'style' || k === 'innerHTML' || k === 'outerHTML') {
        // CSP blocks style attributes; HTML strings are never used (see above).
        throw new Error(`h(): ${k} is not allowed`);
      }
      if (k === 'class') {
        el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      } else if (k === 'text') {
        el.textContent = String(v);
      } else if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (PROPS.has(k)) {
        el[k] = v;
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function fmtTime(iso, never = '—') {
  if (!iso) return never;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return dateFmt.format(d);
}

// A <time> element: the local time as text, the exact RFC 3339 value as its title.
export function timeEl(iso, never = '—') {
  if (!iso) return h('span', { class: 'muted' }, never);
  return h('time', { datetime: iso, title: iso }, fmtTime(iso));
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Form fields. Every input has a <label for> tied to it and a `name` that matches the API field,
// so that error details ({field, message}) land next to the right input.

export function field({ label, name, type = 'text', value = '', required = false, hint,
  placeholder, autocomplete, options, rows, autofocus, id }) {
  const inputId = id || uid(name || 'f');
  let input;
  if (type === 'select') {
    input = h('select', { id: inputId, name, required });
    for (const o of options || []) {
      input.appendChild(h('option', { value: o.value, selected: o.value === value,
        disabled: o.disabled }, o.label));
    }
    if (value !== undefined && value !== '') input.value = value;
  } else if (type === 'textarea') {
    input = h('textarea', { id: inputId, name, required, rows: rows || 4, placeholder,
      spellcheck: 'false' });
    input.value = value;
  } else {
    input = h('input', { id: inputId, name, type, value, required, placeholder, autocomplete });
  }
  if (autofocus) input.setAttribute('autofocus', '');
  const hintEl = hint ? h('p', { class: 'hint', id: `${inputId}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  const wrap = h('div', { class: 'field' }, h('label', { for: inputId }, label), input, hintEl);
  return { wrap, input };
}

// A checkbox with its label after it.
export function checkbox({ label, name, value, checked = false, disabled = false, title }) {
  const id = uid(name || 'cb');
  const input = h('input', { type: 'checkbox', id, name, value, checked, disabled });
  const wrap = h('div', { class: 'check', title }, input, h('label', { for: id }, label));
  return { wrap, input };
}

// A group of checkboxes in a fieldset; `selected()` answers the checked values.
export function checkboxGroup({ legend, name, items, checked = [], empty = 'Nothing to choose.' }) {
  const set = new Set(checked);
  const boxes = items.map((it) => checkbox({ label: it.label, name, value: it.value,
    checked: set.has(it.value) }));
  const fs = h('fieldset', { class: 'checks', dataset: { field: name } },
    h('legend', null, legend),
    boxes.length ? boxes.map((b) => b.wrap) : h('p', { class: 'muted' }, empty));
  return {
    wrap: fs,
    selected: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value),
  };
}

// ---------------------------------------------------------------------------------------------
// Errors next to forms. `err` is an ApiError (api.js) or any Error.

export function clearErrors(form) {
  for (const n of form.querySelectorAll('.field-error')) n.remove();
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  const box = form.querySelector(':scope .form-error');
  if (box) {
    clear(box);
    box.hidden = true;
  }
}

function findFieldTarget(form, fieldName) {
  if (!fieldName) return null;
  // "policy.sources.edit.ids[2]" → that, "policy.sources.edit.ids", "policy.sources.edit", …
  const candidates = [fieldName];
  let rest = fieldName;
  for (;;) {
    const cut = Math.max(rest.lastIndexOf('.'), rest.lastIndexOf('['));
    if (cut <= 0) break;
    rest = rest.slice(0, cut);
    candidates.push(rest);
  }
  for (const c of candidates) {
    const esc = CSS.escape(c);
    // A group (a fieldset of checkboxes named like the field) wins over its first checkbox.
    const el = form.querySelector(`[data-field="${esc}"]`) || form.querySelector(`[name="${esc}"]`);
    if (el) return el;
  }
  return null;
}

// Shows an API error: each details[] entry next to its field when the form has one, the rest
// (and the message) in the form's .form-error box.
export function showErrors(form, err) {
  clearErrors(form);
  let box = form.querySelector(':scope .form-error');
  if (!box) {
    box = h('div', { class: 'form-error', role: 'alert' });
    form.prepend(box);
  }
  const details = (err && err.details) || [];
  const loose = [];
  for (const d of details) {
    const target = findFieldTarget(form, d.field);
    if (!target) {
      loose.push(d.field ? `${d.field}: ${d.message}` : d.message);
      continue;
    }
    const msg = h('p', { class: 'field-error', id: uid('err') }, d.message);
    const isInput = target.matches('input, select, textarea');
    const wrap = isInput ? target.closest('.field, .check, fieldset') || target.parentNode : target;
    wrap.appendChild(msg);
    if (isInput) {
      target.setAttribute('aria-invalid', 'true');
      const prev = target.getAttribute('aria-describedby');
      target.setAttribute('aria-describedby', prev ? `${prev} ${msg.id}` : msg.id);
    }
  }
  append(box, [h('p', null, (err && err.message) || 'Something went wrong.')]);
  if (loose.length) append(box, [h('ul', null, loose.map((l) => h('li', null, l)))]);
  box.hidden = false;
}

// A calm message box for a page or section: kind is 'error', 'info' or 'success'.
export function notice(kind, ...text) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
}

export function errorNotice(err) {
  const lines = [h('p', null, (err && err.message) || String(err))];
  for (const d of (err && err.details) || []) {
    lines.push(h('p', { class: 'small' }, d.field ? `${d.field}: ${d.message}` : d.message));
  }
  return notice('error', ...lines);
}

// ---------------------------------------------------------------------------------------------
// Dialogs. A dialog lives in the DOM only while it is open: closing it (button, Escape) removes
// the element, so nothing shown in it (token secrets included) stays on the page.

export function openDialog({ title, wide = false, onClose }) {
  const titleId = uid('dlg-title');
  const body = h('div', { class: 'dialog-body' });
  const dialog = h('dialog', { class: ['dialog', wide && 'wide'], 'aria-labelledby': titleId },
    h('header', { class: 'dialog-head' }, h('h2', { id: titleId }, title)), body);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    clear(dialog);
    dialog.remove();
    if (onClose) onClose();
  };
  dialog.addEventListener('close', close);
  document.body.appendChild(dialog);
  dialog.showModal();
  return {
    dialog,
    body,
    close,
    setTitle: (t) => { dialog.querySelector(`#${titleId}`).textContent = t; },
    // Replaces the content and focuses the first control (or the autofocus one).
    setBody: (...nodes) => {
      clear(body);
      append(body, nodes);
      focusFirst(body);
    },
  };
}

export function focusFirst(root) {
  const el = root.querySelector('[autofocus]') ||
    root.querySelector('input:not([type=hidden]):not([disabled]), select, textarea, button:not([disabled])');
  if (el) el.focus();
}

// A dialog with a form: `build(form)` adds the fields; `submit(form)` is awaited on submit and
// its errors are shown next to the fields. Answers the dialog handle.
export function formDialog({ title, wide, submitLabel, build, submit, cancelLabel = 'Cancel' }) {
  const d = openDialog({ title, wide });
  const form = h('form', { class: 'form', novalidate: true });
  form.appendChild(h('div', { class: 'form-error', role: 'alert', hidden: true }));
  build(form, d);
  const submitBtn = h('button', { type: 'submit', class: 'btn primary' }, submitLabel);
  form.appendChild(h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'btn', onclick: () => d.close() }, cancelLabel),
    submitBtn));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    submitBtn.disabled = true;
    try {
      await submit(form, d);
    } catch (err) {
      if (form.isConnected) showErrors(form, err);
    } finally {
      submitBtn.disabled = false;
    }
  });
  d.setBody(form);
  return d;
}

// Asks before a destructive action. Resolves true when confirmed.
export function confirmDialog({ title, message, confirmLabel = 'Delete', danger = true }) {
  return new Promise((resolve) => {
    let answered = false;
    const d = openDialog({ title, onClose: () => { if (!answered) resolve(false); } });
    const yes = h('button', { type: 'button', class: ['btn', danger ? 'danger' : 'primary'],
      onclick: () => { answered = true; resolve(true); d.close(); } }, confirmLabel);
    const no = h('button', { type: 'button', class: 'btn', autofocus: true,
      onclick: () => d.close() }, 'Cancel');
    d.setBody(h('p', null, message), h('div', { class: 'actions' }, no, yes));
    no.focus();
  });
}

// ---------------------------------------------------------------------------------------------
// Tables

// columns: [{label, cell: (row) => Node|string, class}], rows: array. Answers a <table>.
// `rowAttrs(row)` may add attributes to each <tr> (e.g. {dataset: {id}}).
export function table(columns, rows, { empty = 'Nothing here yet.', caption, rowAttrs } = {}) {
  const thead = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', { scope: 'col', class: c.class }, c.label))));
  const tbody = h('tbody');
  if (!rows.length) {
    tbody.appendChild(h('tr', { class: 'empty' },
      h('td', { colspan: columns.length }, empty)));
  }
  for (const r of rows) {
    tbody.appendChild(h('tr', rowAttrs ? rowAttrs(r) : null,
      columns.map((c) => h('td', { class: c.class }, c.cell(r)))));
  }
  return h('div', { class: 'table-wrap' },
    h('table', null, caption ? h('caption', { class: 'sr-only' }, caption) : null, thead, tbody));
}

// A button that may be disabled with the reason as its tooltip (title) — SPEC §9: controls the
// caller may not use are disabled and say which permission is missing.
export function button(label, onclick, { kind, allowed = { ok: true }, small = true, type = 'button',
  ariaLabel } = {}) {
  const b = h('button', {
    type,
    class: ['btn', kind, small && 'small'],
    onclick: allowed.ok ? onclick : undefined,
    disabled: !allowed.ok,
    title: allowed.ok ? undefined : allowed.why,
    'aria-label': ariaLabel,
  }, label);
  return b;
}

// Copies text to the clipboard. Answers true on success.
export async function copyText(text, node) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (_) {
    // Fall through to the selection-based copy (clipboard permission denied).
  }
  try {
    const sel = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(node);
    sel.removeAllRanges();
    sel.addRange(range);
    const ok = document.execCommand('copy');
    sel.removeAllRanges();
    return ok;
  } catch (_) {
    return false;
  }
}
