// When a scheduled probe or job is next expected, and how that time reads in its zone.
import type { Schedule } from './cron-schedule.js'

/**
 * The occurrence a report at `at` leaves to be expected next: the first one after it, unless the
 * report came a little early for that one (within `grace` before it, and nearer to it than to the
 * following one), which it then covers, so the following one is expected (docs/behaviour.md#schedules).
 */
export function nextExpected(schedule: Schedule, at: Date, grace: number): Date | undefined {
  const first = schedule.nextAfter(at)
  if (first === undefined) return undefined
  const early = first.getTime() - at.getTime()
  if (early > grace) return first
  const second = schedule.nextAfter(first)
  return second !== undefined && early * 2 < second.getTime() - first.getTime() ? second : first
}

/** An instant as a wall-clock time in `tz`: `03:00`, or `03:00:30` when the seconds count. */
export function localTime(instant: Date, tz: string): string {
  const p = parts(instant, tz)
  return p.second === '00' ? `${p.hour}:${p.minute}` : `${p.hour}:${p.minute}:${p.second}`
}

/** An instant as RFC 3339 with the offset of `tz` at that instant: `2025-03-30T03:00:00+02:00`. */
export function localTimestamp(instant: Date, tz: string): string {
  const p = parts(instant, tz)
  // `longOffset` names the zone `GMT+02:00`, or plain `GMT` at offset zero.
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName.slice('GMT'.length)
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`
}

// --- internal ---

type PartName = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'timeZoneName'

// Formatters are costly to build; one per zone is kept for the process's life (zones are few).
const formatters = new Map<string, Intl.DateTimeFormat>()

function parts(instant: Date, tz: string): Record<PartName, string> {
  let format = formatters.get(tz)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
    formatters.set(tz, format)
  }
  const result: Record<PartName, string> = {
    year: '',
    month: '',
    day: '',
    hour: '',
    minute: '',
    second: '',
    timeZoneName: '',
  }
  for (const part of format.formatToParts(instant)) {
    if (part.type in result) result[part.type as PartName] = part.value
  }
  return result
}
