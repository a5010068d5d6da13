/**
 * The client's HTTP/1.1 transport over `node:net`: the answer parser byte by byte, and the
 * connection pool against real `net` servers on temp Unix sockets (keep-alive reuse, a server
 * closing idle connections, malformed answers, timeouts). Against the real daemon: the daemon's
 * package, test/client.test.ts.
 */
import { execFile } from 'node:child_process'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TimonClient, type HttpResponse, type TransportResult } from '@timon/client'
import { ResponseParser } from '../src/transport/response-parser.js'
import { UnixSocketTransport } from '../src/transport/unix-socket.js'
import { makeTempDir } from './helpers.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Feeds `parts` to a new parser; returns the answer, or the message of the error thrown. */
function parse(parts: readonly (string | Buffer)[], method = 'GET', max?: number): HttpResponse | string | undefined {
  const parser = new ResponseParser(method, max)
  try {
    let answer: HttpResponse | undefined
    for (const part of parts) {
      const got = parser.feed(typeof part === 'string' ? Buffer.from(part, 'latin1') : part)
      if (got !== undefined) {
        if (answer !== undefined) return 'answered twice'
        answer = got
      }
    }
    return answer
  } catch (error) {
    return (error as Error).message
  }
}

function simple(answer: HttpResponse | string | undefined): unknown {
  if (answer === undefined || typeof answer === 'string') return answer
  return { status: answer.status, headers: answer.headers, body: answer.body.toString('utf8') }
}

const GOOD: readonly (readonly [
  name: string,
  wire: string,
  expected: { status: number; body: string; headers?: Record<string, string> },
])[] = [
  [
    'Content-Length',
    'HTTP/1.1 201 Created\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n{"ok":true}\n',
    {
      status: 201,
      body: '{"ok":true}\n',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '12', connection: 'keep-alive' },
    },
  ],
  [
    'chunked, with an extension and trailers',
    // The second chunk is 9 bytes of UTF-8 (7 characters): sizes count bytes.
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\n{"a"\r\n9\r\n:"éé"}\n\r\n0\r\nX-Trailer: yes\r\n\r\n',
    { status: 200, body: '{"a":"éé"}\n' },
  ],
  [
    'an interim 100 Continue first',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    { status: 200, body: 'hi' },
  ],
  ['an empty body', 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n', { status: 404, body: '' }],
  ['no reason phrase', 'HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx', { status: 200, body: 'x' }],
  [
    'a 204 without a length',
    'HTTP/1.1 204 No Content\r\nX-Y:  spaced  \r\n\r\n',
    { status: 204, body: '', headers: { 'x-y': 'spaced' } },
  ],
  [
    'repeated headers',
    'HTTP/1.1 200 OK\r\nVary: a\r\nVary: b\r\nContent-Length: 0\r\n\r\n',
    { status: 200, body: '', headers: { vary: 'a, b', 'content-length': '0' } },
  ],
]

