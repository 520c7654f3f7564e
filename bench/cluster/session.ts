// What the cluster tools (rolling restart, uptime) share: the running cluster's state and key,
// and the users workload through its balancer with every VU signed in.
import { MongoClient } from 'mongodb'
import { clusterJwtSecret } from '../../scripts/cluster.ts'
import { readClusterState, type ClusterState } from '../../scripts/cluster/state.ts'
import { isScale, scalePlan } from '../../scripts/seed/plan.ts'
import { ensureVegeta } from '../../scripts/vegeta.ts'
import { detectExports } from '../users/exports.ts'
import { signIn, type Session } from '../users/phases.ts'
import { ensureAccounts } from '../users/population.ts'
import { datasetPeriod, VirtualUser } from '../users/workload.ts'

export interface ClusterSession { state: ClusterState, secret: string, session: Session }

export async function clusterSession (scale: string, seed: number, users: number, runPrefix: string, log: (message: string) => void): Promise<ClusterSession> {
  if (!isScale(scale)) throw new Error('--scale must be the cluster\'s: XS, S, M or L')
  const state = await readClusterState()
  const plan = scalePlan(scale, seed)
  const mongo = new MongoClient(state.mongoUrl)
  const accounts = await ensureAccounts(mongo.db(), state.balancerUrl, plan.password, users, log).finally(() => mongo.close())
  const workload = { baseUrl: state.balancerUrl, password: plan.password, period: datasetPeriod(plan.anchor), exports: await detectExports(state.balancerUrl), runId: `${runPrefix}${Date.now().toString(36)}` }
  const session: Session = { vegeta: await ensureVegeta(), workload, users: Array.from({ length: users }, (_, i) => new VirtualUser(i, accounts[i % accounts.length]!)), processes: [], log }
  await signIn(session, users)
  return { state, secret: await clusterJwtSecret(), session }
}
