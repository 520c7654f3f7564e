// The dashboard computed the slow, obvious way: straight from the raw
// documents, in the test, with none of the application's rollup code. Any
// figure the summaries get wrong differs from this.
import type { Test } from 'tap'
import { ObjectId, type Document } from 'mongodb'
import type { App } from '../helper.ts'

const DAY = 86_400_000
const month = (date: Date) => date.toISOString().slice(0, 7)
const sum = (docs: Document[], field: string) => docs.reduce((total, doc) => total + (doc[field] as number), 0)

export async function expectedDashboard (app: App, agencyId: string, period: string, now = new Date()): Promise<Record<string, unknown>> {
  const db = app.mongo.db!
  const scope = { agencyId: new ObjectId(agencyId) }
  const [agency, properties, units, leases, charges, payments, requests] = await Promise.all([
    db.collection('agencies').findOne({ _id: scope.agencyId }),
    db.collection('properties').find({ ...scope, archived: false }).toArray(),
    db.collection('units').find({ ...scope, archived: false }).toArray(),
    db.collection('leases').find({ ...scope, status: 'active' }).toArray(),
    db.collection('charges').find({ ...scope, status: { $ne: 'voided' } }).toArray(),
    db.collection('payments').find(scope).toArray(),
    db.collection('maintenance_requests').find(scope).toArray()
  ])
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const byStatus = (status: string) => units.filter((u) => u.status === status).length
  const expiring = (days: number) => leases.filter((l) => l.endDate !== null && l.endDate.getTime() >= today && l.endDate.getTime() <= today + days * DAY).length
  const applied = payments.filter((p) => p.status === 'applied')
  const periods = Array.from({ length: 12 }, (_, i) => {
    const [y, m] = period.split('-').map(Number)
    return new Date(Date.UTC(y!, m! - 12 + i, 1)).toISOString().slice(0, 7)
  })
  const charged = (p: string) => sum(charges.filter((c) => month(c.dueDate) === p), 'amount')
  const collected = (p: string) => sum(applied.filter((x) => month(x.receivedAt) === p), 'amount')
  const aging = { '0-30': 0, '31-60': 0, '61-90': 0, '90+': 0 }
  for (const c of charges.filter((c) => c.outstanding > 0)) {
    const days = Math.max(0, Math.floor((now.getTime() - c.dueDate.getTime()) / DAY))
    aging[days <= 30 ? '0-30' : days <= 60 ? '31-60' : days <= 90 ? '61-90' : '90+'] += c.outstanding
  }
  const open = requests.filter((r) => !r.archived && ['open', 'in_progress', 'on_hold'].includes(r.status))
  const openBy = (priority: string) => open.filter((r) => r.priority === priority).length
  const hours = requests.filter((r) => r.status === 'resolved' && r.resolvedAt.getTime() >= now.getTime() - 30 * DAY)
    .map((r) => (r.resolvedAt.getTime() - r.reportedAt.getTime()) / 3_600_000).sort((a, b) => a - b)
  const median = hours.length === 0 ? null : Math.round((hours.length % 2 === 1 ? hours[(hours.length - 1) / 2]! : (hours[hours.length / 2 - 1]! + hours[hours.length / 2]!) / 2) * 100) / 100
  const rate = (part: number, whole: number) => whole <= 0 ? null : Math.round((part / whole) * 10_000) / 10_000
  const unitCount = units.length

  return {
    period,
    currency: agency?.currency,
    portfolio: {
      properties: properties.length,
      units: unitCount,
      unitsByStatus: { vacant: byStatus('vacant'), occupied: byStatus('occupied'), notice: byStatus('notice'), offline: byStatus('offline') },
      occupancyRate: rate(byStatus('occupied') + byStatus('notice'), unitCount)
    },
    leases: { active: leases.length, expiringIn30Days: expiring(30), expiringIn60Days: expiring(60), expiringIn90Days: expiring(90) },
    rent: { period, charged: charged(period), collected: collected(period), collectionRate: rate(collected(period), charged(period)) },
    outstanding: { total: sum(charges, 'outstanding'), credit: sum(applied, 'amount') - sum(applied, 'applied'), aging },
    history: periods.map((p) => ({ period: p, charged: charged(p), collected: collected(p) })),
    maintenance: {
      open: open.length,
      openByPriority: { urgent: openBy('urgent'), high: openBy('high'), normal: openBy('normal'), low: openBy('low') },
      resolvedLast30Days: hours.length,
      medianResolutionHoursLast30Days: median
    },
    payments: payments.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || b._id.toHexString().localeCompare(a._id.toHexString())).slice(0, 10)
      .map((p) => ({ id: p._id.toHexString(), leaseId: p.leaseId.toHexString(), amount: p.amount, receivedAt: p.receivedAt.toISOString(), method: p.method, status: p.status }))
  }
}

/** The dashboard as served, without the generation time. */
export function withoutClock (dashboard: Record<string, unknown>): Record<string, unknown> {
  const { generatedAt, ...rest } = dashboard
  void generatedAt
  return rest
}

/** Signs in and checks the dashboard served against the one recomputed from the raw documents. */
export async function dashboardMatches (t: Test, app: App, email: string, password: string, agencyId: string, query = ''): Promise<void> {
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })
  t.equal(login.statusCode, 200, `${email} logs in`)
  const response = await app.inject({ method: 'GET', url: `/v1/dashboard${query}`, headers: { authorization: `Bearer ${login.json().accessToken}` } })
  t.equal(response.statusCode, 200)
  const served = withoutClock(response.json())
  t.same(served, await expectedDashboard(app, agencyId, served.period as string), `dashboard${query} as recomputed from the raw documents`)
}
