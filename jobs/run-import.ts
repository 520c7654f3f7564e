// Runs one bulk import job: rows validated with the create route's schema and
// written in batches (plugins/app/imports), tracked like an export.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { trackedTask } from '../plugins/app/job-store/tracked-task.ts'

export function runImport (app: FastifyInstance): Task {
  return trackedTask(app, (job, control) => app.importService.run(job, control))
}
