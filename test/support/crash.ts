// Fault injection for the write sequence: makes one method of one repository
// fail once, either before it does its work or right after (the write landed,
// the caller never heard). Only the failure path is forced; the method itself
// stays the real one.
export type CrashMoment = 'before' | 'after'

export function crashOnce (target: object, method: string, moment: CrashMoment): { crashed: () => boolean } {
  const holder = target as Record<string, (...args: unknown[]) => Promise<unknown>>
  const original = holder[method]!
  let crashed = false
  holder[method] = async function (this: unknown, ...args: unknown[]) {
    if (crashed) return await original.apply(this, args)
    crashed = true
    holder[method] = original
    if (moment === 'after') await original.apply(this, args)
    throw new Error(`simulated crash ${moment} ${method}`)
  }
  return { crashed: () => crashed }
}

/**
 * Makes one method of a real object fail whenever its arguments match (an item
 * that always fails, as a corrupt document would); the rest go through. Returns
 * the function that puts the method back.
 */
export function failWhen (target: object, method: string, when: (...args: unknown[]) => boolean): () => void {
  const holder = target as Record<string, (...args: unknown[]) => Promise<unknown>>
  const original = holder[method]!
  holder[method] = async function (this: unknown, ...args: unknown[]) {
    if (when(...args)) throw new Error(`simulated failure of ${method}`)
    return await original.apply(this, args)
  }
  return () => { holder[method] = original }
}

/** A graphile-worker helpers object good enough to call a task directly. */
export const taskHelpers = {
  logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
  addJob: async () => undefined
} as never
