import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import {
  MAX_INCIDENT_PAGE_SIZE,
  validateCode,
  validateUid,
  type Clock,
  type CoreError,
  type Monitor,
} from '@timon/core'
import { canRead, coversCode, isAdmin, LOCAL_ADMIN, type Access } from './access.js'
import { ASSETS } from './assets.js'
import { badgeOf, badgeSvg, shieldsEndpoint } from './badge.js'
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.js'
import { html, type SafeHtml } from './html.js'
import { readForm, redirect, send, sendHtml } from './http-io.js'
import { LiveUpdates, type LiveUpdatesOptions } from './live-updates.js'
import { DashboardMetrics } from './metrics.js'
import { overviewQuerySchema } from './overview-filter.js'
import { loadOverview, subjectRowOf, type SubjectRow } from './overview-model.js'
import { incidentPage } from './pages/incident-page.js'
import { layout, type Chrome } from './pages/layout.js'
import { loginPage } from './pages/login-page.js'
import { liveRowsFragment, overviewPage } from './pages/overview-page.js'
import { subjectHref } from './pages/parts.js'
import { statusPage } from './pages/status-page.js'
import { jobPage, probePage, type SelectedRun } from './pages/subject-page.js'
import type { ReadLog } from './read-log.js'
import { csrfMatches, SessionStore, type Session } from './sessions.js'

/** Where a request came from, as the daemon knows it. */
export interface RequestContext {
  /** `socket`: the local Unix socket (trusted: admin of everything); `tcp`: the network listener. */
  readonly via: 'socket' | 'tcp'
  /** What the daemon resolved from an `Authorization: Bearer` header, if the request had a valid one. */
  readonly access?: Access
  /** `true` when the connection is TLS, so the session cookie is marked `Secure`. */
  readonly secure?: boolean
}

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  readonly monitor: Monitor
  /** The source of "now" for ages and sessions; defaults to the monitor's clock. */
  readonly clock?: Clock
  /** Resolves a token typed on the sign-in page; `undefined` when unknown, expired or revoked. The daemon owns tokens. */
  readonly authorize: (token: string) => Promise<Access | undefined>
  /** Serve `/status` to anyone, for {@link publicCodes} (`[http] public_status`, default off). */
  readonly publicStatus?: boolean
  /** Code globs (`web.*`) shown on `/status` and whose badges need no token (`[http] public_codes`). */
  readonly publicCodes?: readonly string[]
  /** Serve `/metrics` without a token (`[http] public_metrics`, default off). */
  readonly publicMetrics?: boolean
  /** Reads run logs for the job page's log viewer; without it the viewer says there is no log. */
  readonly readLog?: ReadLog
  /** Session lifetime in milliseconds (default 12 h). */
  readonly sessionTtlMs?: number
  /** Sessions kept at most (default 10,000). */
  readonly maxSessions?: number
  /** Samples/runs in each history strip (default 20). */
  readonly stripLength?: number
  /** Timing of the live updates. */
  readonly live?: LiveUpdatesOptions
  /** Told about unexpected errors, which are answered with a 500 page. */
  readonly onError?: (error: unknown) => void
}

/** The dashboard as the daemon mounts it. */
export interface Dashboard {
  /**
   * Answers a request for a dashboard path (`/`, `/probes/…`, `/jobs/…`, `/incidents/…`, `/login`,
   * `/logout`, `/status`, `/metrics`, `/badge/…`, `/events`, `/assets/…`) and resolves `true`; resolves
   * `false` without touching `res` for any other path, for the daemon to answer.
   */
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<boolean>
  /**
   * Tells open pages that something changed (a push, a run, an incident); they refresh within a
   * moment. With `codes` (a push of these probes/jobs changed nothing else but incidents), the
   * overview fetches just their rows and the open incidents instead of the whole page.
   */
  notifyChange(codes?: readonly string[]): void
  /** Counters the daemon feeds, exposed on `/metrics`. */
  readonly metrics: DashboardMetrics
  /** Ends the open event streams and timers. */
  close(): void
}

/** Creates the dashboard handler. */
export function createDashboard(options: DashboardOptions): Dashboard {
  return new DashboardHandler(options)
}

// --- internal ---

const FORM_LIMIT = 16 * 1024
const LOG_CHUNK = 64 * 1024

const ERROR_STATUS: Record<CoreError['code'], number> = { validation: 400, not_found: 404, conflict: 409, too_old: 422 }

