import {
  DELIVERY_STATUSES,
  TOKEN_SCOPES,
  addSilenceSchema,
  endSilenceSchema,
  notFound,
  parseDuration,
  type ApiToken,
  annotateSchema,
  endJobSchema,
  openIncidentSchema,
  pushProbeSchema,
  pushStepSchema,
  resolveSchema,
  skipRunSchema,
  startJobSchema,
  truncateSchema,
  formatIssues,
  validation,
  type CoreError,
  type ContractOverview,
  type HistoryColumns,
  type HistoryPage,
  type HistoryQuery,
  type IncidentChanges,
  type Monitor,
  type PolledSource,
  type QueryIncidentsInput,
  type StatusView,
} from '@timon/core'
import { camelCase, snakeCase } from '@timon/client'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import type { RunLogStore } from '../run-logs/store.js'
import { receiveOutput, sendLog } from './run-log-routes.js'
import {
  STORE_FAULT_CODE,
  errorAnswer,
  type Route,
  type RouteAnswer,
  type RouteContext,
  type StreamExchange,
  type StreamResult,
  type StreamRoute,
} from './types.js'

// The queries of the GET routes (the POST bodies use the core's input schemas).

const limit = z
  .string()
  .regex(/^[0-9]{1,9}$/, 'must be a positive integer')
  .transform(Number)
  .refine((value) => value >= 1, 'must be a positive integer')

const statusQuery = z
  .strictObject({
    limit: limit.optional(),
    after_kind: z.enum(['probe', 'job'], { error: 'must be "probe" or "job"' }).optional(),
    after_code: z.string().optional(),
  })
  .refine((query) => (query.after_kind === undefined) === (query.after_code === undefined), {
    message: 'after_kind and after_code go together',
  })

const showQuery = z.strictObject({
  limit: limit.optional(),
  all: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .transform((value) => value === 'true')
    .optional(),
})

const deliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of: ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  limit: limit.optional(),
})

const instant = z.iso
  .datetime({ offset: true, error: 'must be an RFC 3339 instant' })
  .transform((value) => new Date(value))

const historyQuery = z.strictObject({
  since: instant,
  until: instant,
  code: z.string().optional(),
  after: z
    .string()
    .regex(/^[0-9]{1,15},[0-9]{1,15},[0-9]{1,15}$/, 'must be three ids: report,incident,delivery')
    .transform((value) => {
      const [reportId = 0, incidentId = 0, deliveryId = 0] = value.split(',').map(Number)
      return { reportId, incidentId, deliveryId }
    })
    .optional(),
  limit: limit.optional(),
  format: z.enum(['columns'], { error: 'must be "columns"' }).optional(),
})

/** A comma-separated list (`open,relapsed`); its items are checked by the Monitor. */
const commaList = z.string().transform((value) => value.split(',').map((item) => item.trim()))

const incidentsQuery = z.strictObject({
  state: commaList.optional(),
  trigger: commaList.optional(),
  code: commaList.optional(),
  since: instant.optional(),
  until: instant.optional(),
  limit: limit.optional(),
  cursor: z.string().optional(),
})

/**
 * THE route table: the one place that maps the wire to the `Monitor`. A POST entry maps the body's
 * snake_case keys to the Monitor's camelCase ones (refusing keys it does not know) and hands it to
 * one Monitor method, which validates it, once (its errors name the wire's keys: the daemon's
 * Monitor is built with `fieldName: snakeCase`); it answers the result (the server sends it in wire
 * form), or the core's error with its status. A GET entry parses its query. The streaming entries
 * (a run's output and log, `run-log-routes.ts`) read and write frames. Documented in
 * `docs/wire-api.md`.
 */
