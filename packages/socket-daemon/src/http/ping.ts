import type { CoreError, IncidentChanges, Monitor } from '@timon/core'
import { err, ok, type Result } from 'neverthrow'
import { ERROR_STATUS } from '../routes/types.js'
import { admitSecret, checkCode, isAnswer, type AccessControl } from './access.js'

/** The part of a ping's body kept (as a step's detail, or a probe's comment cut to its limit). */
export const PING_BODY_BYTES = 10 * 1024

/** What a ping URL answers: plain text, `OK` or a one-line error. */
export interface PingAnswer {
  readonly status: number
  readonly text: string
  readonly headers?: Readonly<Record<string, string>>
  /** Whether deliveries may have been queued (the scheduler is re-armed after any ping). */
  readonly deliveries: boolean
}

/** A ping URL request: `/ping/<secret>/<code>[/start|/fail|/log|/<0-255>]`, `?rid=<uid>&host=<name>`. */
export interface PingRequest {
  readonly pathname: string
  readonly query: URLSearchParams
  /** The body as text (already cut to {@link PING_BODY_BYTES}); empty when none. */
  readonly body: string
  /** The caller's address, whose failed secrets are counted. */
  readonly address: string | undefined
}

/** Whether `pathname` is a ping URL's (answered by {@link answerPing}, not the route table). */
export function isPingPath(pathname: string): boolean {
  return pathname.startsWith('/ping/')
}

/** `/ping/<secret>/…` with the secret masked, for log lines. */
export function redactPingPath(url: string): string {
  return url.replace(/^\/ping\/[^/?]*/, '/ping/<secret>')
}

/**
 * Answers a ping URL (Healthchecks' protocol): plain or `/0` healthy, `/fail` or a non-zero exit
 * status critical; on a probe (or an unknown code, created as a probe) a sample, on a job the end
 * of run `rid` (or of the latest run still going; with none, a run that starts and ends now).
 * `/start` starts a run (uid `rid` when given, returned in `X-Timon-Run`); `/log` adds the body as
 * a step (job) or a sample of unchanged health with its first line as comment and the rest as
 * detail (probe, as any probe ping with a body). `host` names the
 * pinging machine on the sample or run it records. The secret is a token
 * of scope `push` (or `admin`) allowed the code.
 */
export async function answerPing(
  monitor: Monitor,
  control: AccessControl | undefined,
  request: PingRequest,
): Promise<PingAnswer> {
  const [secret = '', code = '', suffix, ...rest] = request.pathname.slice('/ping/'.length).split('/')
  const action = parseSuffix(suffix)
  if (control === undefined || code === '' || rest.length > 0 || action === undefined) return text(404, 'not found')
  const grant = await admitSecret(control, decode(secret), 'push', request.address)
  if (isAnswer(grant)) return refusal(grant)
  const denied = checkCode(grant, code)
  if (denied !== undefined) return refusal(denied)
  const rid = request.query.get('rid') ?? undefined
  const host = request.query.get('host') ?? undefined
  const pinged = await ping(monitor, {
    code,
    action,
    ...(rid === undefined ? {} : { rid }),
    ...(host === undefined ? {} : { host }),
    body: request.body,
  })
  if (pinged.isErr()) return text(ERROR_STATUS[pinged.error.code], pinged.error.message)
  return {
    status: 200,
    text: 'OK',
    deliveries: pinged.value.deliveries,
    ...(pinged.value.run === undefined ? {} : { headers: { 'X-Timon-Run': pinged.value.run } }),
  }
}

// --- internal ---

type Action =
  | { readonly kind: 'start' }
  | { readonly kind: 'log' }
  | { readonly kind: 'end'; readonly health: 'healthy' | 'critical'; readonly status: number | null }

function parseSuffix(suffix: string | undefined): Action | undefined {
  if (suffix === undefined || suffix === '') return { kind: 'end', health: 'healthy', status: null }
  if (suffix === 'start') return { kind: 'start' }
  if (suffix === 'log') return { kind: 'log' }
  if (suffix === 'fail') return { kind: 'end', health: 'critical', status: null }
  if (!/^[0-9]{1,3}$/.test(suffix) || Number(suffix) > 255) return undefined
  const status = Number(suffix)
  return { kind: 'end', health: status === 0 ? 'healthy' : 'critical', status }
}

interface Ping {
  readonly code: string
  readonly action: Action
  readonly rid?: string
  readonly host?: string
  readonly body: string
}

type Pinged = { readonly deliveries: boolean; readonly run?: string }

