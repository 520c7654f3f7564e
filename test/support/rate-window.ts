// Rate limits count in fixed windows aligned on the clock, so a test that
// counts requests must not straddle a window's end (its count would restart).
// Tests use a long window and, in the rare case its end is near, wait it out.
import { setTimeout as sleep } from 'node:timers/promises'

/** The window tests count in: a day, so its end is rarely near. */
export const TEST_WINDOW_MS = 86_400_000

/**
 * Waits, if needed, until at least `needMs` remain in the current window: by default
 * two minutes, more than a test counting requests takes on a busy machine.
 */
export async function clearOfWindowEnd (windowMs = TEST_WINDOW_MS, needMs = 120_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs)
  if (left < needMs) await sleep(left + 50)
}
