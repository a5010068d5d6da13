/**
 * Run logs through the wire: `POST /v1/runs/{code}:{uid}/output` (streamed frames),
 * `GET /v1/runs/{target}/log` (with follow), `POST /v1/push/job/skip`, and logs removed by
 * delete and truncate.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { encodeFrame, type LogChunk } from '@timon/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FOLLOW_RECHECK_MS } from '../src/routes/run-log-routes.js'
import { makeTempDir, rawRequest, startTestDaemon, type TestDaemon } from './helpers.js'

let t: TestDaemon
beforeAll(async () => {
  const dir = makeTempDir()
  t = await startTestDaemon(
    { exec: { logDir: join(dir.dir, 'data', 'logs'), maxLogBytes: 64 * 1024, maxFollowers: 2 } },
    dir,
  )
})
afterAll(async () => {
  await t?.cleanup()
})

async function startRun(code: string): Promise<string> {
  return (await t.client.startJob({ code }))._unsafeUnwrap().run.uid
}

async function readAll(target: string, follow = false): Promise<{ stdout: string; stderr: string; notes: string[] }> {
  const chunks = (await t.client.readLog(target, { follow }))._unsafeUnwrap()
  return collect(chunks)
}

async function collect(chunks: AsyncIterable<LogChunk>): Promise<{ stdout: string; stderr: string; notes: string[] }> {
  const out = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[], notes: [] as string[] }
  for await (const chunk of chunks) {
    if (chunk.stream === 'note') out.notes.push(Buffer.from(chunk.bytes).toString())
    else out[chunk.stream].push(chunk.bytes)
  }
  return {
    stdout: Buffer.concat(out.stdout).toString(),
    stderr: Buffer.concat(out.stderr).toString(),
    notes: out.notes,
  }
}

describe('run output and logs', () => {
  it('writes a run’s output to its log line by line, records the path, and reads it back', async () => {
    const uid = await startRun('logs.basic')
    const writer = await t.client.streamOutput('logs.basic', uid)
    writer.write('stdout', Buffer.from('hel'))
    writer.write('stderr', Buffer.from('warn: x\n'))
    writer.write('stdout', Buffer.from('lo\nlast'))
    const summary = (await writer.end())._unsafeUnwrap()
    expect(summary).toMatchObject({ received: 18, cut: 0 })
    expect(summary.logPath).toBe(`${t.config.dataDir}/logs/logs.basic/${uid}.log`)
    expect(readFileSync(summary.logPath, 'utf8')).toBe('2 warn: x\n1 hello\n1+last\n')
    expect(statSync(summary.logPath).mode & 0o777).toBe(0o640)
    expect(statSync(dirname(summary.logPath)).mode & 0o777).toBe(0o750)

    const run = (await t.client.show(`logs.basic:${uid}`))._unsafeUnwrap()
    expect(run).toMatchObject({ kind: 'report', report: { logPath: summary.logPath } })
    expect(await readAll(`logs.basic:${uid}`)).toEqual({ stdout: 'hello\nlast', stderr: 'warn: x\n', notes: [] })
    // `code` alone is the latest run; a skipped run is not taken for it.
    expect((await t.client.skipRun({ code: 'logs.basic', comment: 'still going' }))._unsafeUnwrap().run).toMatchObject({
      skipped: true,
      startComment: 'still going',
    })
    expect(await readAll('logs.basic')).toEqual({ stdout: 'hello\nlast', stderr: 'warn: x\n', notes: [] })
  })

  it('reads the latest run that started after any number of skipped runs', async () => {
    const uid = await startRun('logs.skips')
    const writer = await t.client.streamOutput('logs.skips', uid)
    writer.write('stdout', Buffer.from('ran\n'))
    ;(await writer.end())._unsafeUnwrap()
    for (let i = 0; i < 60; i++) (await t.client.skipRun({ code: 'logs.skips' }))._unsafeUnwrap()
    expect(await readAll('logs.skips')).toEqual({ stdout: 'ran\n', stderr: '', notes: [] })
  })

  it('answers 404 for an unknown run and for a run without output', async () => {
    const unknown = await t.client.readLog('logs.nothing:0123456789ab')
    expect(unknown._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      message: 'sample or run does not exist',
      status: 404,
    })
    const uid = await startRun('logs.silent')
    expect((await t.client.readLog(`logs.silent:${uid}`))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      message: 'no output was recorded for this run',
    })
    const writer = await t.client.streamOutput('logs.nothing', '0123456789ab')
    expect((await writer.end())._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      message: 'sample or run does not exist',
    })
  })

  it('refuses output for an ended run, a second output stream, a wrong type and broken frames', async () => {
    const ended = await startRun('logs.refused')
    await t.client.endJob({ code: 'logs.refused', uid: ended })
    expect((await (await t.client.streamOutput('logs.refused', ended)).end())._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'job has already ended',
    })

    const uid = await startRun('logs.refused')
    const first = await t.client.streamOutput('logs.refused', uid)
    first.write('stdout', Buffer.from('one\n'))
    // The first stream is open (its path is recorded): a second one is refused.
    await expect
      .poll(
        async () =>
          ((await t.client.show(`logs.refused:${uid}`))._unsafeUnwrap() as { report: { logPath: string | null } })
            .report.logPath,
      )
      .not.toBeNull()
    const errors: string[] = []
    const second = await t.client.streamOutput('logs.refused', uid, { onError: (error) => errors.push(error.message) })
    expect((await second.end())._unsafeUnwrapErr()).toMatchObject({
      code: 'conflict',
      message: 'output was already recorded for this run',
    })
    expect(errors).toEqual(['output was already recorded for this run'])
    expect((await first.end()).isOk()).toBe(true)

    const typed = await rawRequest(t.config.socket, {
      method: 'POST',
      path: `/v1/runs/logs.refused:${uid}/output`,
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(typed.status).toBe(415)
    const other = await startRun('logs.refused')
    const broken = await rawRequest(t.config.socket, {
      method: 'POST',
      path: `/v1/runs/logs.refused:${other}/output`,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.concat([encodeFrame('stdout', Buffer.from('fine\n')), Buffer.from([7, 0, 0, 0, 1, 0])]),
    })
    expect(broken).toMatchObject({
      status: 400,
      json: { error: { code: 'validation', message: 'malformed output: unknown stream id 7' } },
    })
    expect(await readAll(`logs.refused:${other}`)).toMatchObject({ stdout: 'fine\n' })
  })

  it('keeps the tail of output past max_log_size, with a note of what was cut', async () => {
    const uid = await startRun('logs.capped')
    const writer = await t.client.streamOutput('logs.capped', uid)
    let all = ''
    for (let i = 0; i < 5000; i++) {
      const line = `line ${i} ${'x'.repeat(40)}\n`
      all += line
      if (!writer.write('stdout', Buffer.from(line))) await writer.drained()
    }
    const summary = (await writer.end())._unsafeUnwrap()
    expect(statSync(summary.logPath).size).toBeLessThanOrEqual(64 * 1024)
    const log = await readAll(`logs.capped:${uid}`)
    expect(log.notes).toEqual([
      `${summary.cut} bytes of earlier output were cut (the log keeps the last 64KiB at most)`,
    ])
    expect(all.endsWith(log.stdout)).toBe(true)
    expect(log.stdout.startsWith('line ')).toBe(true)
    expect(summary.cut).toBe(all.length - log.stdout.length)
  })

  it('follows a running run: output written later comes, and the end of the run ends it', async () => {
    const uid = await startRun('logs.follow')
    // Following starts before the run has any output: the answer comes at once, the output as it is written.
    const following = collect((await t.client.readLog(`logs.follow:${uid}`, { follow: true }))._unsafeUnwrap())
    const writer = await t.client.streamOutput('logs.follow', uid)
    writer.write('stdout', Buffer.from('first\n'))
    await expect.poll(() => existsSync(`${t.config.dataDir}/logs/logs.follow/${uid}.log`)).toBe(true)
    writer.write('stderr', Buffer.from('second\n'))
    writer.write('stdout', Buffer.from('third'))
    ;(await writer.end())._unsafeUnwrap()
    await t.client.endJob({ code: 'logs.follow', uid })
    expect(await following).toEqual({ stdout: 'first\nthird', stderr: 'second\n', notes: [] })
  })

  it('follows a run that ends without output to a note saying so', async () => {
    const uid = await startRun('logs.follow')
    const following = collect((await t.client.readLog(`logs.follow:${uid}`, { follow: true }))._unsafeUnwrap())
    await t.client.endJob({ code: 'logs.follow', uid })
    expect(await following).toEqual({ stdout: '', stderr: '', notes: ['no output was recorded for this run'] })
  })

  it('wakes a follower by the run’s news, without polling the database', async () => {
    const uid = await startRun('logs.news')
    const monitor = t.daemon.monitor
    let looks = 0
    const findRun = monitor.findRun.bind(monitor)
    monitor.findRun = (code, runUid) => {
      looks++
      return findRun(code, runUid)
    }
    try {
      const following = collect((await t.client.readLog(`logs.news:${uid}`, { follow: true }))._unsafeUnwrap())
      const before = looks
      // A window in which a polling follower (every 250 ms) would have looked twice or more.
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect(looks - before).toBe(0)
      const writer = await t.client.streamOutput('logs.news', uid)
      writer.write('stdout', Buffer.from('news\n'))
      ;(await writer.end())._unsafeUnwrap()
      const ending = Date.now()
      await t.client.endJob({ code: 'logs.news', uid })
      expect(await following).toEqual({ stdout: 'news\n', stderr: '', notes: [] })
      expect(Date.now() - ending).toBeLessThan(FOLLOW_RECHECK_MS)
    } finally {
      monitor.findRun = findRun
    }
  })

  it('answers 429 too_many_followers past [exec] max_followers, and frees a place when a follower stops', async () => {
    const uids = [await startRun('logs.cap'), await startRun('logs.cap'), await startRun('logs.cap')]
    const first = collect((await t.client.readLog(`logs.cap:${uids[0]}`, { follow: true }))._unsafeUnwrap())
    const second = collect((await t.client.readLog(`logs.cap:${uids[1]}`, { follow: true }))._unsafeUnwrap())
    const refused = await t.client.readLog(`logs.cap:${uids[2]}`, { follow: true })
    expect(refused._unsafeUnwrapErr()).toMatchObject({ code: 'too_many_followers', status: 429 })
    // Reading without following is not capped (this run has no output yet).
    expect((await t.client.readLog(`logs.cap:${uids[2]}`))._unsafeUnwrapErr()).toMatchObject({
      code: 'not_found',
      status: 404,
    })
    await t.client.endJob({ code: 'logs.cap', uid: uids[0] as string })
    await first
    const third = collect((await t.client.readLog(`logs.cap:${uids[2]}`, { follow: true }))._unsafeUnwrap())
    for (const uid of uids.slice(1)) await t.client.endJob({ code: 'logs.cap', uid: uid as string })
    expect(await second).toEqual({ stdout: '', stderr: '', notes: ['no output was recorded for this run'] })
    expect(await third).toEqual({ stdout: '', stderr: '', notes: ['no output was recorded for this run'] })
  })

  it('removes the log files of the runs that delete and truncate remove', async () => {
    const write = async (code: string) => {
      const uid = await startRun(code)
      const writer = await t.client.streamOutput(code, uid)
      writer.write('stdout', Buffer.from(`${uid}\n`))
      const path = (await writer.end())._unsafeUnwrap().logPath
      await t.client.endJob({ code, uid })
      return { uid, path }
    }
    const one = await write('logs.gone')
    const two = await write('logs.gone')
    const deleted = (await t.client.delete(`logs.gone:${one.uid}`))._unsafeUnwrap()
    expect(deleted.kind).toBe('report')
    expect(existsSync(one.path)).toBe(false)
    expect(existsSync(two.path)).toBe(true)
    await t.client.delete('logs.gone', { force: true })
    expect(existsSync(two.path)).toBe(false)
    expect(existsSync(dirname(two.path))).toBe(false)

    const old = await write('logs.truncated')
    const latest = await write('logs.truncated')
    const truncated = (await t.client.truncate({ code: 'logs.truncated', keep: '0s' }))._unsafeUnwrap()
    expect(truncated.logPaths).toEqual([old.path])
    expect(existsSync(old.path)).toBe(false)
    expect(existsSync(latest.path)).toBe(true)
  })

  it('stops promptly with an output stream open, keeping what came', async () => {
    const other = await startTestDaemon()
    try {
      const uid = (await other.client.startJob({ code: 'logs.stop' }))._unsafeUnwrap().run.uid
      const errors: string[] = []
      const writer = await other.client.streamOutput('logs.stop', uid, { onError: (error) => errors.push(error.code) })
      writer.write('stdout', Buffer.from('kept\npartial'))
      const path = `${other.config.dataDir}/logs/logs.stop/${uid}.log`
      await expect.poll(() => (existsSync(path) ? readFileSync(path, 'utf8') : '')).toBe('1 kept\n')
      const started = Date.now()
      await other.daemon.stop()
      expect(Date.now() - started).toBeLessThan(3000)
      expect(readFileSync(path, 'utf8')).toBe('1 kept\n1+partial\n')
      expect((await writer.end()).isErr()).toBe(true)
      expect(errors).toHaveLength(1)
    } finally {
      await other.cleanup()
    }
  })
})
