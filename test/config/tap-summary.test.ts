import { test } from 'tap'
import { countResults } from '../../scripts/tap-summary.ts'

test('the CI line counts leaf tests, and failures outside them once', async (t) => {
  const tap = [
    '# Subtest: test/a.test.ts',
    '    # Subtest: group',
    '        # Subtest: leaf one',
    '            ok 1 - an assertion',
    '        ok 1 - leaf one # time=1ms',
    '        # Subtest: leaf two',
    '            not ok 1 - a failed assertion',
    '        not ok 2 - leaf two # time=1ms',
    '    not ok 1 - group # time=3ms',
    '    # Subtest: flat',
    '        ok 1 - assertion',
    '    ok 2 - flat # time=1ms',
    '    ok 3 - later # SKIP not here',
    'not ok 1 - test/a.test.ts # time=5ms',
    '# Subtest: test/crash.test.ts',
    '    1..0',
    'not ok 2 - test/crash.test.ts # time=1ms'
  ].join('\n')
  t.same(countResults(tap), { passed: 2, failed: 2, skipped: 1 })
})
