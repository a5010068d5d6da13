// Dependencies: while the code a probe/job depends on has an open or relapsed incident, the
// dependent's incident notifications are held; a cycle of dependencies is refused
// (docs/behaviour.md#dependencies).
import { err, ok, type Result } from 'neverthrow'
import { isFailing, type Contract, type Rules } from '../domain.js'
import { validation, type CoreError } from '../errors.js'
import type { StoreTx } from '../ports/store.js'

/** How a dependency hold is named (`depends on db.main`): the held incident's `heldBy`. */
export function dependencyHold(parent: string): string {
  return `${DEPENDS_ON}${parent}`
}

/** The parent code of a hold named by {@link dependencyHold}, or `undefined` for a silence's hold. */
export function heldParent(heldBy: string): string | undefined {
  return heldBy.startsWith(DEPENDS_ON) ? heldBy.slice(DEPENDS_ON.length) : undefined
}

/** The hold of `contract` by its dependency now: `depends on <code>` while that code is failing, else `undefined`. */
export async function dependencyHoldOf(tx: StoreTx, contract: Contract): Promise<string | undefined> {
  const parentCode = contract.rules.dependsOn
  if (parentCode === null) return undefined
  const parent = await tx.findContract(parentCode)
  if (parent === undefined) return undefined
  const failing = (await tx.activeIncidentsOfContract(parent.id)).some(isFailing)
  return failing ? dependencyHold(parentCode) : undefined
}

/** Refuses rules whose dependency would close a cycle through `code` (a code depending on itself included). */
export async function checkDependency(tx: StoreTx, code: string, rules: Rules): Promise<Result<Rules, CoreError>> {
  const cycle = rules.dependsOn === null ? undefined : await dependencyCycle(tx, code, rules.dependsOn)
  if (cycle === undefined) return ok(rules)
  const message = `invalid rule depends-on — it would make a cycle: ${cycle.join(' → ')}`
  return err(validation(message, [message]))
}

/**
 * The cycle `code` would close by depending on `dependsOn` (`[a, b, a]`), walking the stored chain
 * of dependencies from `dependsOn`; `undefined` when there is none.
 */
async function dependencyCycle(tx: StoreTx, code: string, dependsOn: string): Promise<readonly string[] | undefined> {
  const chain = [code]
  for (let next: string | null = dependsOn; next !== null; ) {
    chain.push(next)
    if (next === code) return chain
    // A cycle not through `code` was refused when it was pushed; stop rather than loop.
    if (chain.indexOf(next) < chain.length - 1) return undefined
    next = (await tx.findContract(next))?.rules.dependsOn ?? null
  }
  return undefined
}

const DEPENDS_ON = 'depends on '
