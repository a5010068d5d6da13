import type { Command } from '../command.js'
import { CliError } from '../errors.js'
import { VERSION } from '../version.js'
import { Checks } from './shared.js'

/**
 * `timon daemon [--config FILE] [-v]`: runs the daemon in the foreground until SIGTERM/SIGINT.
 * The server, SQLite and webhook code are imported only here, so other commands never load them.
 */
export const daemon: Command = {
  spec: {
    name: 'daemon',
    summary: 'Start the daemon',
    description:
      'Start the daemon. Reads the config, opens the Unix socket, and runs the rules and webhook deliveries ' +
      'until stopped (SIGTERM or SIGINT).\n\n' +
      'Config: --config FILE, else $TIMON_CONFIG, else ~/.config/timon/timon.toml, else /etc/timon/timon.toml, else defaults.\n' +
      'Socket: $TIMON_SOCKET, else [daemon] socket, else $XDG_RUNTIME_DIR/timon.sock, else /tmp/timon.sock.',
    usage: 'daemon [flags]',
    args: { min: 0, max: 0 },
    flags: [{ name: 'config', type: 'string', placeholder: '<file>', description: 'Read the configuration from this file' }],
  },
  async run(ctx, args) {
    const checks = new Checks(daemon.spec, args)
    const configPath = checks.optional('config')
    const { runDaemonProcess } = await import('@timon/socket-daemon')
    // The daemon reports through main(): its start-up error becomes our one `Error:` line, and it
    // does not exit the process itself (once stopped, nothing is left to keep the process alive).
    let failure = ''
    const status = await runDaemonProcess({
      configPath,
      verbose: args.verbose,
      env: ctx.io.env,
      version: VERSION,
      exit: () => undefined,
      stderr: (text) => void (failure += text),
    })
    if (status !== 0) {
      const message = failure.trim().replace(/^Error: /, '')
      throw new CliError(message === '' ? `the daemon stopped with status ${status}` : message)
    }
  },
}
