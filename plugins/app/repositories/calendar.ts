// Calendar dates (YYYY-MM-DD, UTC) as the API writes them and as they are stored:
// a Date at midnight UTC.
export function toDate (isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00.000Z`)
}

export function isoDate (date: Date): string {
  return date.toISOString().slice(0, 10)
}
