import { Type, type Static } from 'typebox'
import { IsoDateTime, Money, MONTH_PATTERN, ObjectIdString } from './common.ts'
import { Aging } from './balance.ts'

export const WIDGETS = ['portfolio', 'leases', 'rent', 'outstanding', 'history', 'maintenance', 'payments'] as const
export type Widget = typeof WIDGETS[number]

const Count = Type.Integer({ minimum: 0 })
const Period = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'a month, YYYY-MM' })
const Rate = Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'null when there is nothing to divide by' })
const Signed = Type.Integer({ description: 'integer minor units' })

export const DashboardQuery = Type.Object({
  include: Type.Optional(Type.String({ maxLength: 200, pattern: `^(${WIDGETS.join('|')})(,(${WIDGETS.join('|')}))*$`, description: `comma-separated widgets (default all): ${WIDGETS.join(', ')}; order and repeats do not matter` })),
  period: Type.Optional(Type.String({ pattern: MONTH_PATTERN, description: 'a month, YYYY-MM (default the current one): from the agency\'s first month with money to its last or the current one (else 400 PERIOD_OUT_OF_RANGE)' }))
}, { additionalProperties: false })

export const Dashboard = Type.Object({
  period: Period,
  currency: Type.String(),
  generatedAt: IsoDateTime,
  portfolio: Type.Optional(Type.Object({
    properties: Count,
    units: Count,
    unitsByStatus: Type.Object({ vacant: Count, occupied: Count, notice: Count, offline: Count }),
    occupancyRate: Rate
  })),
  leases: Type.Optional(Type.Object({
    active: Count,
    expiringIn30Days: Count,
    expiringIn60Days: Count,
    expiringIn90Days: Count
  })),
  rent: Type.Optional(Type.Object({
    period: Period,
    charged: Signed,
    collected: Signed,
    collectionRate: Rate
  }, { description: 'charges due in the period and payments received in it' })),
  outstanding: Type.Optional(Type.Object({ total: Signed, credit: Signed, aging: Aging })),
  history: Type.Optional(Type.Array(Type.Object({ period: Period, charged: Signed, collected: Signed }), { description: '12 months ending with the period, oldest first' })),
  maintenance: Type.Optional(Type.Object({
    open: Count,
    openByPriority: Type.Object({ urgent: Count, high: Count, normal: Count, low: Count }),
    resolvedLast30Days: Count,
    medianResolutionHoursLast30Days: Type.Union([Type.Number({ minimum: 0 }), Type.Null()])
  })),
  payments: Type.Optional(Type.Array(Type.Object({
    id: ObjectIdString, leaseId: ObjectIdString, amount: Money, receivedAt: IsoDateTime, method: Type.String(), status: Type.Enum(['applied', 'reversed'])
  }), { description: 'the 10 latest payments, by receipt date' }))
})
export type Dashboard = Static<typeof Dashboard>
