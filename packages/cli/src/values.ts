import { isPropertyObject, Reference, type PropertyValue } from '@echodb/models'
import { CliError } from './errors'

/** One `key=value` argument, parsed. `path` is the key split on dots (ObjectModel paths). */
export interface Assignment {
  readonly key: string
  readonly path: readonly string[]
  readonly value: PropertyValue
}

/**
 * Parses a value typed on the command line: JSON where it is JSON (`3`, `true`, `null`, `"3"`, `["a"]`,
 * `{"a":1}`), else the text itself as a string (`Ada`, `hello world`, ``).
 */
export function parseValue (text: string): PropertyValue {
  // Only text that can start a JSON document is tried: most strings skip the exception path entirely.
  const first = text.trimStart().charCodeAt(0)
  const jsonLike = first === 0x22 /* " */ || first === 0x5b /* [ */ || first === 0x7b /* { */ || first === 0x2d /* - */ ||
    (first >= 0x30 && first <= 0x39) || first === 0x74 /* t */ || first === 0x66 /* f */ || first === 0x6e /* n */
  if (!jsonLike) return text
  try {
    return JSON.parse(text) as PropertyValue
  } catch {
    return text
  }
}

/**
 * Parses `key=value` (split at the first `=`). The key is a property path: dot-separated, no empty part.
 * Throws CliError MALFORMED_ASSIGNMENT naming the argument otherwise.
 */
export function parseAssignment (arg: string): Assignment {
  const eq = arg.indexOf('=')
  if (eq < 0) throw new CliError('MALFORMED_ASSIGNMENT', `${JSON.stringify(arg)} is not key=value`)
  const key = arg.slice(0, eq)
  if (key === '') throw new CliError('MALFORMED_ASSIGNMENT', `${JSON.stringify(arg)} has an empty key`)
  return { key, path: parseKey(key, arg), value: parseValue(arg.slice(eq + 1)) }
}

/** Splits a property key on dots; every part must be non-empty (`a.b` is a nested path). */
export function parseKey (key: string, arg: string = key): string[] {
  const path = key.split('.')
  if (path.some((part) => part === '')) {
    throw new CliError('MALFORMED_ASSIGNMENT', `${JSON.stringify(arg)}: key ${JSON.stringify(key)} has an empty part (use a.b for nested keys)`)
  }
  return path
}

/**
 * Builds the initial properties of a new item from assignments; dotted keys become nested objects.
 * `a=1 a.b=2` is refused (a value and an object at the same place); a repeated key keeps its last value.
 */
export function assignmentsToProps (assignments: readonly Assignment[]): Record<string, PropertyValue> {
  const root: Record<string, PropertyValue> = {}
  // The objects made here from dotted keys (a value parsed from JSON is never merged into).
  const made = new Set<object>([root])
  for (const { key, path, value } of assignments) {
    let node = root
    for (let i = 0; i < path.length - 1; i++) {
      const existing = Object.hasOwn(node, path[i]) ? node[path[i]] : undefined
      if (existing === undefined) {
        const child: Record<string, PropertyValue> = {}
        made.add(child)
        define(node, path[i], child)
        node = child
      } else if (typeof existing === 'object' && existing !== null && made.has(existing)) {
        node = existing as Record<string, PropertyValue>
      } else {
        throw new CliError('MALFORMED_ASSIGNMENT', `${key} is set below ${path.slice(0, i + 1).join('.')}, which is also given a value`)
      }
    }
    const last = path[path.length - 1]
    const existing = Object.hasOwn(node, last) ? node[last] : undefined
    if (typeof existing === 'object' && existing !== null && made.has(existing)) {
      throw new CliError('MALFORMED_ASSIGNMENT', `${key} is given a value and also has keys set below it`)
    }
    define(node, last, value)
  }
  return root
}

// Plain assignment would treat "__proto__" specially; a key is data.
function define (object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * A property value as JSON: bytes become `{ "$bytes": "<base64>" }` and references
 * `{ "$ref": "<item id>", "party": "<party key hex>" }` (party only when the item is in another party).
 */
export function toJson (value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  if (value instanceof Reference) {
    return value.partyKey === undefined ? { $ref: value.itemId } : { $ref: value.itemId, party: Buffer.from(value.partyKey).toString('hex') }
  }
  if (Array.isArray(value)) return value.map(toJson)
  if (isPropertyObject(value) || Object.getPrototypeOf(value) === null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) define(out, key, toJson((value as Record<string, unknown>)[key]))
    return out
  }
  return String(value)
}
