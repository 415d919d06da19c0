import { echo } from '@echodb/proto'
import { ModelError, type ModelErrorCode } from './errors'

const Kind = echo.models.ValueKind

/**
 * A link to an item, stored as a property value: in the same party when `partyKey` is undefined, else in the
 * party with that key. echo-db resolves it to the item when the target is present.
 */
export class Reference {
  readonly itemId: string
  readonly partyKey: Uint8Array | undefined

  constructor (itemId: string, partyKey?: Uint8Array) {
    if (typeof itemId !== 'string' || itemId.length === 0 || itemId.length > MAX_ID_LENGTH) {
      throw new ModelError('INVALID_ARGUMENT', `reference item id must be a non-empty string of at most ${MAX_ID_LENGTH} characters, got ${JSON.stringify(itemId)}`)
    }
    if (partyKey !== undefined && (!(partyKey instanceof Uint8Array) || partyKey.length !== 32)) {
      throw new ModelError('INVALID_ARGUMENT', 'reference party key must be 32 bytes')
    }
    this.itemId = itemId
    this.partyKey = partyKey === undefined ? undefined : Uint8Array.prototype.slice.call(partyKey)
    Object.freeze(this)
  }
}

/**
 * What ObjectModel properties hold: JSON values plus bytes and item references. Objects and arrays read from a
 * model are frozen; bytes are shared, do not modify them.
 */
export type PropertyValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | Reference
  | readonly PropertyValue[]
  | { readonly [key: string]: PropertyValue }

export type PropertyObject = { readonly [key: string]: PropertyValue }

const MAX_ID_LENGTH = 256
/** Nesting limit of a value; deeper values are refused (bounds recursion on hostile input). */
export const MAX_VALUE_DEPTH = 32

export const EMPTY_OBJECT: PropertyObject = Object.freeze({})

/** True for a plain object value (not null, an array, bytes or a reference). */
export function isPropertyObject (value: unknown): value is PropertyObject {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Own property read that never reaches the prototype (keys like "toString" or "__proto__" are data). */
export function ownProperty (object: PropertyObject, key: string): PropertyValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined
}

/** Assignment that treats "__proto__" as an ordinary key. */
export function defineKey (object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    object[key] = value
  }
}

/**
 * Converts an app's value to its wire form, checking it: undefined, NaN, Infinity, functions, symbols, bigints,
 * class instances other than Uint8Array/Reference, and nesting deeper than MAX_VALUE_DEPTH are refused with
 * ModelError INVALID_ARGUMENT. `undefined` object members are skipped, as JSON does.
 */
export function encodeValue (value: unknown, depth = 0): echo.models.IValue {
  switch (typeof value) {
    case 'string': return { kind: Kind.VALUE_STRING, string: value }
    case 'number':
      if (!Number.isFinite(value)) throw invalidArgument(`numbers must be finite, got ${String(value)}`)
      return { kind: Kind.VALUE_NUMBER, number: value }
    case 'boolean': return { kind: Kind.VALUE_BOOL, bool: value }
    case 'object': {
      if (value === null) return { kind: Kind.VALUE_NULL }
      if (depth >= MAX_VALUE_DEPTH) throw invalidArgument(`values nest at most ${MAX_VALUE_DEPTH} levels (cyclic?)`)
      if (value instanceof Uint8Array) return { kind: Kind.VALUE_BYTES, bytes: value }
      if (value instanceof Reference) {
        return { kind: Kind.VALUE_REFERENCE, reference: { itemId: value.itemId, partyKey: value.partyKey ?? EMPTY_BYTES } }
      }
      if (Array.isArray(value)) {
        const items = new Array<echo.models.IValue>(value.length)
        for (let i = 0; i < value.length; i++) items[i] = encodeValue(value[i], depth + 1)
        return { kind: Kind.VALUE_LIST, items }
      }
      if (!isPropertyObject(value)) {
        throw invalidArgument(`only plain objects, arrays, Uint8Array and Reference can be stored, got ${Object.prototype.toString.call(value)}`)
      }
      const entries: echo.models.IValueEntry[] = []
      for (const key of Object.keys(value)) {
        const member = (value as Record<string, unknown>)[key]
        if (member === undefined) continue
        entries.push({ key, value: encodeValue(member, depth + 1) })
      }
      return { kind: Kind.VALUE_OBJECT, entries }
    }
    default:
      throw invalidArgument(`cannot store a value of type ${typeof value}`)
  }
}

