import { err, ok, type Result } from 'neverthrow'

/** A `host:port` address, split. */
export interface Address {
  readonly host: string
  readonly port: number
}

/**
 * Splits `host:port` (`db.internal:5432`, `127.0.0.1:80`, `[::1]:443`); the port is required.
 *
 * @returns the address, or the problem in a few words.
 */
export function parseAddress(text: string): Result<Address, string> {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim())
  const port = match === null ? Number.NaN : Number(match[3])
  if (match === null || port < 1 || port > 65535)
    return err(`must be "host:port" with a port from 1 to 65535, got ${JSON.stringify(text)}`)
  return ok({ host: match[1] ?? match[2] ?? '', port })
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress({ host, port }: Address): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
