import type { ECHO, Item, Party } from '@echodb/echo-db'
import { CliError } from './errors'

const HEX = /^[0-9a-f]+$/
const LISTED = 5

/** Picks the one candidate whose hex id starts with `ref` (case-insensitive), like git does with commit ids. */
export function matchPrefix<T> (kind: string, ref: string, candidates: Iterable<{ id: string, value: T }>, where: string): T {
  const prefix = ref.toLowerCase()
  if (!HEX.test(prefix)) throw new CliError('INVALID_ID', `${JSON.stringify(ref)} is not a ${kind} id (hex, or a prefix of one)`)
  const found: Array<{ id: string, value: T }> = []
  for (const candidate of candidates) {
    if (candidate.id.startsWith(prefix)) found.push(candidate)
  }
  if (found.length === 1) return found[0].value
  if (found.length === 0) throw new CliError(`UNKNOWN_${kind.toUpperCase()}`, `no ${kind} ${ref} ${where}`)
  const listed = found.slice(0, LISTED).map((candidate) => candidate.id.slice(0, prefix.length + 4)).join(', ')
  const more = found.length > LISTED ? ` and ${found.length - LISTED} more` : ''
  throw new CliError('AMBIGUOUS_ID', `${kind} id ${ref} is ambiguous: it starts ${listed}${more}; give more characters`)
}

/** The party named by `ref` (an id prefix), open or closed as it is. */
export function findParty (echo: ECHO, ref: string): Party {
  return (ref.length === 64 ? echo.getParty(ref) : undefined) ?? matchPrefix('party', ref, echo.parties.value.map((p) => ({ id: p.id, value: p })), 'in this profile ("echodb party list" shows them)')
}

/** The party named by `ref` (an id prefix), opened if it was closed. */
export async function resolveParty (echo: ECHO, ref: string): Promise<Party> {
  const party = findParty(echo, ref)
  if (!party.isOpen) await party.open()
  return party
}

/** The item of `party` named by `ref` (an id prefix). Deleted items are found too; the system item is not. */
export function resolveItem (party: Party, ref: string): Item {
  if (ref.length === 32) {
    const item = party.database.getItem(ref.toLowerCase())
    if (item !== undefined && !item.genesis.system) return item
  }
  const items = function * (): Generator<{ id: string, value: Item }> {
    for (const item of party.database.items) if (!item.genesis.system) yield { id: item.id, value: item }
  }
  return matchPrefix('item', ref, items(), `in party ${party.id.slice(0, 8)}`)
}
