// pages/login.js — the "Log in" form (SPEC §9) and the page that accepts an invitation.
//
// Login posts {email, password} to /api/session; the server sets the HttpOnly session cookie and
// answers the CSRF token, which api.js keeps for this tab. The password never leaves the form
// except in that one request, and is cleared from the input once used.

import { h, field, showErrors, clearErrors, notice } from '../dom.js';
import { post, setCsrfToken } from '../api.js';
import { loadMe } from '../state.js';

export function renderLogin(ctx, { message, onLoggedIn }) {
  const email = field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'username',
    required: true, autofocus: true });
  const password = field({ label: 'Password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary wide' }, 'Log in');
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    email.wrap, password.wrap, submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { email: email.input.value.trim(), password: password.input.value };
    const missing = [];
    if (!body.email) missing.push({ field: 'email', message: 'Enter your email.' });
    if (!body.password) missing.push({ field: 'password', message: 'Enter your password.' });
    if (missing.length) {
      showErrors(form, { message: 'Fill in both fields.', details: missing });
      return;
    }
    submit.disabled = true;
    try {
      const res = await post('/api/session', body);
      password.input.value = '';
      setCsrfToken(res.csrfToken);
      await loadMe();
      onLoggedIn();
    } catch (err) {
      if (err.status === 401) {
        err.message = 'The email or password is not correct.';
      }
      showErrors(form, err);
      password.input.value = '';
      password.input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  ctx.main.append(h('div', { class: 'login' },
    h('div', { class: 'card login-card' },
      h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'accessd'),
      h('h1', { id: 'login-title', tabindex: '-1' }, 'Log in'),
      message ? notice('info', message) : null,
      form)));
  email.input.focus();
}

// #/accept-invitation/<token>: display name and password, then the user logs in.
export function renderAcceptInvitation(ctx, token) {
  const name = field({ label: 'Display name', name: 'displayName', autocomplete: 'name',
    required: true, autofocus: true });
  const password = field({ label: 'Password', name: 'password', type: 'password',
    autocomplete: 'new-password', required: true, hint: 'At least 12 characters.' });
  const submit = h('button', { type: 'submit', class: 'btn primary wide' }, 'Accept invitation');
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }), name.wrap, password.wrap, submit);
  const card = h('div', { class: 'card login-card' },
    h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'accessd'),
    h('h1', { tabindex: '-1' }, 'Accept invitation'), form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const res = await post('/api/invitations/accept', { token,
        displayName: name.input.value.trim(), password: password.input.value });
      password.input.value = '';
      card.replaceChildren(h('h1', { tabindex: '-1' }, 'Welcome'),
        notice('success', `Your account ${res.user.email} is ready.`),
        h('p', null, h('a', { href: '#/login', class: 'btn primary' }, 'Log in')));
    } catch (err) {
      showErrors(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  ctx.main.append(h('div', { class: 'login' }, card));
  name.input.focus();
}
