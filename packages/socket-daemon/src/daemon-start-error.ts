/**
 * The daemon could not start, for a reason its message explains to people in one line (no stack
 * needed): another daemon on the socket, a socket path that is unsafe or in use, a `data_dir` or
 * log directory that cannot be created, a database that cannot be opened, an unknown group, a TCP
 * address that cannot be bound or a TLS file that cannot be read.
 */
export class DaemonStartError extends Error {
  override readonly name = 'DaemonStartError'
}
