// Validation outside a route's own schema (an export's filters, each row of an
// import) with the compiler and options Fastify validates request bodies with,
// so a row is accepted exactly when the create route would accept it as a body.
// Errors take the shape of a body validation error (400 VALIDATION_ERROR, one
// detail per offending field), formatted by the app's error handler.
import fp from 'fastify-plugin'
import { AjvCompiler } from '@fastify/ajv-compiler'
import type { TSchema } from 'typebox'
import { VALIDATION_OPTIONS } from '../../schemas/common.ts'

export interface ValidationIssue { instancePath: string, message?: string, params?: Record<string, unknown> }

/** Checks (and coerces, like a body) a value; answers the issues, empty when it is valid. */
export type Check = (value: unknown) => ValidationIssue[]

declare module 'fastify' {
  interface FastifyInstance {
    validation: {
      compile: (schema: TSchema) => Check
      /** an error the error handler answers as 400 VALIDATION_ERROR with details under `context` */
      error: (context: string, issues: ValidationIssue[]) => Error
    }
  }
}

export function describeIssue (issue: ValidationIssue): string {
  const field = issue.instancePath === '' ? '' : `${issue.instancePath.slice(1).replaceAll('/', '.')} `
  return issue.params?.additionalProperty !== undefined ? `unknown field '${String(issue.params.additionalProperty)}'` : `${field}${issue.message ?? 'is invalid'}`
}

export default fp(async function validation (fastify) {
  const build = AjvCompiler()({}, { customOptions: { ...VALIDATION_OPTIONS } })

  fastify.decorate('validation', {
    compile (schema) {
      const validate = build({ schema, method: 'POST', url: '/', httpPart: 'body' }) as ((value: unknown) => boolean) & { errors?: ValidationIssue[] | null }
      return (value) => validate(value) ? [] : [...(validate.errors ?? [])]
    },
    error (context, issues) {
      return Object.assign(new Error(`${context} ${issues.map(describeIssue).join('; ')}`), { statusCode: 400, validation: issues, validationContext: context })
    }
  })
}, { name: 'validation' })
