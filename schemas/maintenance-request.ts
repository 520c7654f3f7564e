import { Type, type Static } from 'typebox'
import { instant, IsoDateTime, ObjectIdString, PageQuery, SortParam } from './common.ts'

const Title = Type.String({ minLength: 1, maxLength: 200 })
const Description = Type.String({ minLength: 1, maxLength: 5_000 })
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export const MAINTENANCE_STATUSES = ['open', 'in_progress', 'on_hold', 'resolved', 'cancelled'] as const
export const Priority = Type.Enum(PRIORITIES)
export const MaintenanceStatus = Type.Enum(MAINTENANCE_STATUSES)
const OptionalId = Type.Union([ObjectIdString, Type.Null()])

export const MaintenanceRequest = Type.Object({
  id: ObjectIdString,
  propertyId: ObjectIdString,
  unitId: OptionalId,
  tenantId: OptionalId,
  title: Title,
  description: Description,
  priority: Priority,
  status: MaintenanceStatus,
  assigneeId: OptionalId,
  reportedAt: IsoDateTime,
  resolvedAt: Type.Union([IsoDateTime, Type.Null()], { description: 'stamped when the status becomes resolved; null unless it is resolved' }),
  archived: Type.Boolean(),
  archivedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type MaintenanceRequest = Static<typeof MaintenanceRequest>

export const MaintenanceRequestCreate = Type.Object({
  propertyId: ObjectIdString,
  unitId: Type.Optional(ObjectIdString),
  tenantId: Type.Optional(ObjectIdString),
  title: Title,
  description: Description,
  priority: Type.Optional(Type.Enum(PRIORITIES, { default: 'normal' })),
  status: Type.Optional(Type.Enum(MAINTENANCE_STATUSES, { default: 'open' })),
  assigneeId: Type.Optional(ObjectIdString),
  reportedAt: Type.Optional(instant('when it was reported, for back-filled requests; now by default, never in the future'))
}, {
  additionalProperties: false,
  examples: [{ propertyId: '665f1c2e9b1d4a0012345678', unitId: '665f1c2e9b1d4a0012345679', title: 'Boiler makes a banging noise', description: 'Loud bangs when the heating starts, every morning since Monday.', priority: 'high' }]
})

// The property and reportedAt are fixed once reported; null removes a unit, tenant or assignee.
export const MaintenanceRequestPatch = Type.Object({
  unitId: Type.Optional(OptionalId),
  tenantId: Type.Optional(OptionalId),
  title: Type.Optional(Title),
  description: Type.Optional(Description),
  priority: Type.Optional(Priority),
  status: Type.Optional(MaintenanceStatus),
  assigneeId: Type.Optional(OptionalId)
}, { additionalProperties: false, minProperties: 1 })

export const MAINTENANCE_SORTS = ['reportedAt', 'priority', 'updatedAt'] as const

export const MaintenanceRequestListQuery = Type.Object({
  archived: Type.Optional(Type.Boolean({ default: false, description: 'archived requests instead of current ones' })),
  status: Type.Optional(MaintenanceStatus),
  priority: Type.Optional(Priority),
  propertyId: Type.Optional(ObjectIdString),
  assigneeId: Type.Optional(ObjectIdString),
  sort: SortParam(MAINTENANCE_SORTS, '-reportedAt'),
  ...PageQuery
}, { additionalProperties: false })
