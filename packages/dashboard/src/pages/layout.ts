import { html, type SafeHtml } from '../html.js'

/** What frames a page besides its content. */
export interface Chrome {
  readonly title: string
  /** Show the signed-in navigation (overview link, sign-out form with this CSRF token). */
  readonly nav?: { readonly csrf: string | undefined }
  /** The Server-Sent Events URL that keeps the page's `#live` region fresh. */
  readonly events?: string
}

/** A whole HTML document: landmarks, skip link, the served stylesheet and script. */
export function layout(chrome: Chrome, main: SafeHtml): string {
  const nav = chrome.nav
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">
<title>${chrome.title} · Timon</title><link rel="stylesheet" href="/assets/dashboard.css"><script src="/assets/dashboard.js" defer></script></head>
<body data-events="${chrome.events ?? ''}"><a class="skip" href="#main">Skip to content</a>
<header><a class="brand" href="${nav === undefined ? '/status' : '/'}">Timon</a>${
    nav === undefined
      ? ''
      : html`<nav aria-label="Main"><a href="/">Overview</a>${
          nav.csrf === undefined
            ? ''
            : html`<form method="post" action="/logout"><input type="hidden" name="csrf" value="${nav.csrf}"><button type="submit">Sign out</button></form>`
        }</nav>`
  }<span id="updated" class="muted" aria-live="polite"></span></header>
<main id="main">${main}</main></body></html>`.text
}
