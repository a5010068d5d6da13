// Rows read as arrays. better-sqlite3 builds a row object in C++ one named property at a time, and
// for the 25 columns of `contracts` that costs as much as the indexed lookup that found the row.
// In raw mode it hands back an array of the values instead; a row view reads that array by column
// name through getters defined once per statement, so the row mappers (which read `row.code`…)
// take it unchanged. Views have no own properties: read them, never spread them.
import type { SqliteStatement } from './driver.js'

/** A statement whose rows come back as views over the raw values (see the module comment). */
export class RowViewQuery<Row> {
  readonly #statement: SqliteStatement
  readonly #View: ViewClass<Row>

  /** `statement` is put in raw mode: it must be this query's own, not one other callers share. */
  constructor(statement: SqliteStatement) {
    this.#statement = statement.raw(true)
    this.#View = viewClass(statement.columns().map((column) => column.name))
  }

  /** The first row, or `undefined`. */
  get(...parameters: readonly unknown[]): Row | undefined {
    const values = this.#statement.get(...parameters) as readonly unknown[] | undefined
    return values === undefined ? undefined : new this.#View(values)
  }
}

// --- internal ---

type ViewClass<Row> = new (values: readonly unknown[]) => Row

/** A class whose instances wrap one row's values, with a getter per column on its prototype. */
function viewClass<Row>(columns: readonly string[]): ViewClass<Row> {
  class View {
    readonly #values: readonly unknown[]
    constructor(values: readonly unknown[]) {
      this.#values = values
    }
    static {
      columns.forEach((name, index) => {
        Object.defineProperty(View.prototype, name, {
          get(this: View) {
            return this.#values[index]
          },
        })
      })
    }
  }
  return View as unknown as ViewClass<Row>
}
