// The sign-in counts in Redis, shared by every instance. An attempt is reserved
// (counted as a failure) in one script that first checks the limits, so a burst
// of parallel attempts cannot all pass the check before any of them is counted;
// a right password gives its attempt back.
// Redis Cluster: every key of a name carries the name's hash tag (counts.ts), so
// each script runs on one slot.
import type { RedisClient } from '../../external/redis/index.ts'
import type { Keys, Limits, SignedIn, Verdict } from './counts.ts'

// KEYS: pair, account, delay, signedIn. ARGV: max pair failures, window, now,
// the agency named ('' for any), this attempt's token, failures before delays,
// then the delays. Answers {0, ttl} (pair limit), {1, ttl} (delayed), or
// {2, failures, heldMs, restricted, agency…}. Past the failures before delays,
// an attempt from an address with no delay to skip holds the delay key (its
// token as value) while it runs, so parallel attempts from elsewhere wait for
// its outcome: a failure turns it into the delay, a success removes it.
const RESERVE = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1])} end
local delayTtl = redis.call('PTTL', KEYS[3])
local agencies = {}
if delayTtl > 0 then
  if ARGV[4] == '' then
    agencies = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. ARGV[3], '+inf')
  else
    local expiry = redis.call('ZSCORE', KEYS[4], ARGV[4])
    if expiry and tonumber(expiry) > tonumber(ARGV[3]) then agencies = {ARGV[4]} end
  end
  if #agencies == 0 then return {1, delayTtl} end
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local n = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local held = 0
local step = n - tonumber(ARGV[6])
if delayTtl <= 0 and step > 0 then
  held = tonumber(ARGV[6 + math.min(step, #ARGV - 6)])
  redis.call('SET', KEYS[3], ARGV[5], 'PX', held)
end
return {2, n, held, delayTtl > 0 and 1 or 0, unpack(agencies)}`

// KEYS as above. ARGV: the attempt's token, '1' when the earlier failures are
// the signed-in accounts' own, now, until when the address counts as known,
// then the agencies signed in to.
const REFUND = `
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1])
elseif tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
if #ARGV > 4 then
  for i = 5, #ARGV do redis.call('ZADD', KEYS[4], ARGV[4], ARGV[i]) end
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[3])
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[4]) - tonumber(ARGV[3]))
end
return 1`

type Scripted = RedisClient & {
  loginReserve: (pair: string, account: string, delay: string, signedIn: string, ...args: Array<string | number>) => Promise<number[] | Array<number | string>>
  loginRefund: (pair: string, account: string, delay: string, signedIn: string, ...args: Array<string | number>) => Promise<number>
}

export class RedisCounts {
  private readonly redis: Scripted
  private readonly limits: Limits

  constructor (redis: RedisClient, limits: Limits) {
    if (!('loginReserve' in redis)) {
      redis.defineCommand('loginReserve', { numberOfKeys: 4, lua: RESERVE })
      redis.defineCommand('loginRefund', { numberOfKeys: 4, lua: REFUND })
    }
    this.redis = redis as Scripted
    this.limits = limits
  }

  async reserve (keys: Keys, agency: string | undefined, token: string, now: number): Promise<Verdict> {
    const { maxPairFailures, windowMs, delayAfter, delays } = this.limits
    const [kind, first, held, restricted, ...agencies] = await this.redis.loginReserve(
      keys.pair, keys.account, keys.delay, keys.signedIn,
      maxPairFailures, windowMs, now, agency ?? '', token, delayAfter, ...delays
    )
    if (kind === 0) return { refused: 'pair', retryMs: Number(first) }
    if (kind === 1) return { refused: 'delay', retryMs: Number(first) }
    return { refused: false, failures: Number(first), heldMs: Number(held), agencies: restricted === 1 ? agencies.map(String) : undefined }
  }

  async failed (keys: Keys, delayMs: number): Promise<void> {
    await this.redis.set(keys.delay, '1', 'PX', delayMs)
  }

  /** Gives the attempt back; with `signedIn`, also what a right password proved. */
  async refund (keys: Keys, token: string, now: number, signedIn?: SignedIn): Promise<void> {
    await this.redis.loginRefund(
      keys.pair, keys.account, keys.delay, keys.signedIn,
      token, signedIn?.allAccounts === true ? '1' : '0', now, now + this.limits.knownMs, ...(signedIn?.agencies ?? [])
    )
  }
}
