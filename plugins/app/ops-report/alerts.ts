// The alerts part of the report, from the Prometheus that evaluates
// deploy/prometheus/alerts.yml: those pending or firing now (its alerts API, with
// their summaries) and those that fired at some point in the window (the ALERTS
// series). Without PROMETHEUS_URL, or when Prometheus does not answer in time, the
// report says so instead of failing.
const TIMEOUT_MS = 2_000

export interface Alerts {
  available: boolean
  reason?: string
  active: Array<{ name: string, state: string, severity: string, summary: string, activeAt: string | null }>
  firedInWindow: Array<{ name: string, severity: string }>
}

interface ApiAlert { labels: Record<string, string>, annotations: Record<string, string>, state: string, activeAt?: string }
interface VectorSample { metric: Record<string, string> }

async function api<T> (base: string, path: string): Promise<T> {
  const response = await fetch(new URL(path, base), { signal: AbortSignal.timeout(TIMEOUT_MS) })
  if (!response.ok) throw new Error(`${path.split('?')[0]} answered ${response.status}`)
  const body = await response.json() as { status: string, data: T, error?: string }
  if (body.status !== 'success') throw new Error(body.error ?? 'query failed')
  return body.data
}

export async function alertsFrom (prometheusUrl: string, window: string): Promise<Alerts> {
  if (prometheusUrl === '') return { available: false, reason: 'PROMETHEUS_URL is not set', active: [], firedInWindow: [] }
  try {
    const query = encodeURIComponent(`max by (alertname, severity) (max_over_time(ALERTS{alertstate="firing"}[${window}]))`)
    const [current, fired] = await Promise.all([
      api<{ alerts: ApiAlert[] }>(prometheusUrl, '/api/v1/alerts'),
      api<{ result: VectorSample[] }>(prometheusUrl, `/api/v1/query?query=${query}`)
    ])
    return {
      available: true,
      active: current.alerts.map((alert) => ({
        name: alert.labels.alertname ?? '',
        state: alert.state,
        severity: alert.labels.severity ?? '',
        summary: alert.annotations.summary ?? '',
        activeAt: alert.activeAt ?? null
      })).sort((a, b) => a.name.localeCompare(b.name)),
      firedInWindow: fired.result.map((sample) => ({ name: sample.metric.alertname ?? '', severity: sample.metric.severity ?? '' }))
        .sort((a, b) => a.name.localeCompare(b.name))
    }
  } catch (err) {
    return { available: false, reason: `Prometheus did not answer: ${(err as Error).message}`, active: [], firedInWindow: [] }
  }
}
