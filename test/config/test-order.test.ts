import { test } from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { durationsFrom, longestFirst, readDurations, slowestFiles } from '../../scripts/test-order.ts'

test('npm test starts unknown files first, then the longest, from the last full run\'s durations', async (t) => {
  const tap = [
    '# Subtest: test/a.test.ts',
    '    ok 1 - a leaf # time=900.5ms',
    'ok 1 - test/a.test.ts # time=1200.4ms',
    'ok 3 - test/c.test.ts # time=5ms',
    'not ok 2 - test/b.test.ts # time=30000ms'
  ].join('\n')
  const durations = durationsFrom(tap)
  t.same(Object.entries(durations), [['test/a.test.ts', 1200], ['test/b.test.ts', 30_000], ['test/c.test.ts', 5]], 'files only, failed ones too, by name')
  t.same(longestFirst(['test/c.test.ts', 'test/new.test.ts', 'test/a.test.ts', 'test/b.test.ts', 'test/also-new.test.ts'], durations),
    ['test/also-new.test.ts', 'test/new.test.ts', 'test/b.test.ts', 'test/a.test.ts', 'test/c.test.ts'])
  t.same(slowestFiles(durations, 2), ['   30.0 s  test/b.test.ts', '    1.2 s  test/a.test.ts'], 'the slowest files, for the end of the run')

  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-test-order-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(path.join(dir, 'durations.json'), JSON.stringify({ 'test/a.test.ts': 10 }))
  t.same(await readDurations(path.join(dir, 'durations.json')), { 'test/a.test.ts': 10 })
  t.same(await readDurations(path.join(dir, 'missing.json')), {}, 'no file: nothing known')
})
