// Helpers for tests of background jobs: poll a job until a condition holds
// (generous deadlines: the machine is busy), read its file back, and seed many
// rows quickly (documents shaped exactly as the repositories write them).
import { ObjectId, type Db } from 'mongodb'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import type { Caller } from './session.ts'
import { PATIENCE_MS, waitFor } from './wait-for.ts'

export interface JobBody {
  id: string
  status: string
  processed: number
  total: number | null
  percent: number | null
  error: { code: string, message: string } | null
  result: Record<string, unknown> | null
  download: { url: string, expiresAt: string, fileName: string, contentType: string, size: number } | null
  retry: { attempts: number, maxAttempts: number, backoff: string, nextAttemptAt: string | null }
  cancelRequested: boolean
  [key: string]: unknown
}

export const FINISHED = ['succeeded', 'failed', 'cancelled', 'expired']

export async function waitForJob (caller: Caller, id: string, until: (job: JobBody) => boolean = (job) => FINISHED.includes(job.status), timeoutMs = PATIENCE_MS): Promise<JobBody> {
  let last: JobBody | undefined
  return await waitFor(`job ${id} in the expected state`, async () => {
    const response = await caller.get(`/v1/jobs/${id}`)
    if (response.statusCode !== 200) throw new Error(`GET /v1/jobs/${id} answered ${response.statusCode}: ${response.body}`)
    last = response.json() as JobBody
    return until(last) && last
  }, { timeoutMs, context: () => `last: ${JSON.stringify(last)}` })
}

export async function exportJob (caller: Caller, body: Record<string, unknown>): Promise<JobBody> {
  const response = await caller.post('/v1/exports', body)
  if (response.statusCode !== 202) throw new Error(`POST /v1/exports answered ${response.statusCode}: ${response.body}`)
  return response.json() as JobBody
}

/** Rows of a CSV file (header first) as strings. */
export function csvRows (body: Buffer | string): string[][] {
  return parse(body, { bom: true, relax_column_count: false }) as string[][]
}

/** Every sheet of an XLSX file as rows of cell values (header first in each sheet). */
export async function xlsxSheets (body: Buffer): Promise<Array<{ name: string, rows: unknown[][] }>> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(body as unknown as ArrayBuffer)
  return workbook.worksheets.map((sheet) => {
    const rows: unknown[][] = []
    // Read once: exceljs counts the columns by walking every row each time it is asked.
    const columns = sheet.columnCount
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const values = (row.values as unknown[]).slice(1)
      rows.push(Array.from({ length: columns }, (_, i) => values[i] ?? null))
    })
    return { name: sheet.name, rows }
  })
}

/** Raw charge documents for one lease of an agency (as the ledger projection writes them). */
export async function seedCharges (db: Db, agencyId: string, count: number): Promise<void> {
  const agency = new ObjectId(agencyId)
  const lease = new ObjectId()
  const property = new ObjectId()
  const unit = new ObjectId()
  const now = new Date()
  for (let start = 0; start < count; start += 5_000) {
    const docs = Array.from({ length: Math.min(5_000, count - start) }, (_, i) => {
      const n = start + i
      return {
        _id: new ObjectId(), agencyId: agency, leaseId: lease, propertyId: property, unitId: unit, kind: 'fee', period: null,
        description: `Fee ${n}`, dueDate: new Date(Date.UTC(2020, 0, 1) + n * 60_000), amount: 1_000 + (n % 500), paid: 0, outstanding: 1_000 + (n % 500),
        status: 'open', overdue: true, voidedAt: null, ledgerVersion: 1, createdAt: now, updatedAt: now
      }
    })
    await db.collection('charges').insertMany(docs, { ordered: false })
  }
}
