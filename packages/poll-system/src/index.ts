// @timon/poll-system: command (Nagios plugin), TCP, TLS, disk and system checks, a Poller of the core's port.

export { SystemPoller } from './system-poller.js'
export type { SystemPollerOptions } from './system-poller.js'

export { SYSTEM_CHECK_TYPES, parseSystemChecks } from './check-config.js'
export type {
  CommandCheck,
  DiskCheck,
  LoadThresholds,
  ParseSystemChecksOptions,
  PercentThresholds,
  SystemCheck,
  SystemCheckType,
  SystemResourceCheck,
  TcpCheck,
  TlsCheck,
} from './check-config.js'

export { parseAddress, formatAddress } from './address.js'
export type { Address } from './address.js'

export { MAX_OUTPUT_BYTES, commandRunner, judgeCommand } from './command-runner.js'
export type { CommandExit } from './command-runner.js'
export { tcpRunner } from './tcp-runner.js'
export { judgeChain, tlsRunner } from './tls-runner.js'
export type { ChainFacts } from './tls-runner.js'
export { diskReadings, diskRunner, judgeReadings, systemReadings, systemRunner } from './resource-runners.js'
export type { FileSystemStats, Reading, SystemStats } from './resource-runners.js'