const logQuerySchema = z.object({ from: z.coerce.number().int().min(0).catch(0).default(0) })
const liveRowsQuerySchema = z.object({ since: z.coerce.number().int().min(0).catch(0).default(0) })

/** One request being answered, with who asks. */
interface Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly url: URL
  readonly ctx: RequestContext
  readonly session: Session | undefined
  /** The socket's admin, the bearer token's access, or the session's. */
  readonly access: Access | undefined
}

class DashboardHandler implements Dashboard {
  readonly metrics: DashboardMetrics
  readonly #options: DashboardOptions
  readonly #monitor: Monitor
  readonly #clock: Clock
  readonly #sessions: SessionStore
  readonly #live: LiveUpdates
  readonly #ttlMs: number

  constructor(options: DashboardOptions) {
    this.#options = options
    this.#monitor = options.monitor
    this.#clock = options.clock ?? options.monitor.clock
    this.#ttlMs = options.sessionTtlMs ?? 12 * 3600_000
    this.#sessions = new SessionStore({ clock: this.#clock, ttlMs: this.#ttlMs, max: options.maxSessions ?? 10_000 })
    this.#live = new LiveUpdates(options.live)
    this.metrics = new DashboardMetrics(this.#clock)
  }

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://dashboard')
    const route = this.#route(req.method ?? 'GET', url.pathname)
    if (route === undefined) return false
    const session = this.#sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE))
    const access = ctx.via === 'socket' ? LOCAL_ADMIN : (ctx.access ?? session?.access)
    try {
      await route({ req, res, url, ctx, session, access })
    } catch (error) {
      this.#options.onError?.(error)
      if (!res.headersSent)
        sendHtml(res, 500, layout({ title: 'Error' }, html`<h1>Something went wrong</h1><p>The error was logged.</p>`))
      else res.destroy()
    }
    return true
  }

  notifyChange(codes?: readonly string[]): void {
    this.#live.notify(codes)
  }

  close(): void {
    this.#live.close()
  }

  /** The handler of a method and path, or `undefined` when the path is not the dashboard's. */
  #route(method: string, path: string): ((x: Exchange) => Promise<void>) | undefined {
    const get = method === 'GET' || method === 'HEAD'
    const post = method === 'POST'
    const asset = ASSETS.get(path)
    if (asset !== undefined)
      return get
        ? async (x) => send(x.res, 200, asset.contentType, asset.body, { 'Cache-Control': 'no-cache' })
        : notAllowed('GET')
    let m: RegExpMatchArray | null
    if (path === '/') return get ? (x) => this.#overview(x) : notAllowed('GET')
    if ((m = /^\/(probes|jobs)\/([^/]+)$/.exec(path)) !== null) {
      const [, kind, code] = m
      return get ? (x) => this.#subject(x, kind === 'probes' ? 'probe' : 'job', decode(code)) : notAllowed('GET')
    }
    if ((m = /^\/jobs\/([^/]+)\/runs\/([^/]+)\/log$/.exec(path)) !== null) {
      const [, code, uid] = m
      return get ? (x) => this.#log(x, decode(code), decode(uid)) : notAllowed('GET')
    }
    if ((m = /^\/incidents\/([1-9][0-9]{0,15})$/.exec(path)) !== null) {
      const id = Number(m[1])
      return get ? (x) => this.#incident(x, id) : notAllowed('GET')
    }
    if ((m = /^\/incidents\/([1-9][0-9]{0,15})\/(resolve|annotate)$/.exec(path)) !== null) {
      const [, id, action] = m
      return post ? (x) => this.#act(x, Number(id), action === 'resolve' ? 'resolve' : 'annotate') : notAllowed('POST')
    }
    if (path === '/login')
      return get ? (x) => this.#loginForm(x) : post ? (x) => this.#login(x) : notAllowed('GET, POST')
    if (path === '/logout') return post ? (x) => this.#logout(x) : notAllowed('POST')
    if (path === '/status' && this.#options.publicStatus === true)
      return get ? (x) => this.#status(x) : notAllowed('GET')
    if (path === '/metrics') return get ? (x) => this.#metrics(x) : notAllowed('GET')
    if ((m = /^\/badge\/([^/]+)\.(svg|json)$/.exec(path)) !== null) {
      const [, code, format] = m
      return get ? (x) => this.#badge(x, decode(code), format === 'svg' ? 'svg' : 'json') : notAllowed('GET')
    }
    if (path === '/events') return get ? (x) => this.#events(x) : notAllowed('GET')
    if (path === '/live/rows') return get ? (x) => this.#liveRows(x) : notAllowed('GET')
    return undefined
  }