export const ROUTES: readonly (Route | StreamRoute)[] = [
  {
    method: 'GET',
    path: '/healthz',
    pattern: /^\/healthz$/,
    access: 'public',
    // 503 with the reason while the store fails (a load balancer then sends pushes elsewhere).
    handle: async (context) => {
      const health = (await context.storeHealth?.()) ?? { ok: true }
      if (health.ok) return { status: 200, body: { ok: true, version: context.version } }
      return {
        status: 503,
        body: { ok: false, version: context.version, status: STORE_FAULT_CODE[health.kind], reason: health.reason },
      }
    },
  },
  pushRoute('/v1/push/probe', monitorInput(pushProbeSchema), 201, (m, input) => m.pushProbe(input), pushed),
  pushRoute('/v1/push/job/start', monitorInput(startJobSchema), 201, (m, input) => m.startJob(input), pushed),
  pushRoute('/v1/push/job/step', monitorInput(pushStepSchema), 200, (m, input) => m.pushStep(input), pushed),
  pushRoute(
    '/v1/push/job/end',
    monitorInput(endJobSchema),
    200,
    async (m, input, context) => {
      const ended = await m.endJob(input)
      // Followers of the run's log learn that it ended (no polling).
      if (ended.isOk()) context.runLogs?.runChanged(input.code, input.uid)
      return ended
    },
    pushed,
  ),
  pushRoute('/v1/push/job/skip', monitorInput(skipRunSchema), 201, (m, input) => m.skipRun(input), unchanged),
  {
    ...stream('POST', '/v1/runs/{code}:{uid}/output', /^\/v1\/runs\/([^/]+)\/output$/, receiveOutput),
    access: 'push',
    codeIn: 'param',
  },
  { ...stream('GET', '/v1/runs/{target}/log', /^\/v1\/runs\/([^/]+)\/log$/, sendLog), codeIn: 'param' },
  post('/v1/push/incident', monitorInput(openIncidentSchema), 201, (m, input) => m.openIncident(input), queued),
  post('/v1/annotate', monitorInput(annotateSchema), 200, (m, input) => m.annotate(input), queued),
  post('/v1/resolve', monitorInput(resolveSchema), 200, (m, input) => m.resolve(input), queued),
  post(
    '/v1/delete',
    // `Monitor.delete` takes a target and options, not one input to validate: the route does.
    routeInput(z.object({ target: z.string(), force: z.boolean().optional() })),
    200,
    async (m, input, context) => {
      const deleted = await m.delete(input.target, { force: input.force === true })
      if (deleted.isOk()) await context.runLogs?.removeLogsOf(deleted.value)
      return deleted.map((value) => ({ deleted: value }))
    },
    unchanged,
  ),
  post(
    '/v1/truncate',
    monitorInput(truncateSchema),
    200,
    async (m, input, context) => {
      const truncated = await m.truncate(input)
      if (truncated.isOk()) await context.runLogs?.removeLogsOf(truncated.value)
      return truncated
    },
    unchanged,
  ),
  post(
    '/v1/deliveries/retry',
    // Exactly one of a delivery's id or `failed: true`.
    routeInput(
      z
        .object({ id: z.number().optional(), failed: z.literal(true, { error: 'must be true' }).optional() })
        .refine((input) => (input.id === undefined) !== (input.failed === undefined), {
          message: 'give either id or failed: true',
        }),
    ),
    200,
    (m, input) => m.retryDeliveries(input.id === undefined ? 'failed' : { id: input.id }),
    queued,
  ),
  post(
    '/v1/notify/test',
    routeInput(z.object({ target: z.string().optional() })),
    200,
    async (_m, input, context) =>
      context.notifyTest === undefined
        ? err(notFound('target'))
        : (await context.notifyTest(input.target)).map((results) => ({ results })),
    unchanged,
  ),
  get('/v1/status', /^\/v1\/status$/, statusQuery, async (m, query, _params, context) =>
    (
      await m.status({
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.after_kind === undefined || query.after_code === undefined
          ? {}
          : { after: { kind: query.after_kind, code: query.after_code } }),
      })
    ).asyncMap(async (view) => {
      const withSources = withPolledSources(view, context.polled?.() ?? [])
      return context.daemons === undefined ? withSources : { ...withSources, daemons: await context.daemons() }
    }),
  ),
  get('/v1/summary', /^\/v1\/summary$/, z.strictObject({}), (m) => m.summary()),
  {
    ...get('/v1/show/{target}', /^\/v1\/show\/(.*)$/, showQuery, (m, query, [target = '']) =>
      m.show(target, { ...(query.limit === undefined ? {} : { limit: query.limit }), all: query.all === true }),
    ),
    codeIn: 'param',
  },
  get('/v1/deliveries', /^\/v1\/deliveries$/, deliveriesQuery, async (m, query) =>
    (
      await m.deliveries({
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
      })
    ).map((deliveries) => ({ deliveries })),
  ),
  {
    ...post(
      '/v1/tokens',
      routeInput(
        z.object({
          name: z.string(),
          scope: z.enum(TOKEN_SCOPES, { error: `must be one of: ${TOKEN_SCOPES.join(', ')}` }).optional(),
          codes: z.array(z.string()).max(100).optional(),
          expires: z.string().optional(),
        }),
      ),
      201,
      async (_m, input, context) => {
        if (context.tokens === undefined) return err(notFound('token'))
        const expires = input.expires === undefined ? ok(undefined) : parseDuration(input.expires)
        if (expires.isErr()) return err(validation(`expires: ${expires.error.message}`))
        const created = await context.tokens.create({
          name: input.name,
          ...(input.scope === undefined ? {} : { scope: input.scope }),
          ...(input.codes === undefined ? {} : { codes: input.codes }),
          ...(expires.value === undefined ? {} : { expiresInMs: expires.value }),
        })
        return created.map(({ token, secret }) => ({ token: tokenView(token), secret }))
      },
      unchanged,
    ),
    access: 'admin',
  },
  {
    ...get('/v1/tokens', /^\/v1\/tokens$/, z.strictObject({}), async (_m, _query, _params, context) =>
      context.tokens === undefined
        ? err(notFound('token'))
        : (await context.tokens.list()).map((tokens) => ({ tokens: tokens.map(tokenView) })),
    ),
    access: 'admin',
  },
  {
    ...post(
      '/v1/tokens/revoke',
      routeInput(z.object({ name: z.string() })),
      200,
      async (_m, input, context) =>
        context.tokens === undefined
          ? err(notFound('token'))
          : (await context.tokens.revoke(input.name)).map((token) => ({ token: tokenView(token) })),
      unchanged,
    ),
    access: 'admin',
  },
  // Silences change who is notified: adding and ending one takes an admin token over TCP.
  {
    ...post('/v1/silences', monitorInput(addSilenceSchema), 201, (m, input) => m.addSilence(input), silenceMoved),
    access: 'admin',
  },
  // `ending_after`: also those over since then (`timon replay` replays a window's silences).
  get('/v1/silences', /^\/v1\/silences$/, z.strictObject({ ending_after: instant.optional() }), (m, query) =>
    m.listSilences(query.ending_after === undefined ? {} : { endingAfter: query.ending_after }),
  ),
  {
    ...post('/v1/silences/end', monitorInput(endSilenceSchema), 200, (m, input) => m.endSilence(input), silenceMoved),
    access: 'admin',
  },
  // Newest first, one page per request (`next` continues, as `cursor`).
  // The Monitor checks the list items (states, triggers, code globs) and names the wire's keys.
  get('/v1/incidents', /^\/v1\/incidents$/, incidentsQuery, (m, query) =>
    m.queryIncidents(query as QueryIncidentsInput),
  ),
  // One page per request (`next` continues), so a month of samples never makes one giant answer;
  // `format=columns` answers its samples as columns, several times cheaper to encode and decode.
  get(
    '/v1/history',
    /^\/v1\/history$/,
    historyQuery,
    (m, query): Promise<Result<HistoryPage | HistoryColumns, CoreError>> => {
      const wanted: HistoryQuery = {
        from: query.since,
        to: query.until,
        limit: query.limit ?? HISTORY_PAGE_SIZE,
        ...(query.code === undefined ? {} : { code: query.code }),
        ...(query.after === undefined ? {} : { after: query.after }),
      }
      return query.format === 'columns' ? m.exportHistoryColumns(wanted) : m.exportHistory(wanted)
    },
  ),
]

