import { setTimeout as sleep } from 'node:timers/promises'
import { err, ok, type Result } from 'neverthrow'
import { historyPageOf, type HistoryColumns } from '@timon/core/lite'
// Types only: a client must not load the core (zod) at run time.
import type {
  AddSilenceInput,
  AnnotateInput,
  DeleteOptions,
  DeleteResult,
  DeliveryList,
  HistoryPage,
  HistoryQuery,
  IncidentList,
  QueryIncidentsInput,
  DeliveryStatus,
  EndJobInput,
  IncidentResult,
  OpenIncidentInput,
  PushProbeInput,
  PushProbeResult,
  PushStepInput,
  ResolveInput,
  RunResult,
  SkipRunInput,
  ShowOptions,
  ShowView,
  Silence,
  SilenceList,
  StartJobInput,
  StatusOptions,
  StatusView,
  SummaryView,
  TruncateInput,
  TruncateResult,
} from '@timon/core'
import { discoverSocket, type Env } from './discovery.js'
import { errorOfAnswer, type ClientError } from './errors.js'
// Types only: the streaming module is loaded by the methods that use it.
import type { LogChunk, OutputStreamOptions, OutputWriter, ReadLogOptions } from './log-stream.js'
import { clientErrorOf, isRetryable, unexpectedAnswer } from './transport/failures.js'
import type { Transport } from './transport/transport.js'
import { UnixSocketTransport } from './transport/unix-socket.js'
import { checkSocketOwner } from './runtime-dir.js'
import { fromWire, toWire } from './wire.js'

/** A raw answer of the daemon: the HTTP status and the parsed JSON body (snake_case, as sent). */
export interface RawResponse {
  readonly status: number
  readonly json: unknown
}

/** A history page in column form, with the JSON text it was read from (see `parseHistoryColumns`). */
export interface HistoryColumnsWithText {
  readonly columns: HistoryColumns
  readonly text: string
}

/** The `GET /healthz` answer. */
export interface HealthView {
  readonly ok: true
  /** The daemon's version. */
  readonly version: string
}

/** An API token as the daemon shows it (never its secret). */
export interface TokenView {
  readonly name: string
  readonly scope: 'push' | 'read' | 'admin'
  readonly codes: readonly string[]
  readonly createdAt: Date
  readonly lastUsedAt: Date | null
  readonly expiresAt: Date | null
}

/** Input of {@link TimonClient.createToken}: `expires` is a duration (`30d`). */
export interface CreateTokenRequest {
  readonly name: string
  readonly scope?: 'push' | 'read' | 'admin'
  readonly codes?: readonly string[]
  readonly expires?: string
}

/** One target's answer to {@link TimonClient.notifyTest}. */
export interface NotifyTestResult {
  readonly target: string
  readonly delivered: boolean
  /** Why it failed; absent when delivered. */
  readonly error?: string
}

/** A filter for {@link TimonClient.deliveries}. */
export interface DeliveryQuery {
  readonly status?: DeliveryStatus
  /** At most this many, newest first (default 100). */
  readonly limit?: number
}

/** Options of a {@link TimonClient}. */
export interface TimonClientOptions {
  /**
   * The daemon's socket, trusted as named. Default: the contract's discovery (`discoverSocket`:
   * `TIMON_SOCKET`, the config's `[daemon] socket`, else the default place, where a socket that
   * belongs neither to this user nor to root is refused as `unreachable`).
   */
  readonly socketPath?: string
  /** The environment the socket is discovered from (default `process.env`). */
  readonly env?: Env
  /** The user whose default place is looked in, and whom (or root) a discovered socket must belong to; default: the process's. */
  readonly uid?: number
  /** How to reach the daemon, instead of its Unix socket (`socketPath` and `timeoutMs` are then unused). */
  readonly transport?: Transport
  /** How long a request may take in all, connecting and waiting for a free connection included, in milliseconds (default 30 s). */
  readonly timeoutMs?: number
  /** Retries of a connect refused for lack of room (EAGAIN under bursts), default 5. */
  readonly connectRetries?: number
  /** The machine's name sent as `host` with every push that does not name one (see `machineName`); none by default. */
  readonly host?: string | undefined
}

/**
 * A typed client of the daemon's wire API over its Unix socket (HTTP/1.1, keep-alive). Each method
 * mirrors a `Monitor` method, takes the core's camelCase input and resolves with the core's view
 * (camelCase keys, `Date` instants) or a {@link ClientError}; it never rejects.
 *
 * ```ts
 * const client = new TimonClient()
 * const pushed = await client.pushProbe({ code: 'db.backup', health: 'healthy' })
 * if (pushed.isErr()) console.error(pushed.error.message)
 * client.close()
 * ```
 */
