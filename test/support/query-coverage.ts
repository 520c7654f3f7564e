// Records the query shape of every command a repository sends (they all carry a
// "repo:<collection>.<method>" comment) and checks each against the declared
// indexes with the ESR rule, plus the tenancy rule: the filter holds agencyId
// unless the method's name says it is a global path. Test apps run with this
// recorder, and a file whose queries break either rule fails at teardown.
import type { Document, MongoClient } from 'mongodb'
import { indexes } from '../../migrations/mongo/indexes.ts'
import { planOf, servedBy, type QueryPlan } from '../../migrations/mongo/esr.ts'
import { filterShape } from '../../plugins/external/mongodb/query-shape.ts'

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
  return null
}

export function recordQueryCoverage (client: MongoClient): () => Violation[] {
  const violations = new Map<string, Violation>()
  client.on('commandStarted', (event) => {
    const comment = event.command.comment
    if (typeof comment !== 'string' || !comment.startsWith('repo:')) return
    const collection = String(event.command[event.commandName])
    for (const query of queriesOf(event.commandName, event.command)) {
      const problem = checkQuery(comment, collection, query)
      if (problem === null) continue
      const shape = { filter: filterShape(query.filter), sort: query.sort }
      violations.set(`${comment} ${JSON.stringify(shape)}`, { comment, collection, shape, problem })
    }
  })
  return () => [...violations.values()]
}