  // --- pages ---

  async #overview(x: Exchange): Promise<void> {
    if (!this.#mayRead(x)) return
    const overview = await loadOverview(this.#monitor, x.access, this.#stripLength)
    if (overview.isErr()) return this.#coreError(x, overview.error)
    const query = overviewQuerySchema.parse(Object.fromEntries(x.url.searchParams))
    this.#page(x, 200, { title: 'Overview', events: '/events' }, overviewPage(overview.value, query, this.#clock.now()))
  }

  async #subject(x: Exchange, kind: 'probe' | 'job', code: string | undefined): Promise<void> {
    if (!this.#mayRead(x)) return
    if (code === undefined || validateCode(code).isErr() || !coversCode(x.access, code)) return this.#notFound(x)
    const view = await this.#monitor.showContract(code, { limit: 50 })
    if (view.isErr()) return this.#coreError(x, view.error)
    const { contract } = view.value
    if (contract.kind !== kind) return redirect(x.res, subjectHref(contract))
    const { flags } = subjectRowOf(view.value, this.#stripLength)
    const now = this.#clock.now()
    const chrome = { title: code, events: '/events' }
    if (kind === 'probe') return this.#page(x, 200, chrome, probePage(view.value, flags, now))
    const uid = x.url.searchParams.get('run') ?? view.value.reports[0]?.report.uid
    const selected = uid === undefined || validateUid(uid).isErr() ? undefined : await this.#selectedRun(code, uid)
    this.#page(x, 200, chrome, jobPage(view.value, flags, selected, now))
  }

  async #log(x: Exchange, code: string | undefined, uid: string | undefined): Promise<void> {
    if (!canRead(x.access)) return send(x.res, 401, 'text/plain; charset=utf-8', 'sign in first\n')
    const readLog = this.#options.readLog
    if (code === undefined || uid === undefined || readLog === undefined || !coversCode(x.access, code))
      return this.#notFound(x)
    const view = await this.#monitor.showReport(code, uid)
    const run = view.isOk() && view.value.report.kind === 'run' ? view.value.report : undefined
    if (run?.logPath === null || run === undefined) return this.#notFound(x)
    const { from } = logQuerySchema.parse(Object.fromEntries(x.url.searchParams))
    const chunk = await readLog({ code, uid, logPath: run.logPath, running: run.endedAt === null }, from, LOG_CHUNK)
    if (chunk === undefined) return this.#notFound(x)
    send(x.res, 200, 'text/plain; charset=utf-8', chunk.text, {
      'X-Timon-Log-Next': String(chunk.next),
      'X-Timon-Log-Complete': String(chunk.complete),
    })
  }

  async #incident(x: Exchange, id: number, error?: { status: number; message: string }): Promise<void> {
    if (!this.#mayRead(x)) return
    const view = await this.#monitor.showIncident(id)
    if (view.isErr()) return this.#coreError(x, view.error)
    const code = view.value.contractCode
    if (!coversCode(x.access, code)) return this.#notFound(x)
    const row = code === null ? undefined : await this.#subjectRow(code)
    const subject = row === undefined ? undefined : { code: row.code, href: subjectHref(row) }
    // An admin gets a session (socket and bearer callers too) so that the forms carry a CSRF token.
    const session = isAdmin(x.access) ? (x.session ?? this.#startSession(x, x.access)) : undefined
    const actions = error === undefined ? { csrf: session?.csrf } : { csrf: session?.csrf, error: error.message }
    const main = incidentPage(view.value, subject, actions, this.#clock.now())
    this.#page(x, error?.status ?? 200, { title: `INC-${id}`, events: '/events' }, main)
  }

  async #act(x: Exchange, id: number, action: 'resolve' | 'annotate'): Promise<void> {
    const form = await readForm(x.req, FORM_LIMIT)
    const session = x.session
    // Actions need a session: a cross-site form cannot send its SameSite=Strict cookie, nor know its token.
    if (form === undefined || session === undefined || !csrfMatches(session, form.get('csrf') ?? '')) {
      return sendHtml(
        x.res,
        403,
        layout(
          { title: 'Refused' },
          html`<h1>Refused</h1><p>The form has expired. <a href="/incidents/${id}">Reload the incident</a> and try again.</p>`,
        ),
      )
    }
    if (!isAdmin(session.access))
      return sendHtml(
        x.res,
        403,
        layout({ title: 'Refused' }, html`<h1>Refused</h1><p>Resolving and annotating need the admin scope.</p>`),
      )
    const shown = await this.#monitor.showIncident(id)
    if (shown.isErr() || !coversCode(session.access, shown.value.contractCode)) return this.#notFound(x)
    const note = form.get('note')?.trim() ?? ''
    const result =
      action === 'resolve'
        ? await this.#monitor.resolve(note === '' ? { id } : { id, note })
        : await this.#monitor.annotate({ id, note })
    if (result.isErr())
      return this.#incident({ ...x, session }, id, {
        status: ERROR_STATUS[result.error.code],
        message: result.error.message,
      })
    this.notifyChange()
    redirect(x.res, `/incidents/${id}`)
  }

