// Counts tests in tap's TAP output. A test is a leaf subtest (a t.test with no
// t.test inside); subtest result lines are the ones tap stamps with "# time=",
// assertions carry no time. A subtest or file that fails without any failing
// child test (a thrown error, a failed assertion outside the leaves, a crash,
// a timeout) counts as one more failure.
export interface Counts { passed: number, failed: number, skipped: number }

const RESULT = /^( *)(not ok|ok) \d+ - .*?(?:# (time=|SKIP|TODO).*)?$/i

export function countResults (tap: string): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 }
  // Per indentation: has a subtest result been seen there since its parent's last result?
  const childSeen = new Map<number, boolean>()
  const childFailed = new Map<number, boolean>()
  for (const line of tap.split('\n')) {
    const match = RESULT.exec(line)
    if (match === null) continue
    const [, indentation = '', outcome, directive] = match
    const depth = indentation.length
    if (directive === undefined) continue // an assertion, not a test
    if (/^(SKIP|TODO)$/i.test(directive)) {
      counts.skipped++
      continue
    }
    const passed = outcome === 'ok'
    const isLeaf = !(childSeen.get(depth + 4) ?? false)
    const failedBelow = childFailed.get(depth + 4) ?? false
    childSeen.set(depth + 4, false)
    childFailed.set(depth + 4, false)
    if (depth > 0) childSeen.set(depth, true)
    if (!passed) childFailed.set(depth, true)

    if (depth > 0 && isLeaf) {
      if (passed) counts.passed++
      else counts.failed++
    } else if (!passed && !failedBelow) {
      counts.failed++
    }
  }
  return counts
}