const EMPTY_BYTES = new Uint8Array(0)

function invalidArgument (message: string): ModelError {
  return new ModelError('INVALID_ARGUMENT', message)
}

/**
 * Converts a decoded wire value to the value models hold: arrays and objects frozen, bytes copied (a decoded
 * `bytes` field is a view into the whole block). Throws ModelError with `code` for a value with no kind, a
 * non-finite number, duplicate object keys or nesting deeper than MAX_VALUE_DEPTH.
 */
export function decodeValue (value: echo.models.IValue | null | undefined, code: ModelErrorCode, depth = 0): PropertyValue {
  if (value === null || value === undefined) throw new ModelError(code, 'value missing')
  switch (value.kind) {
    case Kind.VALUE_NULL: return null
    case Kind.VALUE_BOOL: return value.bool === true
    case Kind.VALUE_NUMBER: {
      const n = value.number ?? 0
      if (!Number.isFinite(n)) throw new ModelError(code, `non-finite number ${String(n)}`)
      return n
    }
    case Kind.VALUE_STRING: return value.string ?? ''
    case Kind.VALUE_BYTES: return Uint8Array.prototype.slice.call(value.bytes ?? EMPTY_BYTES)
    case Kind.VALUE_LIST: {
      if (depth >= MAX_VALUE_DEPTH) throw new ModelError(code, `value nests deeper than ${MAX_VALUE_DEPTH} levels`)
      const items = value.items ?? []
      const out = new Array<PropertyValue>(items.length)
      for (let i = 0; i < items.length; i++) out[i] = decodeValue(items[i], code, depth + 1)
      return Object.freeze(out)
    }
    case Kind.VALUE_OBJECT: {
      if (depth >= MAX_VALUE_DEPTH) throw new ModelError(code, `value nests deeper than ${MAX_VALUE_DEPTH} levels`)
      const out: Record<string, PropertyValue> = {}
      for (const entry of value.entries ?? []) {
        const key = entry.key ?? ''
        if (Object.hasOwn(out, key)) throw new ModelError(code, `object value repeats key ${JSON.stringify(key)}`)
        defineKey(out, key, decodeValue(entry.value, code, depth + 1))
      }
      return Object.freeze(out)
    }
    case Kind.VALUE_REFERENCE: {
      const ref = value.reference
      const itemId = ref?.itemId ?? ''
      const partyKey = ref?.partyKey
      if (itemId.length === 0 || itemId.length > MAX_ID_LENGTH) throw new ModelError(code, 'reference without a valid item id')
      if (partyKey !== null && partyKey !== undefined && partyKey.length !== 0 && partyKey.length !== 32) {
        throw new ModelError(code, `reference party key of ${partyKey.length} bytes (expected 32)`)
      }
      return new Reference(itemId, partyKey !== null && partyKey !== undefined && partyKey.length === 32 ? partyKey : undefined)
    }
    default:
      throw new ModelError(code, `value of unknown kind ${String(value.kind)}`)
  }
}

/** Deep equality of two property values (bytes by content, references by target). */
export function valuesEqual (a: PropertyValue | undefined, b: PropertyValue | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i])
  }
  if (a instanceof Reference || b instanceof Reference) {
    return a instanceof Reference && b instanceof Reference && a.itemId === b.itemId &&
      valuesEqual(a.partyKey ?? null, b.partyKey ?? null)
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false
    return true
  }
  const objA = a as PropertyObject
  const objB = b as PropertyObject
  const keys = Object.keys(objA)
  if (keys.length !== Object.keys(objB).length) return false
  for (const key of keys) {
    if (!Object.hasOwn(objB, key) || !valuesEqual(objA[key], objB[key])) return false
  }
  return true
}
