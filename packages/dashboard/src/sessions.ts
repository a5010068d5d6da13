import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Clock } from '@timon/core'
import type { Access } from './access.js'

/** One signed-in browser: a random id (the cookie) mapped to what it may do. */
export interface Session {
  readonly id: string
  readonly access: Access
  /** Sent back in every form of the session and compared on each POST. */
  readonly csrf: string
  readonly expiresAt: Date
}

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  readonly clock: Clock
  /** How long a session lives, in milliseconds. */
  readonly ttlMs: number
  /** Sessions kept at most; the oldest goes first beyond it, so a login flood cannot grow memory without bound. */
  readonly max: number
}

/**
 * Dashboard sessions, in memory: the cookie carries only a random id, never the token, and a
 * daemon restart signs everyone out.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #options: SessionStoreOptions

  constructor(options: SessionStoreOptions) {
    this.#options = options
  }

  /** Starts a session for `access`. */
  create(access: Access): Session {
    const now = this.#options.clock.now().getTime()
    this.#prune(now)
    const session: Session = {
      id: randomToken(),
      access,
      csrf: randomToken(),
      expiresAt: new Date(now + this.#options.ttlMs),
    }
    this.#sessions.set(session.id, session)
    return session
  }

  /** The live session of a cookie value; `undefined` when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined
    const session = this.#sessions.get(id)
    if (session === undefined) return undefined
    if (session.expiresAt.getTime() <= this.#options.clock.now().getTime()) {
      this.#sessions.delete(id)
      return undefined
    }
    return session
  }

  /** Ends a session (logout). */
  delete(id: string): void {
    this.#sessions.delete(id)
  }

  #prune(now: number): void {
    for (const [id, session] of this.#sessions) if (session.expiresAt.getTime() <= now) this.#sessions.delete(id)
    // Map order is insertion order: the first keys are the oldest sessions.
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size < this.#options.max) break
      this.#sessions.delete(id)
    }
  }
}

/** Whether a submitted CSRF token is the session's, compared in constant time. */
export function csrfMatches(session: Session, submitted: string): boolean {
  const expected = Buffer.from(session.csrf)
  const given = Buffer.from(submitted)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

// --- internal ---

function randomToken(): string {
  return randomBytes(32).toString('base64url')
}
