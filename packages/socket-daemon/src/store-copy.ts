import { copyStores, errorMessage, type CopyDatabase, type CopyReport, type StoreCopyError } from '@timon/core'
import { SqliteCopyDatabase } from '@timon/store-sqlite'
import { err, ok, type Result } from 'neverthrow'
import { maskSecrets, maskUrl } from './store-factory.js'

/** Where a store is, as `timon store copy` names it. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string | undefined }

/** Why `copyStore` copied nothing: the copy's own errors, or a store that could not be opened. */
export type CopyStoreError = StoreCopyError | { readonly kind: 'open'; readonly message: string }

/**
 * Parses `sqlite:<path>` (a file path; `sqlite:///abs/path` too) or `postgres://…` /
 * `postgresql://…`, where a `schema` query parameter (`?schema=timon`, default `public`) names the
 * schema holding the tables and is not passed to the server.
 */
export function parseStoreLocation(text: string): Result<StoreLocation, string> {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    return path === '' ? err(`"${text}": no file after sqlite:`) : ok({ kind: 'sqlite', path })
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return err(`"${maskUrl(text)}" is not a valid URL`)
    }
    const schema = url.searchParams.get('schema') ?? undefined
    url.searchParams.delete('schema')
    return ok({ kind: 'postgres', url: url.toString(), schema })
  }
  return err(`"${maskUrl(text)}" must be sqlite:<path> or a postgres:// URL`)
}

/**
 * Copies the whole history of the store at `from` into the one at `to` (created and migrated
 * when needed), keys kept, idempotently: see `copyStores` in `@timon/core`. The target must not
 * be served by a running daemon meanwhile. Messages hold no password.
 */
export async function copyStore(from: StoreLocation, to: StoreLocation): Promise<Result<CopyReport, CopyStoreError>> {
  const source = await openLocation(from, false)
  if (source.isErr()) return err(source.error)
  try {
    const target = await openLocation(to, true)
    if (target.isErr()) return err(target.error)
    try {
      return await copyStores(source.value, target.value)
    } finally {
      await target.value.close()
    }
  } finally {
    await source.value.close()
  }
}

// --- internal ---

async function openLocation(location: StoreLocation, write: boolean): Promise<Result<CopyDatabase, CopyStoreError>> {
  const description = location.kind === 'sqlite' ? `sqlite:${location.path}` : maskUrl(location.url)
  try {
    if (location.kind === 'sqlite') return ok(await SqliteCopyDatabase.open({ path: location.path, write }))
    const { PostgresCopyDatabase } = await import('@timon/store-postgres')
    const schema = location.schema === undefined ? {} : { schema: location.schema }
    return ok(await PostgresCopyDatabase.open({ url: location.url, ...schema, write, description }))
  } catch (error) {
    const secrets = location.kind === 'postgres' ? passwordsOf(location.url) : []
    return err({ kind: 'open', message: maskSecrets(`cannot open ${description}: ${errorMessage(error)}`, secrets) })
  }
}

function passwordsOf(url: string): string[] {
  const password = new URL(url).password
  return password === '' ? [] : [password, decodeURIComponent(password)]
}