/** Rows of each part per history page unless asked otherwise. */
const HISTORY_PAGE_SIZE = 5000

/** The result of looking a request up in {@link ROUTES}. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route | StreamRoute; readonly params: readonly string[] }
  | { readonly kind: 'wrong_method'; readonly allowed: readonly string[] }
  | { readonly kind: 'none' }

/**
 * Finds the route of `method` and `pathname` (the raw, still URL-encoded path). Parameters are
 * URL-decoded; a parameter that does not decode makes the route match with the raw text, which
 * the route then refuses as invalid.
 */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const allowed: string[] = []
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname)
    if (match === null) continue
    if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) {
      allowed.push(route.method)
      continue
    }
    return { kind: 'found', route, params: match.slice(1).map((param) => decode(param ?? '')) }
  }
  return allowed.length > 0 ? { kind: 'wrong_method', allowed } : { kind: 'none' }
}

/**
 * Turns a zod error into the core's `validation` error, naming the wire's keys:
 * `limit: must be a positive integer`, `force: must be a boolean`.
 */
export function validationOf(error: z.ZodError): CoreError {
  const issues = formatIssues('', error.issues, { customMessagesNameTheField: true, fieldName: snakeCase })
  return validation(issues[0] ?? 'invalid request', issues)
}

// --- internal ---

