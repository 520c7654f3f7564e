import { Type } from 'typebox'

export const IMPORT_RESOURCES = ['properties', 'units', 'tenants'] as const

export const ImportQuery = Type.Object({
  resource: Type.Enum(IMPORT_RESOURCES, { description: 'what the CSV file holds; its header names the create route\'s fields (address.city for nested ones)' })
}, { additionalProperties: false })
