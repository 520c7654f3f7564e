// The chart beside the report (latest.html): one self-contained HTML file with inline SVG bar
// charts of throughput and p99 latency per scenario, one bar per configuration. No scripts,
// no external assets: it opens anywhere and can be attached to an issue.
import type { BenchReport, BenchRun } from './contract.ts'
import { isScanDominated } from './markdown.ts'

const COLOURS: Record<BenchRun['config'], string> = { baseline: '#8a8f98', optimised: '#1f77b4', unoptimised: '#ff7f0e', 'metrics-only': '#2ca02c', 'observability-off': '#9467bd' }
const CONFIG_ORDER = Object.keys(COLOURS)
const BAR = 18
const GAP = 6
const LABEL_WIDTH = 260
const PLOT_WIDTH = 520

function escape (text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
}

function barChart (title: string, runs: BenchRun[], value: (run: BenchRun) => number, unit: string, localMongo: boolean): string {
  const max = Math.max(1, ...runs.map(value))
  const height = runs.length * (BAR + GAP) + 30
  const bars = runs.map((run, i) => {
    const y = 20 + i * (BAR + GAP)
    const width = Math.max(1, (value(run) / max) * PLOT_WIDTH)
    const mark = localMongo && isScanDominated(run) ? ' †' : ''
    return `<text x="${LABEL_WIDTH - 8}" y="${y + BAR * 0.72}" text-anchor="end">${escape(`${run.scenario}${mark} · ${run.config}`)}</text>` +
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${COLOURS[run.config]}"/>` +
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + BAR * 0.72}">${escape(`${value(run).toLocaleString('en-US', { maximumFractionDigits: 1 })} ${unit}`)}</text>`
  }).join('\n')
  return `<h2>${escape(title)}</h2>\n<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH + PLOT_WIDTH + 140}" height="${height}" font-family="sans-serif" font-size="12">\n${bars}\n</svg>`
}

/** Runs grouped by scenario (in the order they ran), configurations side by side. */
function byScenario (runs: BenchRun[]): BenchRun[] {
  const scenarios = [...new Set(runs.map((run) => run.scenario))]
  const order = (run: BenchRun) => scenarios.indexOf(run.scenario) * CONFIG_ORDER.length + CONFIG_ORDER.indexOf(run.config)
  return [...runs].sort((a, b) => order(a) - order(b))
}

export function renderChart (report: BenchReport, markdown: string, localMongo: boolean): string {
  const runs = byScenario(report.runs)
  const legend = Object.entries(COLOURS).map(([config, colour]) => `<span style="display:inline-block;width:12px;height:12px;background:${colour}"></span> ${config}`).join(' &nbsp; ')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Haven benchmark ${escape(report.createdAt)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1000px}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em;font-size:12px}</style>
</head><body>
<h1>Haven benchmark · scale ${escape(report.scale)}</h1>
<p>${escape(`${report.createdAt} · commit ${report.commit.slice(0, 12)} · Node.js ${report.node} · ${report.mongodb.server} ${report.mongodb.version}`)}</p>
<p>${legend}</p>
${barChart('Throughput (requests per second, higher is better)', runs, (run) => Math.round(run.rps), 'req/s', localMongo)}
${barChart('p99 latency (milliseconds, lower is better)', runs, (run) => run.latencyMs.p99, 'ms', localMongo)}
<h2>Table</h2>
<pre>${escape(markdown)}</pre>
</body></html>
`
}
