/**
 * Whether an `on` pattern of a webhook matches an event name.
 *
 * Patterns match segment by segment (a departure from the Go original, whose `*` ended the
 * comparison so that `*.open` matched every event; docs/behaviour.md#event-matching):
 *
 * - `*` alone matches every event;
 * - otherwise the pattern and the event must have the same number of dot-separated segments, and
 *   each pattern segment is either `*` (any one segment) or equal to the event's segment;
 * - matching is case-sensitive, and a `*` inside a segment (`incid*`) is an ordinary character.
 *
 * | pattern         | matches                                  |
 * |-----------------|------------------------------------------|
 * | `*`             | every event                              |
 * | `incident.*`    | every `incident.…` event                 |
 * | `timon.*`       | `timon.ping`, `timon.started`, `timon.test` |
 * | `*.open`        | only `incident.open`                     |
 * | `incident.open` | only that event                          |
 * | `incident`      | nothing (missing segment)                |
 */
export function matchEvent(pattern: string, event: string): boolean {
  if (pattern === '*') return true
  const wanted = pattern.split('.')
  const actual = event.split('.')
  if (wanted.length !== actual.length) return false
  return wanted.every((segment, i) => segment === '*' || segment === actual[i])
}

/** Whether any of `patterns` matches `event` (see {@link matchEvent}). */
export function matchesAny(patterns: readonly string[], event: string): boolean {
  return patterns.some((pattern) => matchEvent(pattern, event))
}
