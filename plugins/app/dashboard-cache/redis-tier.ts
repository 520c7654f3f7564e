// The shared (L2) tier in Redis: one hash per agency, a field per dashboard
// variant, each value stamped with when its computation started. A write
// replaces the hash with an "_inv" stamp and the variants recomputed after it;
// a store is refused (atomically, in a script) when its computation started
// before the last invalidation — so a slow computation can never put back
// figures a write has just made stale — and so is an older write's replacement.
import type { Redis } from 'ioredis'

export interface Cached { body: string, etag: string, startedAt: number }

const STORE = `
local invalidated = redis.call('HGET', KEYS[1], '_inv')
if invalidated and tonumber(invalidated) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
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

type Scripted = Redis & {
  dashboardStore: (key: string, field: string, startedAt: number, value: string, ttlMs: number) => Promise<number>
  dashboardReplace: (key: string, from: number, ttlMs: number, ...fields: string[]) => Promise<number>
}

export class RedisTier {
  private readonly redis: Scripted
  private readonly keepMs: number

  constructor (redis: Redis, keepMs: number) {
    if (!('dashboardStore' in redis)) {
      redis.defineCommand('dashboardStore', { numberOfKeys: 1, lua: STORE })
      redis.defineCommand('dashboardReplace', { numberOfKeys: 1, lua: REPLACE })
    }
    this.redis = redis as Scripted
    this.keepMs = keepMs
  }

  private key (agencyId: string): string {
    return `dashboard:${agencyId}`
  }

  async get (agencyId: string, variant: string): Promise<Cached | null> {
    const raw = await this.redis.hget(this.key(agencyId), variant)
    return raw === null ? null : JSON.parse(raw) as Cached
  }

  async store (agencyId: string, variant: string, value: Cached): Promise<boolean> {
    return await this.redis.dashboardStore(this.key(agencyId), variant, value.startedAt, JSON.stringify(value), this.keepMs) === 1
  }

  /** Drops what was computed before `from` and keeps the fresh variants (each computed since). */
  async replace (agencyId: string, from: number, fresh: Fresh[]): Promise<void> {
    const fields = fresh.flatMap(({ variant, value }) => [variant, JSON.stringify(value)])
    await this.redis.dashboardReplace(this.key(agencyId), from, this.keepMs, ...fields)
  }
}
