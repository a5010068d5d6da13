import { describe, expect, it } from 'vitest'
import { formatTable, visibleWidth } from './tabwriter.js'

describe('formatTable', () => {
  it('pads every tab-terminated cell to the widest of its column plus two, the last cell not at all', () => {
    expect(
      formatTable([
        ['a', 'bbb', 'c'],
        ['dddd', 'e', 'ffffff'],
      ]),
    ).toBe('a     bbb  c\ndddd  e    ffffff\n')
  })

  it('writes no trailing spaces, even when the last cells are empty', () => {
    const text = formatTable([
      ['  INC-3', 'open', '"db.backup is critical"', '1h 2m ago', ''],
      ['  INC-7', 'recovered', '"Payment gateway down"', '5m 3s ago', '(manual)'],
    ])
    expect(text).toBe(
      '  INC-3  open       "db.backup is critical"  1h 2m ago\n' +
        '  INC-7  recovered  "Payment gateway down"   5m 3s ago  (manual)\n',
    )
    for (const line of text.split('\n')) expect(line).not.toMatch(/ $/)
  })

  it('gives an all-empty column the width of the padding', () => {
    expect(
      formatTable([
        ['a', '', 'x'],
        ['b', '', 'y'],
      ]),
    ).toBe('a    x\nb    y\n')
  })

  it('aligns only consecutive rows: a line with fewer cells ends the column block, as in Go', () => {
    const text = formatTable(['HEADER', ['  short', 'x'], ['  a-much-longer-cell', 'y'], '', 'OTHER', ['  z', 'w']])
    expect(text).toBe('HEADER\n  short               x\n  a-much-longer-cell  y\n\nOTHER\n  z  w\n')
  })

  it('keeps an outer column aligned while an inner column block changes, as Go nests column blocks', () => {
    // Column 0 spans all three rows; column 1 only the first two (the third has no tab-terminated cell 1).
    const text = formatTable([
      ['a', 'bb', 'c'],
      ['aaa', 'b', 'c'],
      ['aa', 'last'],
    ])
    expect(text).toBe('a    bb  c\naaa  b   c\naa   last\n')
  })

  it('measures code points, not UTF-16 units or bytes', () => {
    expect(
      formatTable([
        ['✓ ok', 'x'],
        ['✗ no!', 'y'],
        ['😀', 'z'],
      ]),
    ).toBe('✓ ok   x\n✗ no!  y\n😀      z\n')
  })

  it('ignores colour escape sequences when measuring', () => {
    const red = '\x1b[31m✗ critical\x1b[39m'
    expect(
      formatTable([
        [red, 'a'],
        ['✓ healthy', 'b'],
      ]),
    ).toBe(`${red}  a\n✓ healthy   b\n`)
    expect(visibleWidth(red)).toBe(10)
  })

  it('prints nothing for no rows and an empty line for an empty row', () => {
    expect(formatTable([])).toBe('')
    expect(formatTable([[], 'x'])).toBe('\nx\n')
  })
})