export class TimonClient {
  readonly #transport: Transport
  readonly #connectRetries: number
  readonly #host: string | undefined

  constructor(options: TimonClientOptions = {}) {
    this.#transport = options.transport ?? socketTransport(options)
    this.#connectRetries = options.connectRetries ?? 5
    this.#host = options.host
  }

  /** Where the daemon is: its socket path. */
  get address(): string {
    return this.#transport.address
  }

  /** `GET /healthz`: whether the daemon is up, and its version. */
  health(): Promise<Result<HealthView, ClientError>> {
    return this.#call('GET', '/healthz')
  }

  /** Pushes a probe sample (`timon push probe`). */
  pushProbe(input: PushProbeInput): Promise<Result<PushProbeResult, ClientError>> {
    return this.#call('POST', '/v1/push/probe', this.#withHost(input))
  }

  /** Starts a job run (`timon push job start`); the run's `uid` addresses its steps and end. */
  startJob(input: StartJobInput): Promise<Result<RunResult, ClientError>> {
    return this.#call('POST', '/v1/push/job/start', this.#withHost(input))
  }

  /** Records a step of a running run (`timon push job step`). */
  pushStep(input: PushStepInput): Promise<Result<RunResult, ClientError>> {
    return this.#call('POST', '/v1/push/job/step', this.#withHost(input))
  }

  /** Ends a running run (`timon push job end`). */
  endJob(input: EndJobInput): Promise<Result<RunResult, ClientError>> {
    return this.#call('POST', '/v1/push/job/end', this.#withHost(input))
  }

  /** Records a run that was skipped because the previous one was still going (`timon exec --skip-if-running`). */
  skipRun(input: SkipRunInput): Promise<Result<RunResult, ClientError>> {
    return this.#call('POST', '/v1/push/job/skip', this.#withHost(input))
  }

  /**
   * Opens the output stream of a running run (`timon exec`): one request whose body carries the
   * command's stdout and stderr as they come (see {@link OutputWriter}); the daemon writes the
   * run's log. Never rejects: a failure shows in the writer's `error` and `end()`.
   */
  async streamOutput(code: string, uid: string, options: OutputStreamOptions = {}): Promise<OutputWriter> {
    const { openOutputStream } = await import('./log-stream.js')
    return openOutputStream(this.#transport, code, uid, { timeoutMs: this.#transport.timeoutMs, ...options })
  }

  /**
   * Reads a run's log (`timon logs`): `target` is `code:uid`, or `code` for the job's latest run.
   * Resolves once the daemon answered, with the chunks to iterate (with `follow`, until the run has
   * ended) or the daemon's error.
   */
  async readLog(target: string, options: ReadLogOptions = {}): Promise<Result<AsyncIterable<LogChunk>, ClientError>> {
    const { openLogReader } = await import('./log-stream.js')
    return openLogReader(this.#transport, target, { timeoutMs: this.#transport.timeoutMs, ...options })
  }

  /** Opens a manual incident (`timon push incident`). */
  openIncident(input: OpenIncidentInput): Promise<Result<IncidentResult, ClientError>> {
    return this.#call('POST', '/v1/push/incident', input)
  }

  /** Adds a note to an incident's timeline (`timon annotate`). */
  annotate(input: AnnotateInput): Promise<Result<IncidentResult, ClientError>> {
    return this.#call('POST', '/v1/annotate', input)
  }

  /** Resolves an incident (`timon resolve`). */
  resolve(input: ResolveInput): Promise<Result<IncidentResult, ClientError>> {
    return this.#call('POST', '/v1/resolve', input)
  }

  /** Active incidents and one page of probes and jobs (`timon status`). */
  status(options: StatusOptions = {}): Promise<Result<StatusView, ClientError>> {
    const query = queryString({
      limit: options.limit,
      after_kind: options.after?.kind,
      after_code: options.after?.code,
    })
    return this.#call('GET', `/v1/status${query}`)
  }

  /** Counts for a one-line summary (`timon summary`). */
  summary(): Promise<Result<SummaryView, ClientError>> {
    return this.#call('GET', '/v1/summary')
  }

  /** Shows an incident (`INC-3`), a probe/job (`code`) or a sample/run (`code:uid`) (`timon show`). */
  show(target: string, options: ShowOptions = {}): Promise<Result<ShowView, ClientError>> {
    const query = queryString({ limit: options.limit, all: options.all === true ? 'true' : undefined })
    return this.#call('GET', `/v1/show/${encodeURIComponent(target)}${query}`)
  }

  /** Deletes an incident, a probe/job or a sample/run (`timon delete`). */
  async delete(target: string, options: DeleteOptions = {}): Promise<Result<DeleteResult, ClientError>> {
    const answer = await this.#call<{ deleted: DeleteResult }>('POST', '/v1/delete', { target, force: options.force })
    return answer.map((body) => body.deleted)
  }

  /** Deletes old samples, runs and resolved incidents by age (`timon truncate`). */
  truncate(input: TruncateInput): Promise<Result<TruncateResult, ClientError>> {
    return this.#call('POST', '/v1/truncate', input)
  }

  /** Outbox deliveries, newest first. */
  async deliveries(query: DeliveryQuery = {}): Promise<Result<DeliveryList, ClientError>> {
    const answer = await this.#call<{ deliveries: DeliveryList }>(
      'GET',
      `/v1/deliveries${queryString({ status: query.status, limit: query.limit })}`,
    )
    return answer.map((body) => body.deliveries)
  }

  /** Creates an API token (`timon token create`); its secret is in the answer only. */
  createToken(
    input: CreateTokenRequest,
  ): Promise<Result<{ readonly token: TokenView; readonly secret: string }, ClientError>> {
    return this.#call('POST', '/v1/tokens', input)
  }

  /** The API tokens not revoked, by name (`timon token list`). */
  async tokens(): Promise<Result<readonly TokenView[], ClientError>> {
    const answer = await this.#call<{ tokens: readonly TokenView[] }>('GET', '/v1/tokens')
    return answer.map((body) => body.tokens)
  }

  /** Revokes the API token `name` (`timon token revoke`). */
  async revokeToken(name: string): Promise<Result<TokenView, ClientError>> {
    const answer = await this.#call<{ token: TokenView }>('POST', '/v1/tokens/revoke', { name })
    return answer.map((body) => body.token)
  }

  /**
   * Queues failed deliveries again, keeping their delivery ids (`timon deliveries retry`): one by
   * its id (`#12` in `timon deliveries`), or every failed one.
   */
  retryDeliveries(
    which: { readonly id: number } | 'failed',
  ): Promise<Result<{ readonly requeued: number }, ClientError>> {
    return this.#call('POST', '/v1/deliveries/retry', which === 'failed' ? { failed: true } : { id: which.id })
  }

  /**
   * Sends a `timon.test` event through one notifier target, or all, and waits for their answers
   * (`timon notify test`). Nothing is recorded in the outbox.
   */
  async notifyTest(target?: string): Promise<Result<readonly NotifyTestResult[], ClientError>> {
    const answer = await this.#call<{ results: readonly NotifyTestResult[] }>(
      'POST',
      '/v1/notify/test',
      target === undefined ? {} : { target },
    )
    return answer.map((body) => body.results)
  }

