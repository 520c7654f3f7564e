// The demo agency's content, made through the API (app.inject) and the scheduled jobs as
// they run in production: the routes validate every body, the lease lifecycle claims and
// frees units, the ledger settles every payment and the dashboard's summaries follow each
// write. Dated relative to today, so the demo always looks current: six properties, 30
// units, ended and active leases with up to a year of rent, payments on time, late, partial
// and missing, a bounced payment, fees, and maintenance requests in every state.
import type { FastifyInstance, InjectOptions } from 'fastify'
import { createTaskList } from '../../jobs/index.ts'
import { addDays, addMonths, day, HOUR_MS } from './dates.ts'

export interface DemoLogin { email: string, password: string, role: string }

const PASSWORD = 'haven-demo-password'
export const DEMO_LOGINS: readonly DemoLogin[] = [
  { email: 'demo@haven.example', password: PASSWORD, role: 'owner' },
  { email: 'manager@haven.example', password: PASSWORD, role: 'manager' },
  { email: 'viewer@haven.example', password: PASSWORD, role: 'viewer' }
]

interface PropertySpec { name: string, kind: 'residential' | 'mixed' | 'commercial', line1: string, postalCode: string, units: Array<{ label: string, bedrooms: number, rent: number }> }

const flats = (count: number, rent: (k: number) => number, bedrooms: (k: number) => number) =>
  Array.from({ length: count }, (_, k) => ({ label: `Flat ${k + 1}`, bedrooms: bedrooms(k), rent: rent(k) }))

const PROPERTIES: readonly PropertySpec[] = [
  { name: 'Harbour View Apartments', kind: 'residential', line1: '14 Quayside', postalCode: 'BS1 4RN', units: flats(12, (k) => 115_000 + (k % 3) * 20_000, (k) => 1 + (k % 3)) },
  { name: 'Vale Court', kind: 'residential', line1: '3 Vale Road', postalCode: 'BS6 5AL', units: flats(8, (k) => 98_000 + (k % 2) * 17_500, (k) => 1 + (k % 2)) },
  {
    name: 'The Old Chapel', kind: 'mixed', line1: '2 Chapel Street', postalCode: 'BS2 0UW',
    units: [1, 2, 3, 4, 5].map((n) => ({ label: `Loft ${n}`, bedrooms: n % 2 + 1, rent: 135_000 + n * 5_000 })).concat([{ label: 'Studio', bedrooms: 0, rent: 82_500 }])
  },
  { name: '7 Mill Lane', kind: 'residential', line1: '7 Mill Lane', postalCode: 'BS3 1QT', units: [{ label: 'Whole house', bedrooms: 3, rent: 185_000 }] },
  { name: '22 Orchard Road', kind: 'residential', line1: '22 Orchard Road', postalCode: 'BS7 8HB', units: [{ label: 'Whole house', bedrooms: 4, rent: 220_000 }] },
  { name: 'Cedar Works', kind: 'commercial', line1: '40 Cedar Yard', postalCode: 'BS5 9JD', units: [{ label: 'Unit 1', bedrooms: 0, rent: 160_000 }, { label: 'Unit 2', bedrooms: 0, rent: 145_000 }] }
]

const TENANT_NAMES = [
  ['Amara', 'Okafor'], ['Ben', 'Hughes'], ['Chloe', 'Martin'], ['Dev', 'Patel'], ['Elena', 'Rossi'], ['Farid', 'Haddad'], ['Grace', 'Walsh'],
  ['Hugo', 'Bauer'], ['Ines', 'Garcia'], ['Jonas', 'Fischer'], ['Kemi', 'Adeyemi'], ['Liam', 'Murphy'], ['Maya', 'Chen'], ['Noor', 'Khan'],
  ['Oscar', 'Lind'], ['Priya', 'Shah'], ['Quinn', 'Evans'], ['Rosa', 'Diaz'], ['Sami', 'Nakamura'], ['Tara', 'Jensen'], ['Umar', 'Ali'],
  ['Vera', 'Ivanova'], ['Wen', 'Li'], ['Yusuf', 'Demir'], ['Zoe', 'Adams'], ['Alfie', 'Turner'], ['Bea', 'Collins'], ['Cal', 'Reid'],
  ['Dina', 'Morgan'], ['Eli', 'Brooks'], ['Fay', 'Lowe'], ['Gus', 'Price'], ['Hana', 'Sato'], ['Ivo', 'Novak']
] as const

