/** The daemon's notifier targets: the test target logged at start, the notify and retry routes, reloads. */
import { parseCommands } from '@timon/notify-command'
import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest, startTestDaemon, testConfig, type TestDaemon } from './helpers.js'

const commands = (...tables: { name: string; code: number }[]) =>
  parseCommands(
    tables.map(({ name, code }) => ({
      name,
      on: ['incident.*'],
      command: [process.execPath, '-e', `process.stderr.write('code ${code}');process.exit(${code})`],
      retry: { attempts: 0 },
    })),
  )._unsafeUnwrap()

let running: TestDaemon | undefined

afterEach(async () => {
  await running?.cleanup()
  running = undefined
})

describe('notifier targets in the daemon', () => {
  it('logs the test target at start, and answers notify test per target', async () => {
    running = await startTestDaemon({
      commands: commands({ name: 'ok', code: 0 }, { name: 'bad', code: 2 }),
      notify: { testTarget: 'ok' },
    })
    expect(running.log.lines.join('\n')).toContain('notification test routing: every notification goes to "ok" only')
    // With the test target, "bad"'s test goes to "ok" too.
    expect((await running.client.notifyTest())._unsafeUnwrap()).toEqual([
      { target: 'ok', delivered: true },
      { target: 'bad', delivered: true },
    ])
  })

  it('reports each target of notify test, and a failure with its reason', async () => {
    running = await startTestDaemon({ commands: commands({ name: 'ok', code: 0 }, { name: 'bad', code: 2 }) })
    expect((await running.client.notifyTest())._unsafeUnwrap()).toEqual([
      { target: 'ok', delivered: true },
      { target: 'bad', delivered: false, error: 'exit status 2: code 2' },
    ])
    const unknown = await rawRequest(running.config.socket, {
      method: 'POST',
      path: '/v1/notify/test',
      body: '{"target":"nope"}',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(unknown).toMatchObject({
      status: 404,
      json: { error: { code: 'not_found', message: 'no notifier target has that name' } },
    })
  })

  it('validates deliveries/retry: one of id or failed, a known failed delivery', async () => {
    running = await startTestDaemon()
    const post = (body: string) =>
      rawRequest(running?.config.socket ?? '', {
        method: 'POST',
        path: '/v1/deliveries/retry',
        body,
        headers: { 'Content-Type': 'application/json' },
      })
    expect(await post('{}')).toMatchObject({
      status: 400,
      json: { error: { message: 'give either id or failed: true' } },
    })
    expect(await post('{"id":1,"failed":true}')).toMatchObject({ status: 400 })
    expect(await post('{"failed":false}')).toMatchObject({ status: 400 })
    expect(await post('{"id":99}')).toMatchObject({
      status: 404,
      json: { error: { message: 'delivery does not exist' } },
    })
    expect(await post('{"failed":true}')).toMatchObject({ status: 200, json: { requeued: 0 } })
  })

  it('reloads the notifier tables, reporting the targets added, removed and kept', async () => {
    running = await startTestDaemon({ commands: commands({ name: 'a', code: 0 }, { name: 'b', code: 0 }) })
    const next = testConfig(running.dir, {
      commands: commands({ name: 'b', code: 0 }, { name: 'c', code: 0 }),
      notify: { testTarget: 'c' },
    })
    expect((await running.daemon.reload(next)).targets).toEqual({ added: ['c'], removed: ['a'], kept: 1 })
    const log = running.log.lines.join('\n')
    expect(log).toContain('notifier targets 1 (c) added, 1 (a) removed, 1 kept')
    expect(log).toContain('every notification goes to "c" only')
  })
})
