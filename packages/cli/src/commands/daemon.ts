import type { Command } from '../command.js'
import { VERSION } from '../version.js'
import { Checks } from './shared.js'

/**
 * `timon daemon [--config FILE] [-v]`: runs the daemon in the foreground until SIGTERM/SIGINT
 * (SIGHUP reloads its HTTP checks); exits 0 once stopped. The server, SQLite and webhook code are
 * imported only here, so other commands never load them.
 */
export const daemon: Command = {
  spec: {
    name: 'daemon',
    summary: 'Start the daemon',
    description:
      'Start the daemon. Reads the config, opens the Unix socket, and runs the rules and webhook deliveries ' +
      'until stopped (SIGTERM or SIGINT; SIGHUP reloads the checks and the notifier tables).\n\n' +
      'Config: --config FILE, else $TIMON_CONFIG, else $XDG_CONFIG_HOME/timon/timon.toml (~/.config when unset), else /etc/timon/timon.toml, else defaults.\n' +
      'Socket: $TIMON_SOCKET, else [daemon] socket, else /run/timon/timon.sock for root; for other users ' +
      '$XDG_RUNTIME_DIR/timon.sock, else /run/user/<uid>/timon.sock when that directory exists, else ' +
      '/tmp/timon-<uid>/timon.sock (in a directory only the user may own).',
    usage: 'daemon [flags]',
    args: { min: 0, max: 0 },
    flags: [
      { name: 'config', type: 'string', placeholder: '<file>', description: 'Read the configuration from this file' },
    ],
  },
  async run(ctx, args) {
    const checks = new Checks(daemon.spec, args)
    const configPath = checks.optional('config')
    // The daemon's package (server, SQLite, webhooks) is loaded by this command only.
    const { runDaemon } = await import('../daemon/run-daemon.js')
    return runDaemon({ configPath, verbose: args.verbose, env: ctx.io.env, version: VERSION })
  },
}
