// Records the query shape of every command a repository sends (they all carry a
// "repo:<collection>.<method>" comment) and checks each against the declared
// indexes with the ESR rule, plus the tenancy rule: the filter holds agencyId
// unless the method's name says it is a global path, plus the sharding rule: on a
// collection with a shard key (migrations/mongo/shard-keys.ts) the filter names
// one value of the key's first field (one agency), so mongos sends it to one
// shard. admin* methods (scheduled jobs walking every agency, off the request
// path) are scatter-gather by design and allowed to be; global* methods are on the
// request path (login, refresh), so they must target one shard too: their
// collections stay unsharded. Inserts must carry that first field. Test apps run
// with this recorder, and a file whose queries break a rule fails at teardown.
import type { Document, MongoClient } from 'mongodb'
import { indexes } from '../../migrations/mongo/indexes.ts'
import { planOf, servedBy, type QueryPlan } from '../../migrations/mongo/esr.ts'
import { filterShape } from '../../plugins/external/mongodb/query-shape.ts'
import { shardKeys } from '../../migrations/mongo/shard-keys.ts'

interface Query { filter: Record<string, unknown>, sort: Record<string, unknown> | null }

function plainSort (sort: unknown): Record<string, unknown> | null {
  if (sort instanceof Map) return Object.fromEntries(sort) as Record<string, unknown>
  return (sort ?? null) as Record<string, unknown> | null
}

/** The filters (and sorts) a command selects documents by. */
export function queriesOf (commandName: string, command: Document): Query[] {
  switch (commandName) {
    case 'find': return [{ filter: command.filter ?? {}, sort: plainSort(command.sort) }]
    case 'count':
    case 'distinct': return [{ filter: command.query ?? {}, sort: null }]
    case 'findAndModify': return [{ filter: command.query ?? {}, sort: plainSort(command.sort) }]
    case 'update': return (command.updates as Document[]).map((u) => ({ filter: u.q ?? {}, sort: null }))
    case 'delete': return (command.deletes as Document[]).map((d) => ({ filter: d.q ?? {}, sort: null }))
    case 'aggregate': {
      const [first, second] = command.pipeline as Document[]
      if (first?.$match === undefined) return [{ filter: {}, sort: null }]
      return [{ filter: first.$match, sort: plainSort(second?.$sort) }]
    }
    default: return []
  }
}

export interface Violation { comment: string, collection: string, shape: unknown, problem: string }

// An agency is its own scope: its _id is the agency id.
const SCOPE_FIELD: Record<string, string> = { agencies: '_id', agency_summaries: '_id' }

export function checkQuery (comment: string, collection: string, query: Query): string | null {
  const method = comment.split('.').at(-1) ?? ''
  const plan: QueryPlan = planOf(query.filter, query.sort)
  const scope = SCOPE_FIELD[collection] ?? 'agencyId'
  if (!/^(global|admin)/.test(method) && !plan.equality.includes(scope)) return `no ${scope} equality in the filter (agency scope)`
  const declared = (indexes as Record<string, Parameters<typeof servedBy>[0]>)[collection]
  if (declared === undefined) return `collection ${collection} declares no indexes in migrations/mongo`
  if (servedBy(declared, plan) === undefined) return 'no declared index serves it (equality, then sort, then range)'
  return shardProblem(method, collection, query.filter)
}

/** The first field of a sharded collection's key, or undefined for an unsharded one. */
function shardLead (collection: string): string | undefined {
  const key = (shardKeys as Record<string, (typeof shardKeys)[keyof typeof shardKeys] | undefined>)[collection]
  return key === undefined || key === 'unsharded' ? undefined : Object.keys(key)[0]
}

/** The filter pins `field` to one value (an $in of several asks several shards). */
function singleValue (filter: Record<string, unknown>, field: string): boolean {
  if (Array.isArray(filter.$and) && filter.$and.some((clause) => singleValue(clause as Record<string, unknown>, field))) return true
  if (!(field in filter)) return false
  const value = filter[field]
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.keys(value).every((k) => k.startsWith('$')) || Object.keys(value).length === 0) return true
  const operators = value as Record<string, unknown>
  return '$eq' in operators || (Array.isArray(operators.$in) && operators.$in.length === 1)
}

export function shardProblem (method: string, collection: string, filter: Record<string, unknown>): string | null {
  const lead = shardLead(collection)
  if (lead === undefined || /^admin/.test(method)) return null
  return singleValue(filter, lead) ? null : `would not target one shard: the filter names no single ${lead} (${collection} is sharded by ${JSON.stringify(shardKeys[collection as keyof typeof shardKeys])})`
}

export function recordQueryCoverage (client: MongoClient): () => Violation[] {
  const violations = new Map<string, Violation>()
  client.on('commandStarted', (event) => {
    const comment = event.command.comment
    if (typeof comment !== 'string' || !comment.startsWith('repo:')) return
    const collection = String(event.command[event.commandName])
    const lead = shardLead(collection)
    if (event.commandName === 'insert' && lead !== undefined && (event.command.documents as Document[]).some((doc) => doc[lead] === undefined)) {
      violations.set(`${comment} insert`, { comment, collection, shape: { insert: lead }, problem: `a document inserted without ${lead}, its shard key's first field` })
    }
    for (const query of queriesOf(event.commandName, event.command)) {
      const problem = checkQuery(comment, collection, query)
      if (problem === null) continue
      const shape = { filter: filterShape(query.filter), sort: query.sort }
      violations.set(`${comment} ${JSON.stringify(shape)}`, { comment, collection, shape, problem })
    }
  })
  return () => [...violations.values()]
}
