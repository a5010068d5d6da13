import { describe, expect, it } from 'vitest'
import { runCli } from '../test/fake-io.js'
import { contract, sample } from '../test/fixtures.js'
import { VERSION } from './version.js'

describe('timon (dispatch, help and errors)', () => {
  it('prints the list of commands with no arguments, with --help and with help', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const { status, stdout, stderr } = await runCli(argv)
      expect(status).toBe(0)
      expect(stdout).toContain('Usage:\n  timon <command> [flags]\n')
      expect(stdout).toContain('  push job start     Start a new job run and print its uid\n')
      expect(stdout).toContain('  deliveries retry   Queue failed deliveries again\n')
      expect(stderr).toBe('')
    }
  })

  it('runs the longest command a line names: deliveries, then deliveries retry', async () => {
    const retry = await runCli(['deliveries', 'retry', '--help'])
    expect(retry.stdout).toContain('deliveries retry <delivery-id> | --failed')
    const list = await runCli(['deliveries', '--help'])
    expect(list.stdout).toContain('List webhook deliveries')
  })

  it('prints "Timon <version>" for --version and version', async () => {
    expect((await runCli(['--version'])).stdout).toBe(`Timon ${VERSION}\n`)
    expect((await runCli(['version'])).stdout).toBe(`Timon ${VERSION}\n`)
    const extra = await runCli(['version', 'now'])
    expect(extra.status).toBe(1)
    expect(extra.stdout).toBe('')
  })

  it('prints the help of version for version --help and -h, not the version', async () => {
    for (const flag of ['--help', '-h']) {
      const { status, stdout } = await runCli(['version', flag])
      expect(status).toBe(0)
      expect(stdout).toContain('Usage:\n  timon version')
      expect(stdout).not.toContain(`Timon ${VERSION}`)
    }
  })

  it("prints a command's help for --help, -h and help <command>, without checking its arguments", async () => {
    const viaFlag = await runCli(['push', 'probe', '--help'])
    expect(viaFlag.status).toBe(0)
    expect(viaFlag.stdout).toContain('Usage:\n  timon push probe <code> <healthy|warning|critical> [flags]\n')
    expect(viaFlag.stdout).toContain('--stale-incident-after <duration>')
    expect(viaFlag.connected).toBe(false)
    expect((await runCli(['help', 'push', 'probe'])).stdout).toBe(viaFlag.stdout)
    expect((await runCli(['show', 'x', 'y', '-h'])).status).toBe(0)
  })

  it('prints the help of a group of commands', async () => {
    const push = await runCli(['push'])
    expect(push.status).toBe(0)
    expect(push.stdout).toContain('  probe       Push a health report for a probe\n')
    expect(push.stdout).toContain('  job start   Start a new job run and print its uid\n')
    const job = await runCli(['push', 'job', '--help'])
    expect(job.stdout).toContain('Usage:\n  timon push job <command> [flags]\n')
    expect((await runCli(['help', 'push', 'job'])).stdout).toBe(job.stdout)
  })

  it('rejects unknown commands and flags with one Error line and status 1', async () => {
    const unknown = await runCli(['frobnicate'])
    expect(unknown).toMatchObject({ status: 1, stdout: '' })
    expect(unknown.stderr).toBe('Error: unknown command "frobnicate" for "timon"\nRun "timon --help" for usage.\n')
    expect((await runCli(['push', 'sample'])).stderr).toMatch(/^Error: unknown command "sample" for "timon push"\n/)
    expect((await runCli(['--frob'])).stderr).toMatch(/^Error: unknown flag: --frob\n/)
    expect((await runCli(['help', 'nothing'])).status).toBe(1)
  })

  it('follows a command-line mistake with the usage block, and a daemon error with nothing', async () => {
    const mistake = await runCli(['status', '--frob'])
    expect(mistake.status).toBe(1)
    expect(mistake.stdout).toBe('')
    expect(mistake.stderr).toMatch(/^Error: unknown flag: --frob\nUsage:\n {2}timon status \[flags\]\n\nFlags:\n/)

    const refused = await runCli(['summary'], { errors: { summary: { code: 'internal', message: 'internal error' } } })
    expect(refused).toMatchObject({ status: 1, stdout: '', stderr: 'Error: internal error\n' })
  })

  it('reports an unreachable daemon with the client message and adds the code with -v', async () => {
    const unreachable = {
      code: 'unreachable' as const,
      message:
        'cannot reach the Timon daemon at /tmp/x.sock (connect ENOENT): is it running? Start it with "timon daemon"',
    }
    const quiet = await runCli(['status'], { errors: { status: unreachable } })
    expect(quiet).toMatchObject({ status: 1, stdout: '', stderr: `Error: ${unreachable.message}\n` })
    const verbose = await runCli(['-v', 'status'], { errors: { status: unreachable } })
    expect(verbose.stderr).toBe(`Error: ${unreachable.message}\n(error code: unreachable)\n`)
  })

  it('takes global flags before the command', async () => {
    const result = await runCli(['-v', 'summary', '--short'], {
      errors: { summary: { code: 'internal', message: 'internal error' } },
    })
    expect(result.stderr).toBe('Error: internal error\n(error code: internal)\n')
    expect((await runCli(['--verbose', 'push', 'probe', '--help'])).stdout).toContain('Usage:\n  timon push probe')
  })

  it('turns an unexpected exception into one Error line and closes the client', async () => {
    const crashed = await runCli(['summary'], {
      client: {
        summary: () => {
          throw new Error('boom\nsecond line')
        },
      },
    })
    expect(crashed).toMatchObject({ status: 1, stdout: '', stderr: 'Error: boom\n', closed: true })
  })

  it('colours only on a terminal that is not TERM=dumb, never with NO_COLOR, always with FORCE_COLOR', async () => {
    const view = {
      activeIncidents: [],
      contracts: [
        { contract: contract({ code: 'p1' }), lastReport: sample({ health: 'critical' }), activeIncidentIds: [] },
      ],
      deliveries: { pending: 0, delivered: 0, failed: 0 },
    }
    const client = { status: () => view }
    const ansi = '\x1b['
    expect((await runCli(['status'], { client })).stdout).not.toContain(ansi)
    expect((await runCli(['status'], { client, stdoutIsTTY: true })).stdout).toContain(ansi)
    expect((await runCli(['status'], { client, stdoutIsTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(ansi)
    expect((await runCli(['status'], { client, stdoutIsTTY: true, env: { TERM: 'dumb' } })).stdout).not.toContain(ansi)
    expect((await runCli(['status'], { client, stdoutIsTTY: true, env: { TERM: 'xterm-256color' } })).stdout).toContain(
      ansi,
    )
    expect((await runCli(['status'], { client, env: { FORCE_COLOR: '1' } })).stdout).toContain(ansi)
    expect((await runCli(['status'], { client, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toContain(ansi)
  })
})
