import {
  DELIVERY_STATUSES,
  annotateSchema,
  endJobSchema,
  openIncidentSchema,
  pushProbeSchema,
  pushStepSchema,
  resolveSchema,
  skipRunSchema,
  startJobSchema,
  truncateSchema,
  validation,
  type CoreError,
  type ContractOverview,
  type IncidentChanges,
  type Monitor,
  type PolledSource,
  type StatusView,
} from '@timon/core'
import { camelCase, snakeCase, toWire } from '@timon/client'
import type { Result } from 'neverthrow'
import { z } from 'zod'
import type { RunLogStore } from '../run-logs/store.js'
import { receiveOutput, sendLog } from './run-log-routes.js'
import { errorAnswer, type Route, type RouteAnswer, type RouteContext, type StreamExchange, type StreamResult, type StreamRoute } from './types.js'

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
  all: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).transform((value) => value === 'true').optional(),
})

const deliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of: ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  limit: limit.optional(),
})

/**
 * THE route table: the one place that maps the wire to the `Monitor`. Every JSON entry validates
 * its input with zod (snake_case keys, unknown keys refused), calls one Monitor method and answers
 * `toWire(result)`, or the core's error with its status; the streaming entries (a run's output and
 * log, `run-log-routes.ts`) read and write frames. Documented in `docs/wire-api.md`.
 */
export const ROUTES: readonly (Route | StreamRoute)[] = [
  {
    method: 'GET',
    path: '/healthz',
    pattern: /^\/healthz$/,
    handle: async (context) => ({ status: 200, body: { ok: true, version: context.version } }),
  },
  post('/v1/push/probe', pushProbeSchema, 201, (m, input) => m.pushProbe(input), pushed),
  post('/v1/push/job/start', startJobSchema, 201, (m, input) => m.startJob(input), pushed),
  post('/v1/push/job/step', pushStepSchema, 200, (m, input) => m.pushStep(input), pushed),
  post('/v1/push/job/end', endJobSchema, 200, (m, input) => m.endJob(input), pushed),
  post('/v1/push/job/skip', skipRunSchema, 201, (m, input) => m.skipRun(input), unchanged),
  stream('POST', '/v1/runs/{code}:{uid}/output', /^\/v1\/runs\/([^/]+)\/output$/, receiveOutput),
  stream('GET', '/v1/runs/{target}/log', /^\/v1\/runs\/([^/]+)\/log$/, sendLog),
  post('/v1/push/incident', openIncidentSchema, 201, (m, input) => m.openIncident(input), queued),
  post('/v1/annotate', annotateSchema, 200, (m, input) => m.annotate(input), queued),
  post('/v1/resolve', resolveSchema, 200, (m, input) => m.resolve(input), queued),
  post(
    '/v1/delete',
    z.object({ target: z.string(), force: z.boolean().optional() }),
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
    truncateSchema,
    200,
    async (m, input, context) => {
      const truncated = await m.truncate(input)
      if (truncated.isOk()) await context.runLogs?.removeLogsOf(truncated.value)
      return truncated
    },
    unchanged,
  ),
  get('/v1/status', /^\/v1\/status$/, statusQuery, async (m, query, _params, context) =>
    (
      await m.status({
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.after_kind === undefined || query.after_code === undefined ? {} : { after: { kind: query.after_kind, code: query.after_code } }),
      })
    ).map((view) => withPolledSources(view, context.polled?.() ?? [])),
  ),
  get('/v1/summary', /^\/v1\/summary$/, z.strictObject({}), (m) => m.summary()),
  get('/v1/show/{target}', /^\/v1\/show\/(.*)$/, showQuery, (m, query, [target = '']) =>
    m.show(target, { ...(query.limit === undefined ? {} : { limit: query.limit }), all: query.all === true }),
  ),
  get('/v1/deliveries', /^\/v1\/deliveries$/, deliveriesQuery, async (m, query) =>
    (await m.deliveries({ ...(query.status === undefined ? {} : { status: query.status }), ...(query.limit === undefined ? {} : { limit: query.limit }) })).map(
      (deliveries) => ({ deliveries }),
    ),
  ),
]

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
 * `health: is required`, `stale_after: invalid rule stale-after — invalid duration "x"`.
 */
