// Runs one export job (a row of our jobs table): the rows stream from one
// cursor into a GridFS file (plugins/app/exports); the tracked task reports
// progress, honours cancellation and shutdown, and finishes the row.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { trackedTask } from '../plugins/app/job-store/tracked-task.ts'

export function runExport (app: FastifyInstance): Task {
  return trackedTask(app, (job, control) => app.exportService.run(job, control))
}
