// The alerting configuration, checked by the tools that run it: promtool checks
// deploy/prometheus/alerts.yml and runs its unit tests (every alert fires on
// synthetic series and stays quiet on healthy ones), amtool checks the
// Alertmanager example and its routing by severity. Every alert carries a for:,
// a severity, a summary and a runbook entry that exists in the README.
import { test } from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'

const root = path.resolve(import.meta.dirname, '..', '..')
const prometheusDir = path.join(root, 'deploy', 'prometheus')
const alertmanagerConfig = path.join(root, 'deploy', 'alertmanager', 'alertmanager.yml')
const run = promisify(execFile)

interface Rule { alert: string, expr: string, for?: string, labels?: Record<string, string>, annotations?: Record<string, string> }

test('promtool checks the rules and their unit tests pass', async (t) => {
  const checked = await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: prometheusDir })
  t.match(checked.stdout, /SUCCESS: 16 rules found/)
  const tested = await run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: prometheusDir })
  t.match(tested.stdout, /SUCCESS/)
})

test('every alert has a for:, a severity, a summary and a runbook in the README; the unit tests cover each one both ways', async (t) => {
  const rules = (parse(await readFile(path.join(prometheusDir, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules)
  const readme = await readFile(path.join(root, 'README.md'), 'utf8')
  const unitTests = parse(await readFile(path.join(prometheusDir, 'alerts.test.yml'), 'utf8')) as { tests: Array<{ name: string, alert_rule_test: Array<{ alertname: string, exp_alerts: unknown[] }> }> }
  const seed = ['HavenSlowResponses', 'HavenHighMemory', 'HavenLowCacheHitRate', 'HavenSlowQueries', 'HavenHighErrorRate']
  const operations = ['HavenJobsFailing', 'HavenJobsStuck', 'HavenJobsQueuedTooLong', 'HavenJobAttemptsFailing', 'HavenExportsSlow', 'HavenShedding', 'HavenCacheBreakerOpen', 'HavenMongoPoolWaits', 'HavenRedisDown']
  for (const name of [...seed, ...operations]) t.ok(rules.some((rule) => rule.alert === name), `${name} is defined`)
  for (const rule of rules) {
    t.match(rule.for, /^\d+[smh]$/, `${rule.alert}: for:`)
    t.match(rule.labels?.severity, /^(critical|warning)$/, `${rule.alert}: severity`)
    t.ok((rule.annotations?.summary ?? '').length > 10, `${rule.alert}: summary`)
    const anchor = `runbook-${rule.alert.toLowerCase()}`
    t.equal(rule.annotations?.runbook_url, `README.md#${anchor}`, `${rule.alert}: runbook link`)
    t.ok(readme.includes(`<a id="${anchor}"></a>`), `${rule.alert}: its runbook entry is in the README`)
    const [problems, healthy] = unitTests.tests
    t.ok(problems!.alert_rule_test.some((check) => check.alertname === rule.alert && check.exp_alerts.length > 0), `${rule.alert}: a unit test where it fires`)
    t.ok(healthy!.alert_rule_test.some((check) => check.alertname === rule.alert && check.exp_alerts.length === 0), `${rule.alert}: a unit test where it stays quiet`)
  }
})

test('amtool checks the Alertmanager example, which routes by severity', async (t) => {
  const checked = await run('amtool', ['check-config', alertmanagerConfig])
  t.match(checked.stdout, /SUCCESS/)
  const routes = async (labels: string[], receivers: string) =>
    await run('amtool', ['config', 'routes', 'test', `--config.file=${alertmanagerConfig}`, `--verify.receivers=${receivers}`, ...labels])
  await t.resolves(routes(['severity=critical', 'alertname=HavenHighErrorRate'], 'on-call,team-channel'), 'critical: paged and posted')
  await t.resolves(routes(['severity=warning', 'alertname=HavenRedisDown'], 'team-channel'), 'warning: posted')
  await t.rejects(routes(['severity=warning'], 'on-call'), 'a warning never pages')
})
