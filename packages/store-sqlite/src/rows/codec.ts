// Column encodings shared by the row mappers: instants are INTEGER epoch milliseconds, booleans
// INTEGER 0/1, vocabularies TEXT checked on the way out.

export function bit(value: boolean): number {
  return value ? 1 : 0
}

export function bool(value: number): boolean {
  return value !== 0
}

export function msOrNull(date: Date | null): number | null {
  return date === null ? null : date.getTime()
}

export function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms)
}

/** An ISO instant read back from JSON. */
export function isoDate(value: unknown, where: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) throw corruptRow(`${where}: bad instant ${String(value)}`)
  return date
}

/** `value` when it belongs to `vocabulary`; a stored value outside it is a corrupt row. */
export function oneOf<const T extends string>(vocabulary: readonly T[], value: unknown, where: string): T {
  if (typeof value === 'string' && (vocabulary as readonly string[]).includes(value)) return value as T
  throw corruptRow(`${where}: unexpected value ${String(value)}`)
}

/** A row the schema's checks should have refused: a bug or a file edited by hand. */
export function corruptRow(what: string): Error {
  const error = new Error(`SqliteStore: corrupt row: ${what}`)
  error.name = 'CorruptRowError'
  return error
}
