// Plain JSON of model state, for comparing replicas (key order included).
import { Reference, type PropertyValue } from '../value'
import { toHex } from './meta'

export function canonicalValue (value: PropertyValue | undefined): unknown {
  if (value === undefined || value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) return { $bytes: toHex(value) }
  if (value instanceof Reference) return { $ref: value.itemId, party: value.partyKey === undefined ? null : toHex(value.partyKey) }
  if (Array.isArray(value)) return value.map(canonicalValue)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, { value: canonicalValue((value as Record<string, PropertyValue>)[key]), enumerable: true })
  }
  return out
}