  /** Silences the codes a code glob matches, `for` a duration or `until` an instant (`timon silence add`). */
  async addSilence(input: AddSilenceInput): Promise<Result<Silence, ClientError>> {
    const answer = await this.#call<{ silence: Silence }>('POST', '/v1/silences', input)
    return answer.map((body) => body.silence)
  }

  /**
   * The silences not yet over (with `endingAfter`, those that end after it) and the maintenance
   * windows in force (`timon silence list`).
   */
  silences(options: { readonly endingAfter?: Date } = {}): Promise<Result<SilenceList, ClientError>> {
    return this.#call('GET', `/v1/silences${queryString({ ending_after: options.endingAfter?.toISOString() })}`)
  }

  /** Ends a silence now, releasing the notifications it held (`timon silence end`). */
  async endSilence(id: number): Promise<Result<Silence, ClientError>> {
    const answer = await this.#call<{ silence: Silence }>('POST', '/v1/silences/end', { id })
    return answer.map((body) => body.silence)
  }

  /**
   * One page of the recorded history of a window (`timon replay`); its `next` is the `after` of the
   * following page. Asked for in the compact form (`format=columns`), decoded here.
   */
  async history(query: HistoryQuery): Promise<Result<HistoryPage, ClientError>> {
    return (await this.historyColumns(query)).map(historyPageOf)
  }

  /**
   * {@link history}'s page as the daemon sends it, in column form (`historyPageOf` decodes it): for
   * a caller that splits or forwards the samples before it needs them as objects.
   */
  async historyColumns(query: HistoryQuery): Promise<Result<HistoryColumns, ClientError>> {
    return (await this.historyColumnsWithText(query)).map(({ columns }) => columns)
  }

