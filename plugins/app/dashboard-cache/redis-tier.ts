// The shared (L2) tier in Redis: one hash per agency, a field per dashboard
// variant, each value stamped with when its computation started. A write
// replaces the hash with an "_inv" stamp and the variants recomputed after it;
// a store is refused (atomically, in a script) when its computation started
// before the last invalidation — so a slow computation can never put back
// figures a write has just made stale — and so is an older write's replacement.
// An agency holds at most `maxEntries` variants: a store beyond that drops the
// agency's variant computed longest ago, so no agency grows Redis without bound
// and none can push another's entries out.
// Redis Cluster: the key is `dashboard:{<agencyId>}`, its hash tag the agency,
// and each script touches that one key, so every call runs on one slot.
import type { RedisClient } from '../../external/redis/index.ts'

export interface Cached { body: string, etag: string, startedAt: number }

// Answers 0 (refused: a write came after the computation started), 1 (stored)
// or 2 + n (stored after dropping n variants for room).
const STORE = `
local invalidated = redis.call('HGET', KEYS[1], '_inv')
if invalidated and tonumber(invalidated) > tonumber(ARGV[2]) then return 0 end
local dropped = 0
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  local held = redis.call('HLEN', KEYS[1]) - (invalidated and 1 or 0)
  while held >= tonumber(ARGV[5]) do
    local fields = redis.call('HGETALL', KEYS[1])
    local oldest, oldestAt = nil, nil
    for i = 1, #fields, 2 do
      if fields[i] ~= '_inv' then
        local at = cjson.decode(fields[i + 1]).startedAt
        if oldestAt == nil or at < oldestAt then oldest, oldestAt = fields[i], at end
      end
    end
    redis.call('HDEL', KEYS[1], oldest)
    held = held - 1
    dropped = dropped + 1
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if dropped > 0 then return 2 + dropped end
return 1`

const REPLACE = `
local invalidated = redis.call('HGET', KEYS[1], '_inv')
if invalidated and tonumber(invalidated) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '_inv', ARGV[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

export interface Fresh { variant: string, value: Cached }

type Scripted = RedisClient & {
  dashboardStore: (key: string, field: string, startedAt: number, value: string, ttlMs: number, maxEntries: number) => Promise<number>
  dashboardReplace: (key: string, from: number, ttlMs: number, ...fields: string[]) => Promise<number>
}

/** An agency's hash (after the client's key prefix); the braces make the agency its Redis Cluster hash tag. */
export function l2Key (agencyId: string): string {
  return `dashboard:{${agencyId}}`
}

export interface TierOptions {
  keepMs: number
  /** variants one agency may hold */
  maxEntries: number
  /** told how many variants a store dropped for room */
  onEvict?: (count: number) => void
}

export class RedisTier {
  private readonly redis: Scripted
  private readonly options: TierOptions

  constructor (redis: RedisClient, options: TierOptions) {
    if (!('dashboardStore' in redis)) {
      redis.defineCommand('dashboardStore', { numberOfKeys: 1, lua: STORE })
      redis.defineCommand('dashboardReplace', { numberOfKeys: 1, lua: REPLACE })
    }
    this.redis = redis as Scripted
    this.options = options
  }

  async get (agencyId: string, variant: string): Promise<Cached | null> {
    const raw = await this.redis.hget(l2Key(agencyId), variant)
    return raw === null ? null : JSON.parse(raw) as Cached
  }

  async store (agencyId: string, variant: string, value: Cached): Promise<boolean> {
    const answer = await this.redis.dashboardStore(l2Key(agencyId), variant, value.startedAt, JSON.stringify(value), this.options.keepMs, this.options.maxEntries)
    if (answer >= 2) this.options.onEvict?.(answer - 2)
    return answer >= 1
  }

  /** Drops what was computed before `from` and keeps the fresh variants (each computed since; at most maxEntries). */
  async replace (agencyId: string, from: number, fresh: Fresh[]): Promise<void> {
    const fields = fresh.slice(0, this.options.maxEntries).flatMap(({ variant, value }) => [variant, JSON.stringify(value)])
    await this.redis.dashboardReplace(l2Key(agencyId), from, this.options.keepMs, ...fields)
  }
}