async function ping(monitor: Monitor, p: Ping): Promise<Result<Pinged, CoreError>> {
  const detail = p.body === '' ? undefined : p.body
  const action = p.action
  const origin = p.host === undefined ? {} : { host: p.host }
  const kind = await kindOf(monitor, p.code)
  if (kind.isErr()) return err(kind.error)
  if (action.kind === 'start') {
    const started = await monitor.startJob({ code: p.code, ...origin, ...(p.rid === undefined ? {} : { uid: p.rid }) })
    return started.map((r) => ({ deliveries: changed(r), run: r.run.uid }))
  }
  if (kind.value.kind !== 'job') {
    const health = action.kind === 'log' ? kind.value.health : action.health
    if (health === undefined)
      return err({ code: 'not_found', message: `"${p.code}" has no sample to log to`, subject: 'report' })
    const text = probeTextOf(p.body, action.kind === 'end' ? action.status : null)
    const pushed = await monitor.pushProbe({ code: p.code, health, ...origin, ...text })
    return pushed.map((r) => ({ deliveries: changed(r) }))
  }
  let uid = p.rid ?? kind.value.running
  if (action.kind === 'log') {
    if (uid === undefined) return err({ code: 'conflict', message: `no run of "${p.code}" is running` })
    const logged = await monitor.pushStep({
      code: p.code,
      uid,
      label: 'log',
      health: 'healthy',
      ...(detail === undefined ? {} : { detail }),
    })
    return logged.map((r) => ({ deliveries: changed(r), run: r.run.uid }))
  }
  let startedChanges = false
  if (uid === undefined) {
    const started = await monitor.startJob({ code: p.code, ...origin })
    if (started.isErr()) return err(started.error)
    uid = started.value.run.uid
    startedChanges = changed(started.value)
  }
  const { health, status } = action
  const ended = await monitor.pushStep({
    code: p.code,
    uid,
    label: status === null ? (health === 'healthy' ? 'success' : 'fail') : `exit status ${status}`,
    health,
    end: true,
    ...(detail === undefined ? {} : { detail }),
    ...(status === null ? {} : { exit: { code: status, signal: null } }),
  })
  return ended.map((r) => ({ deliveries: startedChanges || changed(r), run: r.run.uid }))
}

type Kind =
  | { readonly kind: 'job'; readonly running?: string }
  | { readonly kind: 'probe'; readonly health?: 'healthy' | 'warning' | 'critical' }

/** Whether `code` is a job (and its run still going, if any) or a probe (with its latest health); an unknown code is a probe to be. */
async function kindOf(monitor: Monitor, code: string): Promise<Result<Kind, CoreError>> {
  const shown = await monitor.show(code, { limit: 1 })
  if (shown.isErr()) return shown.error.code === 'not_found' ? ok({ kind: 'probe' }) : err(shown.error)
  if (shown.value.kind !== 'contract')
    return err({ code: 'validation', message: `"${code}" is not a probe or job code` })
  const last = shown.value.lastReport
  if (shown.value.contract.kind === 'probe')
    return ok(last?.kind === 'sample' ? { kind: 'probe', health: last.health } : { kind: 'probe' })
  const running = await monitor.latestRun(code)
  return ok(
    running.isOk() && running.value.endedAt === null ? { kind: 'job', running: running.value.uid } : { kind: 'job' },
  )
}

/**
 * A probe sample's text from a ping's body, as a command check's output: the first line the
 * comment (cut to the comment's 250 characters), the lines after it the detail; with no body, a
 * non-zero exit status as the comment.
 */
function probeTextOf(body: string, status: number | null): { comment?: string; detail?: string } {
  const lines = body.split('\n')
  const first = lines.findIndex((line) => line.trim() !== '')
  if (first === -1) return status === null || status === 0 ? {} : { comment: `exit status ${status}` }
  const comment = (lines[first] as string).trim().slice(0, 250)
  const detail = lines
    .slice(first + 1)
    .join('\n')
    .trim()
  return detail === '' ? { comment } : { comment, detail }
}

function changed(changes: IncidentChanges): boolean {
  return changes.opened.length + changes.recovered.length + changes.relapsed.length > 0
}

function refusal(answer: {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}): PingAnswer {
  const message = (answer.body as { error?: { message?: string } }).error?.message ?? 'refused'
  return { ...text(answer.status, message), ...(answer.headers === undefined ? {} : { headers: answer.headers }) }
}

function text(status: number, message: string): PingAnswer {
  return { status, text: message.replaceAll('\n', ' '), deliveries: false }
}

function decode(param: string): string {
  try {
    return decodeURIComponent(param)
  } catch {
    return param
  }
}
