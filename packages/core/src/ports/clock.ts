/** The only source of "now" in core. Inject a `FakeClock` (from `@timon/core/testing`) in tests. */
export interface Clock {
  /** Current instant; a fresh value on every call. */
  now(): Date
}

/** The system's wall clock. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date()
  }
}
