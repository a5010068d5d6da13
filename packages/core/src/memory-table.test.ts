import { describe, expect, it } from 'vitest'
import { DueIndex, GroupIndex, PairIndex, Table, UndoLog, UniqueIndex } from './memory-table.js'

type Row = { readonly id: number; readonly group: string | undefined; readonly at: number | undefined }

function table() {
  const byGroup = new GroupIndex<Row, string>((r) => r.group)
  const byAt = new DueIndex<Row>((r) => r.at)
  const byGroupUnique = new UniqueIndex<Row, string>((r) => r.group)
  const byGroupAndAt = new PairIndex<Row, string, number | undefined>(
    (r) => r.group,
    (r) => r.at,
  )
  return {
    byGroup,
    byAt,
    byGroupUnique,
    byGroupAndAt,
    rows: new Table<Row>([byGroup, byAt, byGroupUnique, byGroupAndAt]),
  }
}

describe('memory-table indexes', () => {
  it('keep ids in ascending order per group, whatever order rows come back in (an undo re-inserts)', () => {
    const { byGroup, rows } = table()
    for (const id of [5, 2, 9, 7]) rows.set({ id, group: 'a', at: undefined })
    rows.set({ id: 3, group: 'b', at: undefined })
    expect(byGroup.ids('a')).toEqual([2, 5, 7, 9])
    rows.set({ id: 5, group: 'b', at: undefined })
    rows.delete(9)
    expect([byGroup.ids('a'), byGroup.ids('b')]).toEqual([
      [2, 7],
      [3, 5],
    ])
    rows.set({ id: 2, group: undefined, at: undefined })
    expect(byGroup.ids('a')).toEqual([7])
  })

  it('order deadlines by instant then id, and follow a row whose instant moves or clears', () => {
    const { byAt, rows } = table()
    rows.set({ id: 1, group: undefined, at: 300 })
    rows.set({ id: 2, group: undefined, at: 100 })
    rows.set({ id: 3, group: undefined, at: 100 })
    expect([byAt.first(), byAt.due(100, 10), byAt.due(1000, 2)]).toEqual([100, [2, 3], [2, 3]])
    rows.set({ id: 2, group: undefined, at: 400 })
    rows.set({ id: 3, group: undefined, at: undefined })
    expect([byAt.first(), byAt.due(1000, 10)]).toEqual([300, [1, 2]])
    rows.delete(1)
    expect(byAt.due(1000, 10)).toEqual([2])
  })

  it('find a row by a unique key until its key changes or it is deleted', () => {
    const { byGroupUnique, rows } = table()
    rows.set({ id: 1, group: 'x', at: undefined })
    expect(byGroupUnique.get('x')).toBe(1)
    rows.set({ id: 1, group: 'y', at: undefined })
    expect([byGroupUnique.get('x'), byGroupUnique.get('y')]).toEqual([undefined, 1])
    rows.delete(1)
    expect(byGroupUnique.get('y')).toBeUndefined()
  })

  it('find a row by a pair of keys until either changes or it is deleted', () => {
    const { byGroupAndAt, rows } = table()
    rows.set({ id: 1, group: 'x', at: 10 })
    rows.set({ id: 2, group: 'x', at: 20 })
    expect([byGroupAndAt.get('x', 10), byGroupAndAt.get('x', 20), byGroupAndAt.get('y', 10)]).toEqual([1, 2, undefined])
    rows.set({ id: 1, group: 'x', at: 30 })
    rows.set({ id: 2, group: 'y', at: 20 })
    expect([
      byGroupAndAt.get('x', 10),
      byGroupAndAt.get('x', 30),
      byGroupAndAt.get('x', 20),
      byGroupAndAt.get('y', 20),
    ]).toEqual([undefined, 1, undefined, 2])
    rows.delete(1)
    rows.set({ id: 2, group: undefined, at: 20 })
    expect([byGroupAndAt.get('x', 30), byGroupAndAt.get('y', 20)]).toEqual([undefined, undefined])
  })

  it('keep deadlines in order through any sequence of moves, as a sorted list would', () => {
    const { byAt, rows } = table()
    const at = new Map<number, number>()
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let step = 0; step < 2000; step++) {
      const id = 1 + random(50)
      if (random(5) === 0) {
        rows.delete(id)
        at.delete(id)
      } else {
        const instant = random(300)
        rows.set({ id, group: undefined, at: instant })
        at.set(id, instant)
      }
      const sorted = [...at].sort(([idA, a], [idB, b]) => a - b || idA - idB)
      const limit = 1 + random(10)
      const until = random(300)
      expect([byAt.first(), byAt.due(until, limit)]).toEqual([
        sorted[0]?.[1],
        sorted
          .filter(([, instant]) => instant <= until)
          .slice(0, limit)
          .map(([rowId]) => rowId),
      ])
    }
  })

  it('update a row with the fields a patch sets, keeping those it leaves undefined, and tell the indexes', () => {
    const { byGroup, byAt, rows } = table()
    rows.set({ id: 1, group: 'a', at: 100 })
    const before = rows.rows.get(1)
    expect(rows.update(1, { at: 200 })).toBe(before)
    expect(rows.update(1, { group: 'b', at: undefined })).toEqual({ id: 1, group: 'a', at: 200 })
    expect(rows.rows.get(1)).toEqual({ id: 1, group: 'b', at: 200 })
    expect(before).toEqual({ id: 1, group: 'a', at: 100 })
    expect([byGroup.ids('a'), byGroup.ids('b'), byAt.due(1000, 10), byAt.first()]).toEqual([[], [1], [1], 200])
    expect(rows.update(2, { group: 'c' })).toBeUndefined()
    expect([rows.rows.has(2), byGroup.ids('c')]).toEqual([false, []])
  })

  it('undo inserts, updates and deletes last first, back to the rows, indexes and next id before them', () => {
    const { byGroup, byAt, byGroupUnique, byGroupAndAt, rows } = table()
    rows.set({ id: 1, group: 'a', at: 100 })
    rows.set({ id: 2, group: 'b', at: 200 })
    rows.nextId = 3
    const snapshot = () => [
      [...rows.rows.values()],
      rows.nextId,
      byGroup.ids('a'),
      byGroup.ids('b'),
      byAt.due(1000, 10),
      byGroupUnique.get('a'),
      byGroupAndAt.get('b', 200),
    ]
    const start = snapshot()
    const undo = new UndoLog()
    undo.record(rows, 3, undefined)
    rows.set({ id: 3, group: 'a', at: 50 })
    rows.nextId = 4
    undo.record(rows, 1, rows.update(1, { group: 'b' }))
    undo.record(rows, 3, rows.update(3, { at: 300 }))
    undo.record(rows, 2, rows.rows.get(2))
    rows.delete(2)
    expect(snapshot()).not.toEqual(start)
    undo.rollback()
    expect(snapshot()).toEqual(start)
  })
})
