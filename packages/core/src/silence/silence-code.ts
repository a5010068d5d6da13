// How silences are named to users; kept apart from the silence logic so `@timon/core/lite` can carry it.
import { err, ok, type Result } from 'neverthrow'
import { validation, type CoreError } from '../errors.js'

/** `SIL-3`: how a silence is named to users. */
export function formatSilenceCode(id: number): string {
  return `SIL-${id}`
}

/** `SIL-3` or `3` → 3. */
export function parseSilenceCode(text: string): Result<number, CoreError> {
  const match = /^(?:SIL-)?([1-9][0-9]{0,14})$/i.exec(text.trim())
  return match?.[1] === undefined
    ? err(validation(`invalid silence "${text}" \u2014 must look like SIL-3`))
    : ok(Number(match[1]))
}
