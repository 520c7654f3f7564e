// Date arithmetic for the generators. A dataset is a snapshot taken at its plan's anchor:
// everything it holds happened strictly before that instant.
export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS

export function addMs (date: Date, ms: number): Date {
  return new Date(date.getTime() + ms)
}

export function addDays (date: Date, days: number): Date {
  return addMs(date, days * DAY_MS)
}

/** Calendar months, UTC; the day of the month is kept where the month has it, else its last day. */
export function addMonths (date: Date, months: number): Date {
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(date.getUTCDate(), lastDay)))
}

/** Midnight UTC of the day: calendar dates (start, end, due dates) are stored so. */
export function day (date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()))
}

export function latest (...dates: Date[]): Date {
  return new Date(Math.max(...dates.map((d) => d.getTime())))
}

export function earliest (...dates: Date[]): Date {
  return new Date(Math.min(...dates.map((d) => d.getTime())))
}

/** A time that must fall inside the snapshot: at the latest just before the anchor. */
export function beforeAnchor (date: Date, anchor: Date): Date {
  return date < anchor ? date : new Date(anchor.getTime() - MINUTE_MS)
}
