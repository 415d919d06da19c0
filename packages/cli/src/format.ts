import type { Item, Party } from '@echodb/echo-db'
import { ObjectModel } from '@echodb/models'
import { toJson } from './values'

/** Ids shown to people are shortened like git's; any unique prefix names the party or item again. */
export const SHORT_ID = 8

export function shortId (id: string): string {
  return id.slice(0, SHORT_ID)
}

/** An item as the CLI prints it in JSON. ObjectModel items have `properties`, other models `state`. */
export interface ItemRecord {
  id: string
  type: string
  model: string
  parent?: string
  deleted?: true
  properties?: unknown
  state?: unknown
  dormant?: string
}

export function itemRecord (item: Item): ItemRecord {
  const record: ItemRecord = { id: item.id, type: item.type, model: item.modelType }
  if (item.parentId !== undefined) record.parent = item.parentId
  if (item.deleted) record.deleted = true
  const dormant = item.dormant
  if (dormant !== undefined) {
    record.dormant = dormant.message
  } else if (item.model instanceof ObjectModel) {
    record.properties = toJson(item.model.toObject())
  } else {
    record.state = toJson((item.model as { state?: unknown }).state)
  }
  return record
}

/** What a one-line listing shows of an item's content. */
export function itemContent (item: Item, width = 80): string {
  const record = itemRecord(item)
  const text = record.dormant !== undefined
    ? `(dormant: ${record.dormant})`
    : JSON.stringify(record.properties ?? record.state ?? null)
  return truncate(text, width)
}

export function truncate (text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…'
}

/** The party's title (its `title` property) when it has a readable one. */
export function partyTitle (party: Party): string | undefined {
  try {
    const title = party.properties.get('title')
    return typeof title === 'string' ? title : undefined
  } catch {
    return undefined
  }
}

export function partyLabel (party: Party): string {
  const title = partyTitle(party)
  return title === undefined ? shortId(party.id) : `${shortId(party.id)} ${JSON.stringify(title)}`
}

export function hex (key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

export function plural (count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}
