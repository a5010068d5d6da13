import type { ClientError, TimonClient } from '@timon/client'
import type { Result } from 'neverthrow'
import { CliError } from './errors.js'
import type { FlushReport } from './spool/spooling-client.js'

/**
 * What the commands need of the daemon's client: the methods of `TimonClient` they call. Tests
 * pass a fake object with the same methods.
 */
export type CliClient = Pick<
  TimonClient,
  | 'health'
  | 'pushProbe'
  | 'startJob'
  | 'pushStep'
  | 'endJob'
  | 'skipRun'
  | 'streamOutput'
  | 'readLog'
  | 'openIncident'
  | 'annotate'
  | 'resolve'
  | 'status'
  | 'summary'
  | 'show'
  | 'retryDeliveries'
  | 'notifyTest'
  | 'delete'
  | 'truncate'
  | 'deliveries'
  | 'createToken'
  | 'tokens'
  | 'revokeToken'
  | 'history'
  | 'historyColumnsWithText'
  | 'addSilence'
  | 'silences'
  | 'endSilence'
  | 'incidents'
  | 'close'
> & {
  /** Sends the spool now (`timon spool flush`); absent when the spool is off. */
  readonly flush?: () => Promise<FlushReport>
}

/**
 * Connects to the daemon named by the environment and the config file: a remote one
 * (`TIMON_URL`, `[client] url`, over HTTP(S) with its token), else the local socket
 * (`TIMON_SOCKET`, the config's `[daemon] socket`, else the default place, whose socket must
 * belong to this user or root). With the spool on (by default for a remote daemon), pushes the
 * daemon cannot take now are kept and sent later; `warn` writes its one line on stderr. Nothing is
 * sent until a method is called. The client module is loaded here, on first use, so
 * `timon --help` and `timon version` load nothing.
 */
export async function connectClient(
  env: Readonly<Record<string, string | undefined>>,
  warn: (line: string) => void,
): Promise<CliClient> {
  const { TimonClient, openHttpTransport, readClientSettings } = await import('@timon/client')
  const settings = readClientSettings(env)
  if (!settings.ok) throw new CliError(settings.message, { code: 'usage' })
  const { remote, host } = settings.value
  let client: TimonClient
  if (remote === undefined) {
    client = new TimonClient({ env, host })
  } else {
    const opened = await openHttpTransport({ url: remote.url, token: remote.token, caPem: remote.caPem })
    if (!opened.ok)
      throw new CliError(`${remote.source === 'env' ? 'TIMON_URL' : '[client] url'}: ${opened.message}`, {
        code: 'usage',
      })
    client = new TimonClient({ transport: opened.transport, host })
  }
  if (!settings.value.spool) return client
  const [{ SpoolDir }, { spoolingClient }] = await Promise.all([
    import('./spool/spool-dir.js'),
    import('./spool/spooling-client.js'),
  ])
  return spoolingClient(client, new SpoolDir(settings.value.spoolDir), warn)
}

/**
 * The value of a client answer, or a {@link CliError} with the client's message (for an
 * unreachable daemon it names the socket path and suggests `timon daemon`).
 */
export function unwrap<T>(result: Result<T, Pick<ClientError, 'code' | 'message'>>): T {
  if (result.isOk()) return result.value
  throw new CliError(result.error.message, { code: result.error.code })
}