  async #loginForm(x: Exchange): Promise<void> {
    if (canRead(x.access)) return redirect(x.res, '/')
    this.#page(x, 200, { title: 'Sign in' }, loginPage(safeNext(x.url.searchParams.get('next')), undefined))
  }

  async #login(x: Exchange): Promise<void> {
    const form = await readForm(x.req, FORM_LIMIT)
    const next = safeNext(form?.get('next'))
    const token = form?.get('token')?.trim() ?? ''
    const access = token === '' ? undefined : await this.#options.authorize(token)
    if (!canRead(access)) {
      const message = access === undefined ? 'That token is not valid.' : 'That token has no read scope.'
      return this.#page(x, access === undefined ? 401 : 403, { title: 'Sign in' }, loginPage(next, message))
    }
    if (x.session !== undefined) this.#sessions.delete(x.session.id)
    const session = this.#startSession(x, access)
    redirect(x.res, next, { 'Set-Cookie': this.#cookieFor(x, session) })
  }

  async #logout(x: Exchange): Promise<void> {
    const form = await readForm(x.req, FORM_LIMIT)
    if (x.session !== undefined && form !== undefined && csrfMatches(x.session, form.get('csrf') ?? ''))
      this.#sessions.delete(x.session.id)
    redirect(x.res, '/login', { 'Set-Cookie': clearedSessionCookie(x.ctx.secure === true) })
  }

  async #status(x: Exchange): Promise<void> {
    const overview = await loadOverview(this.#monitor, this.#publicAccess, this.#stripLength)
    if (overview.isErr()) return this.#coreError(x, overview.error)
    sendHtml(x.res, 200, layout({ title: 'Status', events: '/events' }, statusPage(overview.value, this.#clock.now())))
  }

  async #metrics(x: Exchange): Promise<void> {
    const open = this.#options.publicMetrics === true
    if (!open && !canRead(x.access))
      return send(x.res, 401, 'text/plain; charset=utf-8', 'needs a token with the read scope\n')
    const access = open || x.access === undefined ? LOCAL_ADMIN : x.access
    const overview = await loadOverview(this.#monitor, access, 1)
    if (overview.isErr()) return this.#coreError(x, overview.error)
    send(x.res, 200, this.metrics.contentType, await this.metrics.render(overview.value, access.codes !== undefined))
  }

  async #badge(x: Exchange, code: string | undefined, format: 'svg' | 'json'): Promise<void> {
    const isPublic = code !== undefined && coversCode(this.#publicAccess, code)
    const access = isPublic ? this.#publicAccess : x.access
    if (code === undefined || !canRead(access) || !coversCode(access, code))
      return send(x.res, 401, 'text/plain; charset=utf-8', 'needs a token with the read scope\n')
    const row = await this.#subjectRow(code)
    if (row === undefined) return this.#notFound(x)
    const badge = badgeOf(row)
    const cache = { 'Cache-Control': 'no-cache' }
    if (format === 'json')
      return send(x.res, 200, 'application/json; charset=utf-8', JSON.stringify(shieldsEndpoint(badge)), cache)
    send(x.res, 200, 'image/svg+xml; charset=utf-8', badgeSvg(badge).text, cache)
  }

  async #events(x: Exchange): Promise<void> {
    if (!canRead(x.access) && this.#options.publicStatus !== true)
      return send(x.res, 401, 'text/plain; charset=utf-8', 'sign in first\n')
    this.#live.attach(x.req, x.res)
  }

  /**
   * The overview's rows of the codes changed since the page's version (`?since=`), and its open
   * incidents, for the script to swap in; `X-Timon-Live-Full: true` when the page must fetch all.
   */
  async #liveRows(x: Exchange): Promise<void> {
    const access = x.access
    if (!canRead(access)) return send(x.res, 401, 'text/plain; charset=utf-8', 'sign in first\n')
    const { since } = liveRowsQuerySchema.parse(Object.fromEntries(x.url.searchParams))
    const changed = this.#live.changedSince(since)
    const headers = {
      'X-Timon-Live-Version': String(changed.version),
      'X-Timon-Live-Full': String(changed.codes === 'all'),
    }
    if (changed.codes === 'all') return send(x.res, 200, 'text/html; charset=utf-8', '', headers)
    const rows: SubjectRow[] = []
    for (const code of changed.codes.filter((each) => coversCode(access, each))) {
      const view = await this.#monitor.showContract(code, { limit: this.#stripLength })
      if (view.isOk()) rows.push(subjectRowOf(view.value, this.#stripLength))
    }
    const active = await this.#monitor.queryIncidents({
      state: ['open', 'recovered', 'relapsed'],
      limit: MAX_INCIDENT_PAGE_SIZE,
    })
    if (active.isErr()) return this.#coreError(x, active.error)
    const incidents = active.value.incidents
      .filter((incident) => coversCode(access, incident.code))
      .map((incident) => ({ incident, code: incident.code }))
    send(x.res, 200, 'text/html; charset=utf-8', liveRowsFragment(incidents, rows, this.#clock.now()).text, headers)
  }

  // --- helpers ---

  get #stripLength(): number {
    return this.#options.stripLength ?? 20
  }

  /** What an anonymous visitor may read: the public codes (none when the list is empty). */
  get #publicAccess(): Access {
    return { scope: 'read', codes: this.#options.publicCodes ?? [] }
  }

  /** Whether the caller may read pages; if not, answers (sign-in redirect or 403) and returns `false`. */
  #mayRead(x: Exchange): x is Exchange & { access: Access } {
    if (canRead(x.access)) return true
    if (x.access !== undefined) {
      sendHtml(x.res, 403, layout({ title: 'Forbidden' }, html`<h1>Forbidden</h1><p>This token has no read scope.</p>`))
      return false
    }
    redirect(x.res, `/login?next=${encodeURIComponent(x.url.pathname + x.url.search)}`)
    return false
  }

  async #subjectRow(code: string): Promise<SubjectRow | undefined> {
    const view = await this.#monitor.showContract(code, { limit: this.#stripLength })
    return view.isOk() ? subjectRowOf(view.value, this.#stripLength) : undefined
  }

  async #selectedRun(code: string, uid: string): Promise<SelectedRun | undefined> {
    const view = await this.#monitor.showReport(code, uid)
    if (view.isErr() || view.value.report.kind !== 'run') return undefined
    const run = view.value.report
    const readLog = this.#options.readLog
    const log =
      readLog === undefined || run.logPath === null
        ? undefined
        : await readLog({ code, uid, logPath: run.logPath, running: run.endedAt === null }, 0, LOG_CHUNK)
    return { view: view.value, log }
  }

  #startSession(x: Exchange, access: Access): Session {
    const session = this.#sessions.create(access)
    x.res.setHeader('Set-Cookie', this.#cookieFor(x, session))
    return session
  }

  #cookieFor(x: Exchange, session: Session): string {
    return sessionCookie(session.id, { maxAgeSeconds: Math.floor(this.#ttlMs / 1000), secure: x.ctx.secure === true })
  }

  /** Sends a page; signed-in callers get the navigation (and, over TCP, a sign-out form). */
  #page(x: Exchange, status: number, chrome: Omit<Chrome, 'nav'>, main: SafeHtml): void {
    const nav = canRead(x.access) ? { nav: { csrf: x.ctx.via === 'tcp' ? x.session?.csrf : undefined } } : {}
    sendHtml(x.res, status, layout({ ...chrome, ...nav }, main))
  }

  #notFound(x: Exchange): void {
    sendHtml(
      x.res,
      404,
      layout({ title: 'Not found' }, html`<h1>Not found</h1><p><a href="/">Back to the overview</a></p>`),
    )
  }

  #coreError(x: Exchange, error: CoreError): void {
    const status = ERROR_STATUS[error.code]
    sendHtml(
      x.res,
      status,
      layout({ title: 'Error' }, html`<h1>${status === 404 ? 'Not found' : 'Error'}</h1><p>${error.message}</p>`),
    )
  }
}

function notAllowed(allow: string): (x: Exchange) => Promise<void> {
  return async (x) => send(x.res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: allow })
}

/** A path segment decoded, or `undefined` when it is malformed. */
function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** Only a local absolute path may be a redirect target after sign-in (no open redirect). */
function safeNext(next: string | null | undefined): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/'
}