export function validationOf(error: z.ZodError): CoreError {
  const issues = error.issues.flatMap(describeIssue)
  return validation(issues[0] ?? 'invalid request', issues)
}

// --- internal ---

type Call<I, T> = (monitor: Monitor, input: I, context: RouteContext) => Promise<Result<T, CoreError>>

/** A POST route: the body is validated by the core's input schema with its keys in snake_case. */
function post<S extends z.ZodObject, T>(
  path: string,
  schema: S,
  status: number,
  call: Call<z.output<S>, T>,
  rearm: (value: T) => RouteAnswer['rearm'],
): Route {
  const wire = wireSchema(schema)
  return {
    method: 'POST',
    path,
    pattern: new RegExp(`^${path.replaceAll('/', '\\/')}$`),
    handle: async (context, { body }) => {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return errorAnswer(validation('the request body must be a JSON object'))
      }
      const parsed = wire.safeParse(body, { reportInput: true })
      if (!parsed.success) return errorAnswer(validationOf(parsed.error))
      const result = await call(context.monitor, camelKeys(parsed.data) as z.output<S>, context)
      if (result.isErr()) return errorAnswer(result.error)
      const after = rearm(result.value)
      return after === undefined ? { status, body: toWire(result.value) } : { status, body: toWire(result.value), rearm: after }
    },
  }
}

/** A GET route: the query is validated (unknown parameters refused). */
function get<S extends z.ZodType<Record<string, unknown>>, T>(
  path: string,
  pattern: RegExp,
  query: S,
  call: (monitor: Monitor, query: z.output<S>, params: readonly string[], context: RouteContext) => Promise<Result<T, CoreError>>,
): Route {
  return {
    method: 'GET',
    path,
    pattern,
    handle: async (context, request) => {
      const parsed = query.safeParse(Object.fromEntries(request.query), { reportInput: true })
      if (!parsed.success) return errorAnswer(validationOf(parsed.error))
      const result = await call(context.monitor, parsed.data, request.params, context)
      return result.isErr() ? errorAnswer(result.error) : { status: 200, body: toWire(result.value) }
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
      return 'error' in result ? errorAnswer(result.error) : { status: result.status, body: toWire(result.body) }
    },
  }
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

/** The core's schema with its keys in snake_case and unknown keys refused. */
function wireSchema(schema: z.ZodObject): z.ZodType<Record<string, unknown>> {
  const shape = Object.fromEntries(Object.entries(schema.shape).map(([key, value]) => [snakeCase(key), value]))
  return z.strictObject(shape)
}

function camelKeys(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [camelCase(key), value]))
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = issue.path.map(String).join('.')
  const prefix = at === '' ? '' : `${at}: `
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${at === '' ? '' : `${at}.`}${key}: unknown field`)
    case 'custom':
      return [issue.message]
    case 'invalid_type':
      return [`${prefix}${issue.input === undefined ? 'is required' : `must be ${expected(issue)}`}`]
    case 'invalid_union':
      return [`${prefix}must be ${[...new Set(issue.errors.flat().map(expected))].join(' or ')}`]
    default:
      return [`${prefix}${issue.message}`]
  }
}

function expected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.expected === 'null' ? 'null' : `a ${issue.expected}`
  if (issue.code === 'invalid_value') return issue.values.map((value) => JSON.stringify(value)).join(' or ')
  if (issue.code === 'invalid_union') return [...new Set(issue.errors.flat().map(expected))].join(' or ')
  return 'valid'
}

function decode(param: string): string {
  try {
    return decodeURIComponent(param)
  } catch {
    return param
  }
}