type Call<I, T> = (monitor: Monitor, input: I, context: RouteContext) => Promise<Result<T, CoreError>>

/**
 * The input of a POST route: the fields it takes (camelCase), and, when the Monitor method it
 * calls does not validate its input itself, the check that does.
 */
interface PostInput<I> {
  readonly fields: ReadonlySet<string>
  readonly check?: (input: Record<string, unknown>) => Result<I, CoreError>
}

/** The input of a Monitor method that validates it (the core's input schema): the route only maps keys. */
function monitorInput<S extends z.ZodObject>(schema: S): PostInput<z.input<S>> {
  return { fields: new Set(Object.keys(schema.shape)) }
}

/** An input the route validates itself, with `schema`. */
function routeInput<S extends z.ZodObject>(schema: S): PostInput<z.output<S>> {
  return {
    fields: new Set(Object.keys(schema.shape)),
    check: (input) => {
      const parsed = schema.safeParse(input, { reportInput: true })
      return parsed.success ? ok(parsed.data) : err(validationOf(parsed.error))
    },
  }
}

/**
 * A POST route: the body's keys are mapped to camelCase (an unknown key, or one not written in
 * the wire's snake_case, is refused) and the input handed to `call`, which validates it.
 */
function post<I, T>(
  path: string,
  input: PostInput<I>,
  status: number,
  call: Call<I, T>,
  rearm: (value: T) => RouteAnswer['rearm'],
): Route {
  return {
    method: 'POST',
    path,
    pattern: new RegExp(`^${path.replaceAll('/', '\\/')}$`),
    handle: async (context, { body }) => {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return errorAnswer(validation('the request body must be a JSON object'))
      }
      const mapped = fromWireKeys(body as Record<string, unknown>, input.fields)
      if (mapped.isErr()) return errorAnswer(mapped.error)
      const checked = input.check === undefined ? ok(mapped.value as I) : input.check(mapped.value)
      if (checked.isErr()) return errorAnswer(checked.error)
      const result = await call(context.monitor, checked.value, context)
      if (result.isErr()) return errorAnswer(result.error)
      const after = rearm(result.value)
      return after === undefined ? { status, body: result.value } : { status, body: result.value, rearm: after }
    },
  }
}

