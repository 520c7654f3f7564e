// The operators' tools the test suite runs for real: Prometheus and promtool (Debian's
// `prometheus`), amtool (`prometheus-alertmanager`) and headless Chromium (`chromium`).
// Installed like the stack's servers (apt-get as root), so a fresh CI machine has them.
// Debian's packages would start their own daemons on 9090/9093 where an init system runs;
// the tests never use those: they start Prometheus themselves on a free port.
import { requireCommand } from './apt.ts'

export interface OpsTools {
  prometheus: string
  promtool: string
  amtool: string
  chromium: string
}

export async function ensureOpsTools (profile: string): Promise<OpsTools> {
  // One after the other: promtool comes with prometheus, and one install is enough.
  const prometheus = await requireCommand(profile, 'prometheus', 'prometheus')
  const promtool = await requireCommand(profile, 'promtool', 'prometheus')
  const amtool = await requireCommand(profile, 'amtool', 'prometheus-alertmanager')
  const chromium = await requireCommand(profile, 'chromium', 'chromium')
  return { prometheus, promtool, amtool, chromium }
}

if (import.meta.main) {
  const tools = await ensureOpsTools('tools')
  for (const [name, file] of Object.entries(tools)) process.stdout.write(`${name}=${file}\n`)
}