describe('ResponseParser', () => {
  for (const [name, text, expected] of GOOD) {
    // Split the bytes, not the characters.
    const wire = Buffer.from(text, 'utf8')

    it(`reads an answer with ${name}, split at every byte boundary`, () => {
      const want = {
        status: expected.status,
        body: expected.body,
        ...(expected.headers === undefined ? {} : { headers: expected.headers }),
      }
      expect(simple(parse([wire]))).toMatchObject(want)
      for (let at = 0; at <= wire.length; at++)
        expect([at, simple(parse([wire.subarray(0, at), wire.subarray(at)]))]).toMatchObject([at, want])
      const bytes = Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1))
      expect(simple(parse(bytes))).toMatchObject(want)
    })
  }

  it('reads a body that ends with the connection', () => {
    const parser = new ResponseParser('GET')
    expect(parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '))).toBeUndefined()
    expect(parser.reusable).toBe(false)
    expect(parser.feed(Buffer.from('part two'))).toBeUndefined()
    expect(parser.end().body.toString()).toBe('part one, part two')
  })

  it('reads no body for a HEAD request', () => {
    expect(simple(parse(['HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'], 'HEAD'))).toMatchObject({
      status: 200,
      body: '',
    })
  })

  it('says whether the connection may be reused', () => {
    const reusable = (wire: string) => {
      const parser = new ResponseParser('GET')
      parser.feed(Buffer.from(wire))
      return parser.reusable
    }
    expect(reusable('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(true)
    expect(reusable('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(reusable('HTTP/1.1 200 OK\r\nConnection: foo, close\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(reusable('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(reusable('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n')).toBe(true)
  })

  it.each([
    ['not HTTP', ['hello there\r\n\r\n'], 'not an HTTP answer: "hello there\\r\\n\\r\\n"'],
    ['not HTTP, told at once', ['X'], 'not an HTTP answer: "X"'],
    ['HTTP/2', ['HTTP/2 200 OK\r\n\r\n'], 'bad status line in the answer: "HTTP/2 200 OK"'],
    ['a four-digit status', ['HTTP/1.1 2000 OK\r\n\r\n'], 'bad status line in the answer: "HTTP/1.1 2000 OK"'],
    [
      'a status line with a bare LF',
      ['HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n'],
      'bad status line in the answer: "HTTP/1.1 200 OK\\nContent-Length: 0"',
    ],
    [
      'a header without a colon',
      ['HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n'],
      'bad header line in the answer: "Content-Length 0"',
    ],
    [
      'a space before the colon',
      ['HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n'],
      'bad header line in the answer: "Content-Length : 0"',
    ],
    [
      'a folded header',
      ['HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n'],
      'folded header line in the answer: "  2"',
    ],
    [
      'a control character in a value',
      ['HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n'],
      'bad header line in the answer: "X-A: a\\u0000b"',
    ],
    [
      'a 101',
      ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n'],
      'the daemon switched protocols (HTTP 101), which was not asked for',
    ],
    [
      'both framings',
      ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
      'the answer has both Transfer-Encoding and Content-Length',
    ],
    [
      'gzip',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
      'unsupported Transfer-Encoding in the answer: "gzip, chunked"',
    ],
    [
      'a non-numeric length',
      ['HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n'],
      'bad Content-Length in the answer: "12a"',
    ],
    ['a negative length', ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'], 'bad Content-Length in the answer: "-1"'],
    [
      'two different lengths',
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx'],
      'bad Content-Length in the answer: "1, 2"',
    ],
    [
      'a bad chunk size',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
      'bad chunk size line in the answer: "zz"',
    ],
    [
      'a negative chunk size',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n'],
      'bad chunk size line in the answer: "-1"',
    ],
    [
      'a chunk longer than its size',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'],
      'a chunk of the answer is longer than its size says',
    ],
    [
      'a bad trailer',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a trailer\r\n\r\n'],
      'bad trailer line in the answer: "not a trailer"',
    ],
    [
      'bytes past the body',
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'],
      'the daemon sent 5 bytes after its answer',
    ],
    [
      'bytes past the body, later',
      ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'EXTRA'],
      'the daemon sent 5 bytes after its answer',
    ],
    [
      'a body over the cap',
      ['HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n'],
      'the answer is over 100 bytes (101): refused',
    ],
    [
      'chunks over the cap',
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n', 'x'.repeat(64), '\r\n40\r\n'],
      'the answer is over 100 bytes (128): refused',
    ],
    [
      'a body to the end over the cap',
      ['HTTP/1.1 200 OK\r\n\r\n', 'x'.repeat(60), 'x'.repeat(60)],
      'the answer is over 100 bytes (120): refused',
    ],
    [
      'headers over 64 KiB',
      ['HTTP/1.1 200 OK\r\n', `X-Big: ${'x'.repeat(64 * 1024)}`],
      "the answer's headers are over 65536 bytes",
    ],
  ])('refuses %s with a clear error', (_name, parts, message) => {
    expect(parse(parts, 'GET', 100)).toBe(message)
  })

  it('refuses a Content-Length over 64 MiB by default', () => {
    expect(parse([`HTTP/1.1 200 OK\r\nContent-Length: ${64 * 1024 * 1024 + 1}\r\n\r\n`])).toBe(
      'the answer is over 67108864 bytes (67108865): refused',
    )
    expect(parse([`HTTP/1.1 200 OK\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`])).toBeUndefined()
  })

  it('tells a cut answer apart from no answer at the end of the connection', () => {
    const none = new ResponseParser('GET')
    expect(none.started).toBe(false)
    expect(() => none.end()).toThrow('the daemon closed the connection without answering')
    const cut = new ResponseParser('GET')
    cut.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'))
    expect(cut.started).toBe(true)
    expect(() => cut.end()).toThrow('the daemon closed the connection in the middle of its answer (in its body)')
  })
})

// --- against real servers ---

interface FakeServer {
  readonly path: string
  /** Connections accepted so far. */
  readonly connections: Socket[]
  /** Requests received (head and body as text), in order. */
  readonly requests: string[]
}

/**
 * A `net` server on a temp Unix socket that reads one request at a time (head, then the body by its
 * Content-Length) and lets `answer` write whatever it wants on the socket.
 */
async function fakeServer(
  answer: (socket: Socket, request: string, index: number, connection: number) => void,
): Promise<FakeServer> {
  const dir = makeTempDir()
  const path = join(dir.dir, 'f.sock')
  const connections: Socket[] = []
  const requests: string[] = []
  const server: Server = createServer((socket) => {
    const connection = connections.length
    connections.push(socket)
    socket.on('error', () => {})
    let buffered = ''
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n')
        if (end === -1) return
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0)
        if (Buffer.byteLength(buffered.slice(end + 4)) < length) return
        const request = buffered.slice(0, end + 4 + length)
        buffered = buffered.slice(end + 4 + length)
        requests.push(request)
        answer(socket, request, requests.length - 1, connection)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  cleanups.push(async () => {
    for (const socket of connections) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
    dir.remove()
  })
  return { path, connections, requests }
}

function json(body: unknown, extra = ''): string {
  const text = `${JSON.stringify(body)}\n`
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`
}

function transport(
  path: string,
  options: Partial<ConstructorParameters<typeof UnixSocketTransport>[0]> = {},
): UnixSocketTransport {
  const made = new UnixSocketTransport({ socketPath: path, ...options })
  cleanups.push(() => made.close())
  return made
}

function answered(result: TransportResult): { status: number; body: string } {
  if (!result.ok) throw new Error(`expected an answer, got ${result.failure.kind}: ${result.failure.message}`)
  return { status: result.response.status, body: result.response.body.toString('utf8') }
}

function failed(result: TransportResult): { kind: string; message: string } {
  if (result.ok) throw new Error(`expected a failure, got HTTP ${result.response.status}`)
  return { kind: result.failure.kind, message: result.failure.message }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('UnixSocketTransport', () => {
  it('sends the request line, Host, fixed headers and a Content-Length body', async () => {
    const server = await fakeServer((socket) => socket.write(json({ ok: true })))
    const t = transport(server.path, { headers: { Accept: 'application/json' } })
    expect(answered(await t.request('POST', '/v1/push/probe?x=1', '{"code":"é"}'))).toEqual({
      status: 200,
      body: '{"ok":true}\n',
    })
    expect(server.requests).toEqual([
      'POST /v1/push/probe?x=1 HTTP/1.1\r\nHost: timon\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"code":"é"}',
    ])
  })

  it('reads answers split at every byte boundary on the wire', async () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n')
    const server = await fakeServer((socket, _request, index) => {
      const at = index % (wire.length + 1)
      socket.write(wire.subarray(0, at))
      setTimeout(() => socket.write(wire.subarray(at)), 1)
    })
    const t = transport(server.path)
    for (let at = 0; at <= wire.length; at++)
      expect([at, answered(await t.request('GET', '/'))]).toEqual([at, { status: 200, body: 'abcde' }])
    expect(server.connections).toHaveLength(1)
  })

  it('reuses one kept-alive connection for requests in turn', async () => {
    const server = await fakeServer((socket, _request, index) => socket.write(json({ index })))
    const t = transport(server.path)
    for (let i = 0; i < 20; i++) expect(answered(await t.request('GET', '/healthz')).body).toBe(`{"index":${i}}\n`)
    expect(server.connections).toHaveLength(1)
    expect(t.openConnections).toBe(1)
  })

  it('opens more connections while all are busy, up to the pool size, and queues past it', async () => {
    const server = await fakeServer((socket, _request, index) => setTimeout(() => socket.write(json({ index })), 5))
    const t = transport(server.path, { maxConnections: 3 })
    const results = await Promise.all(Array.from({ length: 30 }, () => t.request('GET', '/')))
    expect(results.every((result) => result.ok && result.response.status === 200)).toBe(true)
    expect(server.connections).toHaveLength(3)
    expect(server.requests).toHaveLength(30)
  })

  it('does not reuse a connection the answer says to close, or that ended with the answer', async () => {
    const server = await fakeServer((socket, _request, index) => {
      if (index === 0) socket.write(json({ index }, 'Connection: close\r\n'))
      else socket.end('HTTP/1.1 200 OK\r\n\r\nto the end')
    })
    const t = transport(server.path)
    expect(answered(await t.request('GET', '/')).body).toBe('{"index":0}\n')
    expect(answered(await t.request('GET', '/'))).toEqual({ status: 200, body: 'to the end' })
    expect(server.connections).toHaveLength(2)
    await sleep(10)
    expect(t.openConnections).toBe(0)
  })

  it('drops an idle connection the server closed, and opens a new one', async () => {
    const server = await fakeServer((socket, _request, index) => {
      socket.write(json({ index }))
      setTimeout(() => socket.end(), 5)
    })
    const t = transport(server.path)
    expect(answered(await t.request('GET', '/')).body).toBe('{"index":0}\n')
    await sleep(30)
    expect(t.openConnections).toBe(0)
    expect(answered(await t.request('GET', '/')).body).toBe('{"index":1}\n')
    expect(server.connections).toHaveLength(2)
  })

  it('sends a request again, once, on a new connection when a reused one closes before answering', async () => {
    // The race with a server's keep-alive timeout: the idle connection closes as the request arrives.
    for (const close of ['end', 'destroy'] as const) {
      const server = await fakeServer((socket, _request, index) => {
        if (index === 1) socket[close]()
        else socket.write(json({ index }))
      })
      const t = transport(server.path)
      expect(answered(await t.request('POST', '/v1/push/probe', '{}')).body).toBe('{"index":0}\n')
      expect(answered(await t.request('POST', '/v1/push/probe', '{}')).body).toBe('{"index":2}\n')
      expect(server.connections).toHaveLength(2)
    }
  })

  it('fails as closed when a new connection closes before answering, without sending again', async () => {
    const server = await fakeServer((socket) => socket.end())
    const t = transport(server.path)
    expect(failed(await t.request('POST', '/', '{}'))).toEqual({
      kind: 'closed',
      message: 'the daemon closed the connection without answering',
    })
    expect(server.requests).toHaveLength(1)
  })

  it('sends again only once', async () => {
    const server = await fakeServer((socket, _request, index) =>
      index === 0 ? socket.write(json({ index })) : socket.destroy(),
    )
    const t = transport(server.path)
    answered(await t.request('GET', '/'))
    expect(failed(await t.request('GET', '/')).kind).toBe('closed')
    expect(server.requests).toHaveLength(3)
  })

  it('fails as closed, without sending again, when the connection breaks mid-answer', async () => {
    const server = await fakeServer((socket, _request, index) => {
      if (index === 0) socket.write(json({ index }))
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')
    })
    const t = transport(server.path)
    answered(await t.request('GET', '/'))
    expect(failed(await t.request('GET', '/'))).toEqual({
      kind: 'closed',
      message: 'the daemon closed the connection in the middle of its answer (in its body)',
    })
    expect(server.requests).toHaveLength(2)
  })

  it('fails a malformed answer as protocol, drops the connection, and keeps working', async () => {
    const server = await fakeServer((socket, _request, index) =>
      socket.write(index === 0 ? 'SSH-2.0-OpenSSH\r\n' : json({ index })),
    )
    const t = transport(server.path)
    expect(failed(await t.request('GET', '/'))).toEqual({
      kind: 'protocol',
      message: 'not an HTTP answer: "SSH-2.0-OpenSSH\\r\\n"',
    })
    expect(answered(await t.request('GET', '/')).body).toBe('{"index":1}\n')
    expect(server.connections).toHaveLength(2)
  })

  it('refuses an answer over the size limit', async () => {
    const server = await fakeServer((socket) =>
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${64 * 1024 * 1024 + 1}\r\n\r\n`),
    )
    const t = transport(server.path)
    expect(failed(await t.request('GET', '/'))).toEqual({
      kind: 'protocol',
      message: 'the answer is over 67108864 bytes (67108865): refused',
    })
  })

  it('drops a connection on which the server talks out of turn', async () => {
    const server = await fakeServer((socket, _request, index) => {
      socket.write(json({ index }))
      setTimeout(() => socket.write('unsolicited'), 5)
    })
    const t = transport(server.path)
    answered(await t.request('GET', '/'))
    await sleep(30)
    expect(t.openConnections).toBe(0)
  })

  it('times out, and drops the connection', async () => {
    const server = await fakeServer(() => {})
    const t = transport(server.path, { timeoutMs: 50 })
    const started = Date.now()
    expect(failed(await t.request('GET', '/'))).toEqual({ kind: 'timeout', message: 'no answer within 50 ms' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(t.openConnections).toBe(0)
  })

  it('times out a request still waiting for a connection', async () => {
    const server = await fakeServer(() => {})
    const t = transport(server.path, { timeoutMs: 50, maxConnections: 1 })
    const results = await Promise.all([t.request('GET', '/'), t.request('GET', '/')])
    expect(results.map((result) => failed(result).kind)).toEqual(['timeout', 'timeout'])
  })

  it('reports a connect error with its errno code', async () => {
    const dir = makeTempDir()
    cleanups.push(dir.remove)
    const t = transport(join(dir.dir, 'nobody.sock'))
    expect(await t.request('GET', '/')).toEqual({
      ok: false,
      failure: { kind: 'connect', message: 'connect ENOENT', code: 'ENOENT' },
    })
  })

  it('refuses to send a method or path that would break the framing', async () => {
    const t = transport('/nonexistent.sock')
    expect(failed(await t.request('GET', '/a b'))).toEqual({
      kind: 'invalid',
      message: 'invalid request path "/a b": it must start with "/" and hold printable ASCII only',
    })
    expect(failed(await t.request('GET', '/a\r\nX-Evil: 1'))).toMatchObject({ kind: 'invalid' })
    expect(failed(await t.request('GET', 'relative'))).toMatchObject({ kind: 'invalid' })
    expect(failed(await t.request('GE T', '/'))).toEqual({ kind: 'invalid', message: 'invalid request method "GE T"' })
  })

  it('fails requests in flight when closed, and works again afterwards', async () => {
    const server = await fakeServer((socket, _request, index) =>
      index === 0 ? undefined : socket.write(json({ index })),
    )
    const t = transport(server.path)
    const pending = t.request('GET', '/')
    await sleep(10)
    t.close()
    expect(failed(await pending)).toEqual({ kind: 'closed', message: 'the client was closed' })
    expect(answered(await t.request('GET', '/')).body).toBe('{"index":1}\n')
  })

  it('does not keep a process alive with idle connections', async () => {
    // In a child process (the built module): it must exit on its own after its answer, without close().
    const server = await fakeServer((socket) => socket.write(json({ ok: true })))
    const module = new URL('../dist/transport/unix-socket.js', import.meta.url).href
    const code = `const { UnixSocketTransport } = await import(${JSON.stringify(module)}); const r = await new UnixSocketTransport({ socketPath: ${JSON.stringify(server.path)} }).request('GET', '/'); console.log(r.ok ? r.response.status : r.failure.message)`
    const started = Date.now()
    // (Not spawnSync: the server answers from this process.)
    const child = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', code],
        { encoding: 'utf8', timeout: 10_000 },
        (error, stdout, stderr) => resolve({ error, stdout, stderr }),
      ),
    )
    expect([child.error, child.stdout.trim(), child.stderr]).toEqual([null, '200', ''])
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('TimonClient over the transport', () => {
  it('maps a malformed answer, a cut connection and a timeout to protocol, protocol and timeout', async () => {
    const server = await fakeServer((socket, _request, index) => {
      if (index === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n')
      else if (index === 1) socket.end()
    })
    const client = new TimonClient({ socketPath: server.path, timeoutMs: 50 })
    cleanups.push(() => client.close())
    expect((await client.health())._unsafeUnwrapErr()).toEqual({
      code: 'protocol',
      message: `unexpected answer from ${server.path}: bad Content-Length in the answer: "x"`,
    })
    expect((await client.health())._unsafeUnwrapErr()).toEqual({
      code: 'protocol',
      message: `lost the connection to the Timon daemon at ${server.path}: the daemon closed the connection without answering`,
    })
    expect((await client.health())._unsafeUnwrapErr()).toEqual({
      code: 'timeout',
      message: `the Timon daemon at ${server.path} did not answer within 50 ms`,
    })
  })

  it('reads a chunked JSON answer and a non-JSON one', async () => {
    const server = await fakeServer((socket, _request, index) => {
      if (index === 0)
        socket.write(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{"ok":\r\n17\r\ntrue,"version":"1.2.3"}\r\n0\r\n\r\n',
        )
      else socket.write('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\noops\n')
    })
    const client = new TimonClient({ socketPath: server.path })
    cleanups.push(() => client.close())
    expect((await client.health())._unsafeUnwrap()).toEqual({ ok: true, version: '1.2.3' })
    expect((await client.health())._unsafeUnwrapErr()).toEqual({
      code: 'protocol',
      status: 502,
      message: `unexpected answer from ${server.path} (HTTP 502): "oops\\n"`,
    })
  })

  it('refuses an invalid raw path without sending it', async () => {
    const client = new TimonClient({ socketPath: '/nonexistent.sock' })
    expect((await client.request('GET', '/a b'))._unsafeUnwrapErr()).toMatchObject({ code: 'validation' })
  })
})
