import { createInterface } from 'node:readline'

/**
 * Writes `prompt` on stderr and reads one line of standard input; `undefined` at end of input.
 * (A module of its own, imported on use: only `delete` on a terminal needs readline.)
 */
export function question(prompt: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false })
  return new Promise((resolve) => {
    let answered = false
    rl.once('line', (line) => {
      answered = true
      rl.close()
      resolve(line)
    })
    rl.once('close', () => {
      if (!answered) resolve(undefined)
    })
    process.stderr.write(prompt)
  })
}
