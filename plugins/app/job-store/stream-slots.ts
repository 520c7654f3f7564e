// How many job event streams stay open: each holds a socket and a place in the
// job feed for as long as the client likes, so a user holds at most perUser of
// them and the process at most perProcess. Counted in this process only: the
// limits protect the process, and a client refused here can poll the status.
export interface StreamLimits { perUser: number, perProcess: number }

export class StreamSlots {
  readonly #limits: StreamLimits
  readonly #byUser = new Map<string, number>()
  #open = 0

  constructor (limits: StreamLimits) {
    this.#limits = limits
  }

  /** A slot for one more stream of the user, with the function that gives it back (once); null past a limit. */
  take (userId: string): (() => void) | null {
    const held = this.#byUser.get(userId) ?? 0
    if (held >= this.#limits.perUser || this.#open >= this.#limits.perProcess) return null
    this.#byUser.set(userId, held + 1)
    this.#open++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#open--
      const left = (this.#byUser.get(userId) ?? 1) - 1
      if (left === 0) this.#byUser.delete(userId)
      else this.#byUser.set(userId, left)
    }
  }
}
