// Writes a report three ways (JSON contract, Markdown table, HTML chart) as latest.* in the
// results folder, a dated copy beside them, and optionally the committed reference copy.
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { renderChart } from './chart.ts'
import type { BenchReport } from './contract.ts'
import { renderMarkdown, type ReportContext } from './markdown.ts'

export const REFERENCE_DIR = path.join(import.meta.dirname, '..', 'results', 'reference')

export function describeMachine (): string {
  const cpus = os.cpus()
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`
}

export interface WrittenReport { json: string, markdown: string, chart: string, datedDir: string }

export async function writeReport (report: BenchReport, context: ReportContext, outDir: string, reference: boolean): Promise<WrittenReport> {
  const markdown = renderMarkdown(report, context)
  const files = {
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'report.md': markdown,
    'report.html': renderChart(report, markdown, context.localMongo)
  }
  const datedDir = path.join(outDir, report.createdAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z'))
  await mkdir(datedDir, { recursive: true })
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(datedDir, name), text)
  const latest = { json: path.join(outDir, 'latest.json'), markdown: path.join(outDir, 'latest.md'), chart: path.join(outDir, 'latest.html') }
  await copyFile(path.join(datedDir, 'report.json'), latest.json)
  await copyFile(path.join(datedDir, 'report.md'), latest.markdown)
  await copyFile(path.join(datedDir, 'report.html'), latest.chart)
  if (reference) {
    await mkdir(REFERENCE_DIR, { recursive: true })
    for (const name of Object.keys(files)) await copyFile(path.join(datedDir, name), path.join(REFERENCE_DIR, name))
  }
  return { ...latest, datedDir }
}
