import { html, type SafeHtml } from '../html.js'

/** The sign-in form for TCP visitors: a token, checked once, exchanged for a session cookie. */
export function loginPage(next: string, error: string | undefined): SafeHtml {
  return html`<h1>Sign in</h1>${error === undefined ? '' : html`<p class="alert" role="alert">${error}</p>`}
<form class="stack" method="post" action="/login"><input type="hidden" name="next" value="${next}">
<label for="token">Access token (scope read or admin)</label><input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button></form>
<p class="muted">The token is checked once; the browser keeps only a random session id.</p>`
}
