import { describe, expect, it } from 'vitest'
import { parseCommands } from './command-config.js'

const issuesOf = (input: unknown) => parseCommands(input)._unsafeUnwrapErr()

describe('parseCommands', () => {
  it('gives no commands for an absent list', () => {
    expect(parseCommands(undefined)._unsafeUnwrap()).toEqual([])
  })

  it('applies the defaults: name command[<i>], timeout 10s, 5 retries 5s apart', () => {
    expect(
      parseCommands([{ on: ['incident.*'], command: ['/usr/local/bin/page-me', '--urgent'] }])._unsafeUnwrap(),
    ).toEqual([
      {
        name: 'command[0]',
        on: ['incident.*'],
        command: ['/usr/local/bin/page-me', '--urgent'],
        timeoutMs: 10_000,
        retry: { attempts: 5, delayMs: 5_000, maxDelayMs: 3_600_000 },
      },
    ])
  })

  it('reads name, timeout and [command.retry]', () => {
    const [command] = parseCommands([
      { name: 'pager', on: ['*'], command: ['page-me'], timeout: '30s', retry: { attempts: 0, delay: '0s' } },
    ])._unsafeUnwrap()
    expect(command).toMatchObject({ name: 'pager', timeoutMs: 30_000, retry: { attempts: 0, delayMs: 0 } })
  })

  it('reports every problem as command[<i>].<key>: <problem>', () => {
    expect(
      issuesOf([
        { on: ['*'], command: '/usr/local/bin/page-me --urgent' },
        { on: ['*'], command: [] },
        { on: ['*'], command: ['', 'x'], timeout: '0s', retry: { attempts: -1, timeout: '5s' } },
        { on: ['*'], command: ['a', 1] },
        { name: 'p', on: ['*'], command: ['a'] },
        { name: 'p', on: ['*'], command: ['a'] },
        {},
      ]),
    ).toEqual([
      'command[0].command: must be an array: the program and its arguments, e.g. ["/usr/local/bin/page-me", "--urgent"]',
      'command[1].command: must not be empty: the program comes first',
      'command[2].command[0]: must name a program first',
      'command[2].timeout: must be greater than 0',
      'command[2].retry.attempts: must be an integer >= 0',
      'command[2].retry.timeout: unknown key',
      'command[3].command[1]: must be a string',
      'command[5].name: "p" is already the name of command[4]',
      'command[6].on: is required',
      'command[6].command: is required',
    ])
  })
})
