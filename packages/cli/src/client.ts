import type { ClientError, TimonClient } from '@timon/client'
import type { Result } from 'neverthrow'
import { CliError } from './errors.js'

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
  | 'delete'
  | 'truncate'
  | 'deliveries'
  | 'history'
  | 'close'
>

/**
 * Connects to the daemon named by the environment (`TIMON_SOCKET`, the config's `[daemon] socket`,
 * else the default place, whose socket must belong to this user or root). Nothing is sent until
 * a method is called. The client module is loaded here, on first use, so `timon --help` and
 * `timon version` load nothing.
 */
export async function connectClient(env: Readonly<Record<string, string | undefined>>): Promise<CliClient> {
  const { TimonClient } = await import('@timon/client')
  return new TimonClient({ env })
}

/**
 * The value of a client answer, or a {@link CliError} with the client's message (for an
 * unreachable daemon it names the socket path and suggests `timon daemon`).
 */
export function unwrap<T>(result: Result<T, Pick<ClientError, 'code' | 'message'>>): T {
  if (result.isOk()) return result.value
  throw new CliError(result.error.message, { code: result.error.code })
}
