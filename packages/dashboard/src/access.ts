import { matchesAnyCodeGlob } from '@timon/core'

/** Token scopes, weakest first (issue 11): `push` sends reports, `read` sees everything, `admin` acts. */
export const SCOPES = ['push', 'read', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

/** What a caller may do, as resolved by the daemon from a token, or kept in a dashboard session. */
export interface Access {
  readonly scope: Scope
  /** Code globs the caller is limited to (`web.*`); absent means every code. */
  readonly codes?: readonly string[]
}

/** The Unix socket's caller: local, protected by file permissions, so an admin of everything. */
export const LOCAL_ADMIN: Access = { scope: 'admin' }

/** Whether the access allows reading pages, metrics and badges (`read` or `admin`). */
export function canRead(access: Access | undefined): access is Access {
  return access !== undefined && access.scope !== 'push'
}

/** Whether the access allows resolving and annotating incidents. */
export function isAdmin(access: Access | undefined): access is Access {
  return access?.scope === 'admin'
}

/**
 * Whether the access covers a probe/job code; `null` stands for a manual incident, which belongs to
 * no code and is visible only to callers limited to no codes.
 */
export function coversCode(access: Access, code: string | null): boolean {
  if (access.codes === undefined) return true
  return code !== null && matchesAnyCodeGlob(access.codes, code)
}
