import type { Command } from '../command.js'
import { annotate } from './annotate.js'
import { configCheck } from './config-check.js'
import { daemon } from './daemon.js'
import { deleteCommand } from './delete.js'
import { deliveries } from './deliveries.js'
import { deliveriesRetry } from './deliveries-retry.js'
import { exec } from './exec.js'
import { incidents } from './incidents.js'
import { logs } from './logs.js'
import { notifyTest } from './notify-test.js'
import { pushIncident } from './push-incident.js'
import { pushJobEnd } from './push-job-end.js'
import { pushJobStart } from './push-job-start.js'
import { pushJobStep } from './push-job-step.js'
import { pushProbe } from './push-probe.js'
import { replayCommand } from './replay.js'
import { resolve } from './resolve.js'
import { show } from './show.js'
import { silenceAdd, silenceEnd, silenceList } from './silence.js'
import { spool } from './spool.js'
import { status } from './status.js'
import { storeCopy } from './store-copy.js'
import { summary } from './summary.js'
import { tokenCreate, tokenList, tokenRevoke } from './token.js'
import { truncate } from './truncate.js'

/** Every command, in the order `timon help` lists them. */
export const COMMANDS: readonly Command[] = [
  daemon,
  status,
  summary,
  pushProbe,
  pushJobStart,
  pushJobStep,
  pushJobEnd,
  pushIncident,
  exec,
  show,
  logs,
  annotate,
  resolve,
  deleteCommand,
  truncate,
  deliveries,
  incidents,
  tokenCreate,
  tokenList,
  tokenRevoke,
  silenceAdd,
  silenceList,
  silenceEnd,
  spool,
  deliveriesRetry,
  notifyTest,
  replayCommand,
  configCheck,
  storeCopy,
]

/** Command groups: words that only lead to sub-commands, with their help line. */
export const GROUPS: ReadonlyMap<string, string> = new Map([
  ['push', 'Push probe samples, job runs and incidents to the daemon'],
  ['push job', 'Start, step and end job runs'],
  ['token', 'Create, list and revoke API tokens of the TCP listener'],
  ['silence', 'Add, list and end silences of notifications'],
  ['notify', 'Test the notifier targets'],
  ['config', 'Check the configuration'],
  ['store', 'Copy the history between stores'],
])
