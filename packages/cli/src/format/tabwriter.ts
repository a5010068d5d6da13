/**
 * Column alignment with the semantics of Go's `text/tabwriter` as the Go Timon configures it
 * (`minwidth 0, tabwidth 0, padding 2, padchar ' ', flags 0`), minus its trailing spaces.
 *
 * A row is a list of cells. Every cell but the last is "tab-terminated" and takes part in column
 * alignment; the last cell is written as is. A column block is a run of consecutive rows that all
 * have a tab-terminated cell in that column; within a block every such cell is padded to the widest
 * one plus the padding (an all-empty column is `padding` wide). A row with fewer cells ends the
 * block, so a heading line between two tables separates their alignment, as in Go.
 *
 * Departure from Go (decisions: "no trailing spaces"): every output line has its trailing spaces
 * removed, so rows whose last cells are empty do not end in padding.
 *
 * Widths count code points of the **visible** text: ANSI SGR escape sequences (colours) are
 * ignored, as Go's tabwriter does for text between its `Escape` characters.
 */

/** One line of a table: its cells, the last of which is not aligned. A string is a one-cell line. */
export type Row = readonly string[] | string

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Spaces added to the widest cell of a column (default 2, as in the Go original). */
  readonly padding?: number
}

/**
 * Aligns `rows` as Go's tabwriter does and returns the text, one line per row, each ending in
 * `\n`, with no trailing spaces on any line. An empty list gives `''`.
 */
export function formatTable(rows: readonly Row[], options: TableOptions = {}): string {
  const padding = options.padding ?? 2
  const lines = rows.map((row) => (typeof row === 'string' ? [row] : row.length === 0 ? [''] : row))
  const widthsOf = lines.map((line) => line.map(visibleWidth))
  const out: string[] = []

  const writeLines = (from: number, to: number, widths: readonly number[]) => {
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? []
      const cellWidths = widthsOf[i] ?? []
      let text = ''
      line.forEach((cell, j) => {
        text += cell
        const width = widths[j]
        if (width !== undefined && j < line.length - 1) text += ' '.repeat(Math.max(0, width - (cellWidths[j] ?? 0)))
      })
      out.push(text.replace(/ +$/, ''))
    }
  }

  // Go's Writer.format: recursively find column blocks, left to right.
  const format = (line0: number, line1: number, widths: number[]) => {
    const column = widths.length
    let start = line0
    for (let current = line0; current < line1; current++) {
      if (column >= (lines[current]?.length ?? 0) - 1) continue
      writeLines(start, current, widths)
      start = current
      let width = 0
      for (; current < line1; current++) {
        const cells = widthsOf[current] ?? []
        if (column >= cells.length - 1) break
        width = Math.max(width, (cells[column] ?? 0) + padding)
      }
      format(start, current, [...widths, width])
      start = current
    }
    writeLines(start, line1, widths)
  }

  format(0, lines.length, [])
  return out.map((line) => `${line}\n`).join('')
}

/** The width of `text` on a terminal, as Go counts it: code points, escape sequences excluded. */
export function visibleWidth(text: string): number {
  let width = 0
  for (const _ of text.replace(ANSI_SGR, '')) width++
  return width
}

// --- internal ---

const ANSI_SGR = /\x1b\[[0-9;]*m/g
