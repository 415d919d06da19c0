import type * as YTypes from 'yjs' with { 'resolution-mode': 'import' }

type DecodedUpdate = ReturnType<typeof YTypes.decodeUpdate>

/**
 * The first number in a decoded yjs update that is not a safe integer, described, or undefined when all are.
 *
 * lib0 checks a variable-length integer's range only before its last byte, so an update can decode with a client
 * id, clock or length above 2^53 - 1. yjs keeps such a struct (as pending when it refers to something missing)
 * and fails later, when it encodes the document again: the model would accept bytes it can no longer snapshot.
 */
export function unsafeIntegerIn (update: DecodedUpdate): string | undefined {
  for (const struct of update.structs) {
    const item = struct as Partial<YTypes.Item> & { id: YTypes.ID, length: number }
    const problem = unsafeId('id', item.id) ?? unsafeNumber('length', item.length) ??
      unsafeId('origin', item.origin) ?? unsafeId('rightOrigin', item.rightOrigin) ??
      (isId(item.parent) ? unsafeId('parent', item.parent) : undefined) ??
      unsafeNumber('content length', (item.content as { len?: unknown } | undefined)?.len)
    if (problem !== undefined) return `struct ${problem}`
  }
  for (const [client, deletes] of update.ds.clients) {
    if (!Number.isSafeInteger(client)) return `delete set client ${client}`
    for (const { clock, len } of deletes) {
      const problem = unsafeNumber('clock', clock) ?? unsafeNumber('length', len)
      if (problem !== undefined) return `delete set of client ${client}: ${problem}`
    }
  }
  return undefined
}

function isId (value: unknown): value is YTypes.ID {
  return value !== null && typeof value === 'object' && 'client' in value && 'clock' in value
}

function unsafeId (what: string, id: YTypes.ID | null | undefined): string | undefined {
  if (id === null || id === undefined) return undefined
  return unsafeNumber(`${what} client`, id.client) ?? unsafeNumber(`${what} clock`, id.clock)
}

function unsafeNumber (what: string, value: unknown): string | undefined {
  if (value === undefined || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) return undefined
  return `${what} ${String(value)} is not a safe integer`
}
