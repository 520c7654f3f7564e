// Facts every report states: the commit measured and the MongoDB server it ran against.
import { execFileSync } from 'node:child_process'
import type { Db } from 'mongodb'

export function gitCommit (): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return dirty ? `${sha}-dirty` : sha
  } catch {
    return 'unknown'
  }
}

export async function mongoServer (db: Db): Promise<{ server: string, version: string }> {
  const info = await db.admin().command({ buildInfo: 1 })
  // mongo-java-server answers buildInfo with a version only; MongoDB always adds its gitVersion.
  return { server: typeof info.gitVersion === 'string' ? 'MongoDB' : 'mongo-java-server', version: String(info.version) }
}
