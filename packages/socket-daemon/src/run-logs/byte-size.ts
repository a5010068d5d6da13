/** Byte sizes for people and in the config (`[exec] max_log_size = "10MiB"`). Pure. */

/** Formats a byte count for people: `10MiB`, `512KiB`, `1000B`. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes}B`
}

/**
 * Parses a size: a whole number of bytes, or with a unit `B`, `KiB`, `MiB`, `GiB` (powers of 1024)
 * or `KB`, `MB`, `GB` (powers of 1000), case-insensitive, with optional spaces (`10MiB`, `512 KiB`).
 *
 * @returns the bytes, or `undefined` when `text` is not a size.
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([kmg]i?b|b)?\s*$/i.exec(text)
  if (match === null) return undefined
  const unit = (match[2] ?? 'b').toLowerCase()
  const value = Number(match[1]) * (SIZE_UNITS[unit] ?? Number.NaN)
  return Number.isSafeInteger(value) ? value : undefined
}

// --- internal ---

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
}
