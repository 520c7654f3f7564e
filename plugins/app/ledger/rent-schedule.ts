// Monthly rent dates. A period is a calendar month (YYYY-MM, UTC); its rent is
// due on the lease's due day (1–28, so every month has it), or on the start
// date for a lease that starts after the due day of its first month. Periods
// run while their due date is on or before the lease's end date.
export function periodOf (date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`
}

function monthStart (period: string): Date {
  const [year, month] = period.split('-').map(Number)
  return new Date(Date.UTC(year!, month! - 1, 1))
}

export function nextPeriod (period: string): string {
  const start = monthStart(period)
  return periodOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)))
}

export interface RentTerms { startDate: Date, endDate: Date | null, dueDay: number }

export function rentDueDate (period: string, terms: RentTerms): Date {
  const start = monthStart(period)
  const due = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), terms.dueDay))
  return due < terms.startDate ? terms.startDate : due
}

function withinTerm (due: Date, terms: RentTerms): Date | null {
  return terms.endDate === null || due <= terms.endDate ? due : null
}

/** The first rent due date of a lease (null if it ends before its first due date). */
export function firstRentDueDate (terms: RentTerms): Date | null {
  return withinTerm(rentDueDate(periodOf(terms.startDate), terms), terms)
}

/** The rent due date after the one of a period (null past the end date). */
export function followingRentDueDate (period: string, terms: RentTerms): Date | null {
  return withinTerm(rentDueDate(nextPeriod(period), terms), terms)
}