/** A token as the wire shows it: never its secret nor the secret's hash. */
function tokenView(token: ApiToken) {
  const { name, scope, codes, createdAt, lastUsedAt, expiresAt } = token
  return { name, scope, codes, createdAt, lastUsedAt, expiresAt }
}

/** A push route: scope `push`, limited by the body's `code`. */
function pushRoute<I, T>(...args: Parameters<typeof post<I, T>>): Route {
  return { ...post(...args), access: 'push', codeIn: 'body' }
}

/** A GET route: the query is validated (unknown parameters refused). */
function get<S extends z.ZodType<Record<string, unknown>>, T>(
  path: string,
  pattern: RegExp,
  query: S,
  call: (
    monitor: Monitor,
    query: z.output<S>,
    params: readonly string[],
    context: RouteContext,
  ) => Promise<Result<T, CoreError>>,
): Route {
  return {
    method: 'GET',
    path,
    pattern,
    handle: async (context, request) => {
      const parsed = query.safeParse(Object.fromEntries(request.query), { reportInput: true })
      if (!parsed.success) return errorAnswer(validationOf(parsed.error))
      const result = await call(context.monitor, parsed.data, request.params, context)
      return result.isErr() ? errorAnswer(result.error) : { status: 200, body: result.value }
    },
  }
}

/** `status` with each polled probe's source (`polled_from` on the wire). */
function withPolledSources(
  view: StatusView,
  sources: readonly PolledSource[],
): StatusView & { readonly contracts: readonly (ContractOverview & { readonly polledFrom?: string })[] } {
  if (sources.length === 0) return view
  const from = new Map(sources.map((s) => [s.code, s.source]))
  return {
    ...view,
    contracts: view.contracts.map((overview) => {
      const source = overview.contract.kind === 'probe' ? from.get(overview.contract.code) : undefined
      return source === undefined ? overview : { ...overview, polledFrom: source }
    }),
  }
}

/** A streaming route over a handler of `run-log-routes.ts`. */
function stream(
  method: StreamRoute['method'],
  path: string,
  pattern: RegExp,
  handle: (monitor: Monitor, logs: RunLogStore | undefined, exchange: StreamExchange) => Promise<StreamResult>,
): StreamRoute {
  return {
    method,
    path,
    pattern,
    stream: async (context, exchange) => {
      const result = await handle(context.monitor, context.runLogs, exchange)
      if (result === undefined) return undefined
      return 'error' in result ? errorAnswer(result.error) : { status: result.status, body: result.body }
    },
  }
}

/** A silence's end is a deadline, and ending one may release held notifications. */
function silenceMoved(): RouteAnswer['rearm'] {
  return { deliveries: true }
}

/** Pushes may move deadlines, and queue deliveries when an incident changed. */
function pushed(changes: IncidentChanges): RouteAnswer['rearm'] {
  return { deliveries: changes.opened.length + changes.recovered.length + changes.relapsed.length > 0 }
}

function queued(): RouteAnswer['rearm'] {
  return { deliveries: true }
}

function unchanged(): undefined {
  return undefined
}

/**
 * The body's top-level keys in camelCase: each must be the snake_case form of one of `fields`
 * (`stale_after` for `staleAfter`); any other is an `unknown field`.
 */
function fromWireKeys(
  body: Record<string, unknown>,
  fields: ReadonlySet<string>,
): Result<Record<string, unknown>, CoreError> {
  const input: Record<string, unknown> = {}
  const unknown: string[] = []
  for (const key of Object.keys(body)) {
    const field = camelCase(key)
    if (fields.has(field) && snakeCase(field) === key) input[field] = body[key]
    else unknown.push(`${key}: unknown field`)
  }
  return unknown.length === 0 ? ok(input) : err(validation(unknown[0] ?? 'unknown field', unknown))
}

function decode(param: string): string {
  try {
    return decodeURIComponent(param)
  } catch {
    return param
  }
}
