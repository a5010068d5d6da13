/**
 * What went wrong with a store's storage, as a caller can answer it: `full` (no space left; a
 * server answers 507), `corrupt` (the data cannot be trusted; 503 until repaired), `unavailable`
 * (the storage cannot be reached or locked in time; 503, may pass).
 */
export type StoreFaultKind = 'full' | 'corrupt' | 'unavailable'

/** The vocabulary of {@link StoreFaultKind}, for exhaustive mappings. */
export const STORE_FAULT_KINDS = ['full', 'corrupt', 'unavailable'] as const satisfies readonly StoreFaultKind[]

/**
 * Thrown by a store adapter when its storage fails in a way it can name (a full disk, a corrupted
 * file); any other fault stays a plain error. `cause` holds the driver's error.
 */
export class StoreFault extends Error {
  override readonly name = 'StoreFault'
  readonly kind: StoreFaultKind

  constructor(kind: StoreFaultKind, message: string, options?: { readonly cause?: unknown }) {
    super(message, options)
    this.kind = kind
  }
}

/** A store's answer to `health()`: fine, or the fault it knows of and why. */
export type StoreHealth =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: StoreFaultKind; readonly reason: string }
