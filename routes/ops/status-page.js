// The operators' status page (served at /ops/ behind the operator's token): live
// figures from the last 5 minutes and 24-hour trends, both read from
// /ops/performance, drawn with uPlot (served from node_modules, no CDN).
/* global uPlot */
'use strict'

const LIVE_EVERY_MS = 10_000
const TRENDS_EVERY_MS = 60_000
const charts = new Map()

const $ = (id) => document.getElementById(id)
const percent = (share) => share === null || share === undefined ? '–' : `${(share * 100).toFixed(share < 0.1 ? 2 : 1)} %`
const millis = (value) => value === null || value === undefined ? '–' : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`
const megabytes = (bytes) => `${Math.round(bytes / 1048576)} MB`
const number = (value, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits })

async function report (window) {
  const response = await fetch(`/ops/performance?window=${window}`, { headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`/ops/performance answered ${response.status}`)
  return await response.json()
}

function fillTable (id, rows) {
  const body = $(id).tBodies[0]
  body.replaceChildren(...rows.map(({ cells, className }) => {
    const tr = document.createElement('tr')
    if (className) tr.className = className
    for (const cell of cells) {
      const td = document.createElement('td')
      if (typeof cell === 'object' && cell !== null) {
        td.textContent = cell.text
        td.className = cell.className
      } else {
        td.textContent = String(cell)
      }
      tr.append(td)
    }
    return tr
  }))
}

function setFigure (id, text, bad = false) {
  const element = $(id)
  element.textContent = text
  element.parentElement.classList.toggle('bad', bad)
}

function showLive (live) {
  const { totals } = live
  setFigure('fig-rps', number(totals.perSecond, 1))
  setFigure('fig-p95', millis(totals.p95Ms), (totals.p95Ms ?? 0) > 3000)
  setFigure('fig-p99', millis(totals.p99Ms))
  setFigure('fig-errors', percent(totals.errorRate), (totals.errorRate ?? 0) > 0.05)
  const lookups = live.caches.reduce((sum, cache) => sum + cache.lookups, 0)
  const hits = live.caches.reduce((sum, cache) => sum + cache.hit + cache.stale, 0)
  setFigure('fig-hit', lookups === 0 ? '–' : percent(hits / lookups), lookups > 0 && hits / lookups < 0.7)
  setFigure('fig-instances', String(live.instances.length))
  const firing = live.alerts.active.filter((alert) => alert.state === 'firing').length
  setFigure('fig-alerts', live.alerts.available ? `${firing} firing` : 'n/a', firing > 0)

  $('alerts-note').textContent = live.alerts.available ? '' : `Alerts unavailable: ${live.alerts.reason}`
  fillTable('alerts', live.alerts.active.map((alert) => ({
    className: alert.state,
    cells: [alert.name, alert.state, alert.severity, alert.activeAt === null ? '' : new Date(alert.activeAt).toLocaleString(), alert.summary]
  })))
  fillTable('instances', live.instances.map((instance) => ({
    cells: [
      instance.instance, instance.role, megabytes(instance.memory.rssBytes), percent(instance.memory.usedShare), `${number(instance.cpu.cores, 2)} cores`,
      millis(instance.cpu.eventLoopDelayP99Ms), instance.breaker.state,
      `${instance.pools.mongodb.checkedOut}/${instance.pools.mongodb.open} in use, ${instance.pools.mongodb.waits} waits`,
      `${instance.pools.postgres.total - instance.pools.postgres.idle}/${instance.pools.postgres.total} in use`,
      instance.pools.redis.status, number(instance.shed)
    ]
  })))
  fillTable('routes', live.routes.slice(0, 10).map((route) => ({
    cells: [`${route.method} ${route.route}`, number(route.perSecond, 2), millis(route.p50Ms), millis(route.p95Ms), millis(route.p99Ms), percent(route.errorRate)]
  })))
  fillTable('queries', live.slowestQueries.slice(0, 8).map((query) => ({
    cells: [query.collection, query.command, { text: query.shape, className: 'shape' }, number(query.count), millis(query.p95Ms)]
  })))
  $('updated').textContent = `updated ${new Date(live.generatedAt).toLocaleTimeString()}`
}

function chart (id, times, values, color) {
  const element = $(id)
  const data = [times, values]
  const existing = charts.get(id)
  if (existing !== undefined) {
    existing.setData(data)
    return
  }
  const plot = new uPlot({
    width: Math.max(320, element.clientWidth),
    height: 200,
    legend: { show: false },
    scales: { x: { time: true } },
    series: [{}, { stroke: color, fill: `${color}22`, width: 2, spanGaps: false }],
    axes: [{}, { size: 56 }]
  }, data, element)
  charts.set(id, plot)
}

function showTrends (day) {
  const points = day.trend.points
  const times = points.map((point) => Date.parse(point.at) / 1000)
  const perMinute = day.trend.stepSeconds / 60
  chart('chart-requests', times, points.map((point) => point.requests / perMinute), '#2563eb')
  chart('chart-p95', times, points.map((point) => point.p95Ms), '#7c3aed')
  chart('chart-errors', times, points.map((point) => point.errorRate === null ? null : point.errorRate * 100), '#dc2626')
  chart('chart-hit', times, points.map((point) => point.cacheHitRate === null ? null : point.cacheHitRate * 100), '#059669')
  chart('chart-rss', times, points.map((point) => point.rssMaxBytes === null ? null : point.rssMaxBytes / 1048576), '#d97706')
  chart('chart-cpu', times, points.map((point) => point.cpuCores), '#0891b2')
  fillTable('agencies', day.topAgencies.map((agency) => ({ cells: [agency.agencyId, number(agency.requests), millis(agency.requestMs)] })))
  fillTable('jobs', day.jobs.map((job) => ({ cells: [job.task, number(job.succeeded), number(job.failed), number(job.permanentFailures), millis(job.p95Ms)] })))
  $('alerts-fired').textContent = day.alerts.firedInWindow.length === 0
    ? 'No alert fired in the last 24 hours.'
    : `Fired in the last 24 hours: ${day.alerts.firedInWindow.map((alert) => `${alert.name} (${alert.severity})`).join(', ')}`
}

async function refresh (window, show) {
  try {
    show(await report(window))
    document.body.dataset[window === '5m' ? 'live' : 'trends'] = 'ready'
  } catch (err) {
    $('updated').textContent = `could not update: ${err.message}`
  }
}

async function start () {
  await Promise.all([refresh('5m', showLive), refresh('24h', showTrends)])
  setInterval(() => { void refresh('5m', showLive) }, LIVE_EVERY_MS)
  setInterval(() => { void refresh('24h', showTrends) }, TRENDS_EVERY_MS)
}

void start()