  /**
   * {@link historyColumns}' page with the answer's JSON text as it came (`parseHistoryColumns`
   * reads it again): for a caller that hands the page to other threads, where one string crosses
   * as one copy and the objects would be cloned one by one.
   */
  async historyColumnsWithText(query: HistoryQuery): Promise<Result<HistoryColumnsWithText, ClientError>> {
    const { after } = query
    const answer = await this.#callWithText<HistoryColumns>(
      'GET',
      `/v1/history${queryString({
        since: query.from.toISOString(),
        until: query.to.toISOString(),
        code: query.code,
        limit: query.limit,
        after: after === undefined ? undefined : `${after.reportId},${after.incidentId},${after.deliveryId}`,
        format: 'columns',
      })}`,
    )
    return answer.map(({ value, text }) => ({ columns: value, text }))
  }

  /** Incidents newest first, filtered (`timon incidents`); pass the answer's `next` as `cursor` for the following page. */
  incidents(query: QueryIncidentsInput = {}): Promise<Result<IncidentList, ClientError>> {
    return this.#call(
      'GET',
      `/v1/incidents${queryString({
        state: query.state?.join(','),
        trigger: query.trigger?.join(','),
        code: query.code?.join(','),
        since: query.since?.toISOString(),
        until: query.until?.toISOString(),
        limit: query.limit,
        cursor: query.cursor,
      })}`,
    )
  }

  /**
   * Sends one raw request: `body` is sent as JSON as is (no key conversion) and the answer comes
   * back unconverted, whatever its status. Only a failure to talk to the daemon is an error.
   */
  request(method: string, path: string, body?: unknown): Promise<Result<RawResponse, ClientError>> {
    return this.#send(method, path, body === undefined ? undefined : JSON.stringify(body))
  }

  /** Closes the kept-alive connections. The client is unusable afterwards. */
  close(): void {
    this.#transport.close()
  }

  // --- internal ---

  /** A push's input with this client's `host`, unless it names its own. */
  #withHost<T extends { readonly host?: string | null | undefined }>(input: T): T {
    return this.#host === undefined || input.host != null ? input : { ...input, host: this.#host }
  }

  async #call<T>(method: string, path: string, input?: unknown): Promise<Result<T, ClientError>> {
    return (await this.#callWithText<T>(method, path, input)).map(({ value }) => value)
  }

  async #callWithText<T>(
    method: string,
    path: string,
    input?: unknown,
  ): Promise<Result<{ readonly value: T; readonly text: string }, ClientError>> {
    const payload = input === undefined ? undefined : JSON.stringify(toWire(input))
    const answer = await this.#exchange(method, path, payload)
    if (answer.isErr()) return err(answer.error)
    const { status, text } = answer.value
    const parsed = parseAnswer(this.#transport.address, status, text)
    if (parsed.isErr()) return err(parsed.error)
    const { json } = parsed.value
    if (status >= 200 && status < 300) return ok({ value: fromWire(json) as T, text })
    return err(errorOfAnswer(status, json))
  }

  async #send(method: string, path: string, payload: string | undefined): Promise<Result<RawResponse, ClientError>> {
    const answer = await this.#exchange(method, path, payload)
    return answer.andThen(({ status, text }) => parseAnswer(this.#transport.address, status, text))
  }

  /** One request, retried while the daemon cannot be reached: the answer's status and text. */
  async #exchange(
    method: string,
    path: string,
    payload: string | undefined,
  ): Promise<Result<{ readonly status: number; readonly text: string }, ClientError>> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#transport.request(method, path, payload)
      if (outcome.ok) {
        const { status, body } = outcome.response
        return ok({ status, text: body.toString('utf8') })
      }
      if (!isRetryable(outcome.failure) || attempt >= this.#connectRetries)
        return err(clientErrorOf(outcome.failure, this.#transport.address, this.#transport.timeoutMs))
      await sleep(RETRY_BASE_MS * 2 ** attempt * (1 + Math.random()))
    }
  }
}

// --- internal ---

const RETRY_BASE_MS = 10

/** The transport to the named socket, or to the discovered one, checked before connecting when found in the default place. */
function socketTransport(options: TimonClientOptions): UnixSocketTransport {
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }
  if (options.socketPath !== undefined) return new UnixSocketTransport({ socketPath: options.socketPath, ...timeout })
  const uid = options.uid === undefined ? {} : { uid: options.uid }
  const found = discoverSocket(options.env, undefined, uid)
  const check = found.source === 'default' ? { checkSocket: (path: string) => checkSocketOwner(path, uid) } : {}
  return new UnixSocketTransport({ socketPath: found.path, ...timeout, ...check })
}

function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

function parseAnswer(address: string, status: number, text: string): Result<RawResponse, ClientError> {
  try {
    return ok({ status, json: JSON.parse(text) as unknown })
  } catch {
    return err(unexpectedAnswer(address, status, text))
  }
}
