import { Reference } from '@echodb/models'
import type { Database } from '../database'
import type { Party } from '../party'

/**
 * A party's state as one canonical string, for comparing peers, and a peer before and after hostile input:
 * members (roles, names, feeds), admitted feeds with their cut-offs, and every item (type, model, parent, links,
 * soft delete, and the model's state). Object keys are sorted, bytes are hex, so two peers that converged give the
 * same string whatever order they processed concurrent messages in. The timeframe is left out on purpose: it
 * advances when a rejected block is consumed.
 */
export function partyDigest (party: Party): string {
  const state = party.partyState
  const members = state.listMembers({ includeRemoved: true }).map((m) => ({
    key: m.identityKey.toString('hex'),
    role: m.role,
    name: m.displayName,
    removed: m.removed,
    feeds: m.feeds.map((f) => f.toString('hex'))
  }))
  const feeds = state.listFeeds().map((f) => ({ feed: f.feedKey.toString('hex'), owner: f.identityKey.toString('hex'), cutoff: f.cutoff }))
  return canonicalJson({ genesis: state.genesis?.feedKey.toString('hex') ?? null, members, feeds, items: databaseState(party.database) })
}

/** A Database's items (sorted by id) with everything apps can read of them, as a canonical string. */
export function databaseDigest (database: Database): string {
  return canonicalJson(databaseState(database))
}

function databaseState (database: Database): unknown {
  return [...database.items].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0).map((item) => ({
    id: item.id,
    type: item.type,
    model: item.modelType,
    version: item.genesis.modelVersion,
    system: item.genesis.system,
    parent: item.parentId ?? null,
    link: item.link === undefined ? null : [item.link.sourceId, item.link.targetId],
    deleted: item.deleted,
    state: item.dormant === undefined ? item.model.state : { dormant: item.dormant.reason }
  }))
}

/** JSON with sorted object keys; bytes as `{ $hex }`, references as `{ $ref }`, bigints as strings. */
export function canonicalJson (value: unknown): string {
  return JSON.stringify(canonical(value))
}

function canonical (value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object') return value
  if (value instanceof Uint8Array) return { $hex: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') }
  if (value instanceof Reference) {
    return { $ref: value.itemId, party: value.partyKey === undefined ? null : Buffer.from(value.partyKey).toString('hex') }
  }
  if (Array.isArray(value)) return value.map(canonical)
  if (value instanceof Map) return canonical(Object.fromEntries(value))
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key])
  return out
}