// How each active lease pays, by its position: most on time, some late (with a fee), some in
// part, some not lately (arrears), one bounced payment, one tenant in credit.
type Payer = 'on-time' | 'late' | 'partial' | 'arrears' | 'bounced' | 'credit'
const PAYERS: readonly Payer[] = ['on-time', 'late', 'on-time', 'arrears', 'on-time', 'partial', 'on-time', 'bounced', 'on-time', 'credit', 'on-time', 'arrears', 'late', 'on-time', 'partial', 'on-time', 'on-time', 'arrears']

const isoDate = (date: Date) => date.toISOString().slice(0, 10)

export class DemoError extends Error {
  override name = 'DemoError'
}

/** An API caller with a bearer token; any answer but 2xx stops the seed with its body. */
function apiCaller (app: FastifyInstance, accessToken: string) {
  const call = async (method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.inject({ method, url, payload: payload as InjectOptions['payload'], headers: { authorization: `Bearer ${accessToken}`, ...headers } })
    if (response.statusCode >= 300) throw new DemoError(`${method} ${url} answered ${response.statusCode}: ${response.body}`)
    return response.json() as Record<string, unknown> & { id: string }
  }
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, payload: unknown, headers?: Record<string, string>) => call('POST', url, payload, headers),
    patch: (url: string, payload: unknown) => call('PATCH', url, payload),
    delete: (url: string) => call('DELETE', url)
  }
}

type Api = ReturnType<typeof apiCaller>

interface Charge { id: string, kind: string, dueDate: string, amount: number, outstanding: number, status: string }

/** Runs a scheduled job's task now, as the worker would. */
async function runJob (app: FastifyInstance, name: string): Promise<void> {
  const helpers = { logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }, addJob: async () => undefined }
  await createTaskList(app)[name]!({}, helpers as never)
}

async function chargesOf (api: Api, leaseId: string): Promise<Charge[]> {
  const page = await api.get(`/v1/charges?leaseId=${leaseId}&sort=dueDate&limit=100`)
  return page.items as Charge[]
}

/** Pays a lease's charges the way its tenant does; the payments settle the oldest charges first. */
async function payAsTenant (api: Api, leaseId: string, payer: Payer, now: Date, method: string, habit: number): Promise<void> {
  const charges = (await chargesOf(api, leaseId)).filter((c) => c.status !== 'voided')
  const rents = charges.filter((c) => c.kind === 'rent')
  let key = 0
  const pay = async (amount: number, receivedAt: Date, reference: string) => {
    const at = receivedAt < now ? receivedAt : new Date(now.getTime() - HOUR_MS)
    return await api.post('/v1/payments', { leaseId, amount, receivedAt: at.toISOString(), method, reference }, { 'idempotency-key': `demo-${leaseId}-${key++}` })
  }
  const deposit = charges.find((c) => c.kind === 'deposit')
  if (deposit !== undefined) await pay(deposit.amount, addDays(new Date(`${deposit.dueDate}T10:00:00Z`), -3), 'Deposit')

  for (const [i, rent] of rents.entries()) {
    const due = new Date(`${rent.dueDate}T10:00:00Z`)
    const reference = `Rent ${rent.dueDate.slice(0, 7)}`
    const last = i === rents.length - 1
    if (payer === 'arrears' && i >= rents.length - 2) continue
    if (payer === 'late' && i % 2 === 1) {
      // Paid two weeks late, with the late fee the agency raised meanwhile.
      const fee = await api.post('/v1/charges', { leaseId, kind: 'fee', description: 'Late payment fee', amount: 3_500, dueDate: isoDate(addDays(due, 14)) })
      if (addDays(due, 16) < now) await pay(rent.amount + (fee.amount as number), addDays(due, 16), reference)
    } else if (payer === 'partial') {
      await pay(Math.round(rent.amount * 0.8), addDays(due, 1), reference)
    } else if (payer === 'bounced' && last && addDays(due, 4) < now) {
      const bounced = await pay(rent.amount, due, reference)
      await api.post(`/v1/payments/${bounced.id}/reversal`, { reason: 'Returned by the bank: insufficient funds' })
      await pay(rent.amount, addDays(due, 4), `${reference} (again)`)
    } else {
      // On the due day or within three days after it, each tenant with their own habit.
      await pay(rent.amount + (payer === 'credit' && last ? 5_000 : 0), addDays(due, (i + habit) % 4), reference)
    }
  }
}

