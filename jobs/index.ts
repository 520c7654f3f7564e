// The tasks the worker runs (name = file name, kebab-case) and the crontab.
// Crontab lines carry an explicit id= so renaming a task never re-runs history.
import type { TaskList } from 'graphile-worker'

export const taskList: TaskList = {}

export const crontab = ''
