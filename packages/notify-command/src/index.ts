// @timon/notify-command: the command adapter of the core's Notifier port.

export { CommandNotifier } from './command-notifier.js'
export type { CommandNotifierOptions } from './command-notifier.js'

export { commandSchema, parseCommands } from './command-config.js'
export type { CommandConfig, CommandEntry } from './command-config.js'