/** Creates the demo agency through the API. The caller checks it does not exist yet. */
export async function createDemoAgency (app: FastifyInstance, now = new Date()): Promise<void> {
  const [owner, ...staff] = DEMO_LOGINS
  const signup = await app.inject({
    method: 'POST',
    url: '/v1/auth/signup',
    payload: { agencyName: 'Harbour & Vale Lettings', name: 'Dana Whitfield', email: owner!.email, password: owner!.password, currency: 'GBP', timeZone: 'Europe/London' }
  })
  if (signup.statusCode !== 201) throw new DemoError(`signup answered ${signup.statusCode}: ${signup.body}`)
  const api = apiCaller(app, signup.json().accessToken as string)
  const staffIds: Record<string, string> = {}
  for (const [i, login] of staff.entries()) {
    staffIds[login.role] = (await api.post('/v1/users', { email: login.email, name: ['Sam Okoro', 'Vic Lane'][i], role: login.role, password: login.password })).id
  }

  const units: Array<{ id: string, propertyId: string, rent: number }> = []
  for (const spec of PROPERTIES) {
    const property = await api.post('/v1/properties', { name: spec.name, kind: spec.kind, address: { line1: spec.line1, city: 'Bristol', region: 'Bristol', postalCode: spec.postalCode, country: 'GB' } })
    for (const unit of spec.units) {
      const created = await api.post('/v1/units', { propertyId: property.id, label: unit.label, bedrooms: unit.bedrooms, bathrooms: unit.bedrooms > 2 ? 2 : 1, areaSqm: 30 + unit.bedrooms * 20, marketRent: unit.rent })
      units.push({ id: created.id, propertyId: property.id, rent: unit.rent })
    }
  }
  let nextTenant = 0
  const newTenants = async (count: number) => {
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      const [firstName, lastName] = TENANT_NAMES[nextTenant++ % TENANT_NAMES.length]!
      ids.push((await api.post('/v1/tenants', { firstName, lastName, email: `${firstName}.${lastName}@mail.example`.toLowerCase(), phone: `+4477009${String(100_000 + nextTenant).slice(1)}` })).id)
    }
    return ids
  }
  const today = day(now)
  const monthStart = (monthsAgo: number, dayOfMonth = 1) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - monthsAgo, dayOfMonth))
  const lease = async (unit: typeof units[number], start: Date, end: Date | null, options: { rent?: number, deposit?: number, tenants?: number, activate?: boolean } = {}) => {
    const rent = options.rent ?? unit.rent
    return await api.post('/v1/leases', {
      unitId: unit.id, tenantIds: await newTenants(options.tenants ?? 1), startDate: isoDate(start), endDate: end === null ? null : isoDate(end),
      rent, deposit: options.deposit ?? rent, dueDay: Math.min(start.getUTCDate(), 28), activate: options.activate ?? true
    })
  }

  // A year ago: four tenancies that have ended since, and one the tenant is about to leave early.
  const formerUnits = [0, 1, 12, 20]
  const former: string[] = []
  for (const u of formerUnits) former.push((await lease(units[u]!, monthStart(14), addDays(monthStart(7), -1), { rent: Math.round(units[u]!.rent * 0.96 / 500) * 500 })).id)
  const leaving = await lease(units[5]!, monthStart(9, 15), null, { tenants: 2 })
  await runJob(app, 'generate-rent-charges')
  await runJob(app, 'end-expired-leases')
  for (const [i, id] of former.entries()) await payAsTenant(api, id, 'on-time', now, 'bank_transfer', i)
  // Terminated two months ago, owing its last rents; rent raised after the end date is voided.
  const leftOn = monthStart(2, 20)
  await api.post(`/v1/leases/${leaving.id}/termination`, { endDate: isoDate(leftOn), reason: 'Tenant moved out early' })
  for (const charge of await chargesOf(api, leaving.id)) {
    if (charge.kind === 'rent' && charge.dueDate > isoDate(leftOn)) await api.delete(`/v1/charges/${charge.id}`)
  }
  await payAsTenant(api, leaving.id, 'arrears', now, 'bank_transfer', 0)

  // Today's tenancies: every unit but five (one being renovated, one with a lease about to start).
  const vacant = new Set([5, 11, 19, 25, 28])
  const active: string[] = []
  let n = 0
  for (const [u, unit] of units.entries()) {
    if (vacant.has(u)) continue
    const monthsAgo = formerUnits.includes(u) ? 6 : 2 + (n % 7)
    const start = monthStart(monthsAgo, n % 4 === 3 ? 15 : 1)
    // Most run a year; a few are open-ended; two end within weeks.
    const end = n % 6 === 5 ? null : n === 4 || n === 9 ? addDays(addMonths(start, monthsAgo + 1), -1) : addDays(addMonths(start, 12), -1)
    active.push((await lease(unit, start, end, { tenants: n % 3 === 0 ? 2 : 1, deposit: n % 8 === 7 ? 0 : undefined })).id)
    n++
  }
  await lease(units[19]!, addDays(today, 14), addDays(addMonths(addDays(today, 14), 12), -1), { activate: false })
  await runJob(app, 'generate-rent-charges')
  for (const [i, id] of active.entries()) await payAsTenant(api, id, PAYERS[i % PAYERS.length]!, now, i % 3 === 0 ? 'direct_debit' : 'bank_transfer', i)
  await runJob(app, 'mark-overdue-charges')

  await api.patch(`/v1/units/${units[11]!.id}`, { status: 'offline' })
  for (const u of [4, 9].map((i) => [...units.entries()].filter(([k]) => !vacant.has(k))[i]![0])) await api.patch(`/v1/units/${units[u]!.id}`, { status: 'notice' })

  const manager = staffIds.manager
  const hoursAgo = (hours: number) => new Date(now.getTime() - hours * HOUR_MS).toISOString()
  const requests = [
    { unit: 2, title: 'No hot water', description: 'The boiler shows error E119 and there is no hot water.', priority: 'urgent', status: 'open', reportedAt: hoursAgo(5) },
    { unit: 7, title: 'Leaking kitchen tap', description: 'The kitchen tap drips constantly.', priority: 'high', status: 'in_progress', reportedAt: hoursAgo(50), assignee: manager },
    { unit: 14, title: 'Broken window latch', description: 'The bedroom window will not lock.', priority: 'normal', status: 'open', reportedAt: hoursAgo(140) },
    { unit: null, title: 'Repaint the entrance hall', description: 'Scuffed walls in the communal entrance.', priority: 'low', status: 'on_hold', reportedAt: hoursAgo(480) },
    { unit: 3, title: 'Smoke alarm beeping', description: 'The hallway smoke alarm beeps every minute.', priority: 'high', status: 'resolved', reportedAt: hoursAgo(6), assignee: manager },
    { unit: 16, title: 'Blocked shower drain', description: 'Water drains very slowly.', priority: 'normal', status: 'resolved', reportedAt: hoursAgo(30), assignee: manager },
    { unit: 21, title: 'Front door lock sticking', description: 'The key turns with difficulty.', priority: 'normal', status: 'resolved', reportedAt: hoursAgo(72) },
    { unit: 26, title: 'Oven not heating', description: 'The oven turns on but stays cold.', priority: 'low', status: 'resolved', reportedAt: hoursAgo(216) },
    { unit: 8, title: 'Noise from the flat upstairs', description: 'Reported by mistake: a neighbour\'s party.', priority: 'low', status: 'cancelled', reportedAt: hoursAgo(300) }
  ] as const
  for (const r of requests) {
    const unit = r.unit === null ? units[0]! : units[r.unit]!
    await api.post('/v1/maintenance-requests', {
      propertyId: unit.propertyId, ...(r.unit === null ? {} : { unitId: unit.id }), title: r.title, description: r.description, priority: r.priority, status: r.status,
      reportedAt: r.reportedAt, ...('assignee' in r && r.assignee !== undefined ? { assigneeId: r.assignee } : {})
    })
  }
}
