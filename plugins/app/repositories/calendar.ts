// Calendar dates (YYYY-MM-DD, UTC) as the API writes them and as they are stored:
// a Date at midnight UTC.
import { CALENDAR_MAX, CALENDAR_MIN } from '../../../schemas/common.ts'

export function toDate (isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00.000Z`)
}

export function isoDate (date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** The range, as messages name it. */
export const CALENDAR_RANGE = `${CALENDAR_MIN} to ${CALENDAR_MAX}`
const FIRST = toDate(CALENDAR_MIN).getTime()
const END = toDate(CALENDAR_MAX).getTime() + 86_400_000

/**
 * Within the calendar range the schemas accept. The API never takes a date
 * outside it; documents stored before the range existed may hold one, and the
 * money path refuses to act on them.
 */
export function inCalendarRange (date: Date): boolean {
  const time = date.getTime()
  return time >= FIRST && time < END
}
