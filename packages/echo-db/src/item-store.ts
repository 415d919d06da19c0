import debug from 'debug'
import type { Level } from 'level'
import { echo } from '@echodb/proto'
import { Timeframe } from '@echodb/feed-store'
import type { OrderStamp } from '@echodb/models'
import type { Item } from './item'
import type { RestoredItem } from './database'
import { DatabaseError } from './errors'

const log = debug('echo:echo-db:item-store')

/** Format 2: `OrderStampRecord.seq` is a double (it was a uint32) and the head records item ranges. */
export const SNAPSHOT_FORMAT = 2

/**
 * Which blocks of a feed had their item messages applied to the items (`appliedEnd`: 1 + the last one, 0 for
 * none) and the first block whose item messages were skipped as not valid (`skippedStart`, Infinity for none).
 */
export interface ItemRange {
  appliedEnd: number
  skippedStart: number
}

/** A party snapshot as loaded: the head and every item record. */
export interface LoadedSnapshot {
  timeframe: Timeframe
  partyState: Uint8Array
  processedMessages: number
  items: RestoredItem[]
  /** Feed id -> item range. */
  itemRanges: Map<string, ItemRange>
}

/** What a snapshot head holds besides the item records. */
export interface SnapshotHead {
  timeframe: Timeframe
  partyState: Uint8Array
  itemCount: number
  processedMessages: number
  itemRanges?: ReadonlyMap<string, ItemRange>
}

function stampToRecord (stamp: OrderStamp | undefined): echo.IOrderStampRecord | undefined {
  if (stamp === undefined) return undefined
  // Seqs are integers below 2^53 (PROTOCOL.md §1): a double holds every one of them exactly.
  if (!Number.isSafeInteger(stamp.seq) || stamp.seq < 0) throw new DatabaseError('INVALID_ORDER_STAMP', `order stamp seq ${stamp.seq} is not an integer in 0 .. 2^53-1`)
  return { seq: stamp.seq, feedKey: Buffer.from(stamp.feed, 'hex'), block: stamp.block, index: stamp.index }
}

function stampFromRecord (record: echo.IOrderStampRecord | null | undefined): OrderStamp | undefined {
  if (record === null || record === undefined) return undefined
  const seq = record.seq ?? 0
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`order stamp seq ${seq} is not an integer in 0 .. 2^53-1`)
  return { seq, feed: Buffer.from(record.feedKey ?? []).toString('hex'), block: record.block ?? 0, index: record.index ?? 0 }
}

/** Encodes an item as one ItemSnapshot record. */
export function encodeItem (item: Item): Uint8Array {
  const g = item.genesis
  const model = item.encodedModel
  const snapshot = model.snapshotEncoded()
  return echo.ItemSnapshot.encode({
    itemId: g.id,
    modelType: g.modelType,
    modelVersion: g.modelVersion,
    itemType: g.type,
    parentId: item.recordedParentId,
    parentStamp: stampToRecord(item.parentStamp),
    deleted: item.deleted,
    deletedStamp: stampToRecord(item.deletedStamp),
    link: g.link,
    system: g.system,
    creatorKey: g.creator,
    createdStamp: stampToRecord(g.created),
    modelSnapshot: item.dormant === undefined ? snapshot : undefined,
    dormantSnapshot: item.dormant !== undefined ? snapshot : undefined
  }).finish()
}

/** Decodes an ItemSnapshot record; throws on a malformed one (the caller falls back to a full replay). */
export function decodeItem (bytes: Uint8Array): RestoredItem {
  const r = echo.ItemSnapshot.decode(bytes)
  const created = stampFromRecord(r.createdStamp)
  if (r.itemId === '' || r.modelType === '' || created === undefined) throw new Error('item snapshot record lacks id, model type or creation stamp')
  const link = r.link !== null && r.link !== undefined ? { sourceId: r.link.sourceId ?? '', targetId: r.link.targetId ?? '' } : undefined
  return {
    genesis: {
      id: r.itemId,
      modelType: r.modelType,
      modelVersion: r.modelVersion,
      type: r.itemType,
      link,
      system: r.system,
      creator: r.creatorKey,
      created
    },
    parentId: r.parentId,
    parentStamp: stampFromRecord(r.parentStamp),
    deleted: r.deleted,
    deletedStamp: stampFromRecord(r.deletedStamp),
    modelSnapshot: r.modelSnapshot.length > 0 || r.dormantSnapshot.length === 0 ? r.modelSnapshot : undefined,
    dormantSnapshot: r.dormantSnapshot.length > 0 ? r.dormantSnapshot : undefined
  }
}

/**
 * ItemStore: the latest snapshot of each party in level. Keys: `head!<party>` (PartySnapshot) and
 * `item!<party>!<item id>` (ItemSnapshot). A save writes the head and the items that changed since the previous
 * save in one atomic batch; items are never removed (deletion is soft), so head and records always agree.
 */
export class ItemStore {
  private readonly _db

  constructor (root: Level<string, string>) {
    this._db = root.sublevel<string, Uint8Array>('items', { valueEncoding: 'view' })
  }

  /**
   * Saves a snapshot. `items` are the records of items changed since the last save; `itemCount` the total.
   * Resolves once the batch is durable in level.
   */
  async save (partyKey: string, head: SnapshotHead, items: Array<[string, Uint8Array]>): Promise<void> {
    const itemRanges: echo.IFeedItemRange[] = []
    for (const [feedId, range] of head.itemRanges ?? []) {
      const skipped = range.skippedStart !== Infinity
      itemRanges.push({ feedKey: Buffer.from(feedId, 'hex'), appliedEnd: range.appliedEnd, skipped, skippedStart: skipped ? range.skippedStart : 0 })
    }
    const headBytes = echo.PartySnapshot.encode({
      format: SNAPSHOT_FORMAT,
      timeframe: head.timeframe.toProto(),
      partyState: head.partyState,
      itemCount: head.itemCount,
      processedMessages: head.processedMessages,
      itemRanges
    }).finish()
    const ops: Array<{ type: 'put', key: string, value: Uint8Array }> = items.map(([id, value]) => ({ type: 'put', key: `item!${partyKey}!${id}`, value }))
    ops.push({ type: 'put', key: `head!${partyKey}`, value: headBytes })
    await this._db.batch(ops)
    log('saved snapshot of %s: %d items changed, %d in all, timeframe sum %d', partyKey, items.length, head.itemCount, head.timeframe.sum)
  }

  /**
   * The latest snapshot, or undefined when there is none. Throws DatabaseError INVALID_SNAPSHOT (naming the party
   * and the reason) when there is one but its records do not decode: the party then drops it and replays.
   */
  async load (partyKey: string): Promise<LoadedSnapshot | undefined> {
    const headBytes = await this._db.get(`head!${partyKey}`)
    if (headBytes === undefined) return undefined
    try {
      const head = echo.PartySnapshot.decode(headBytes)
      if (head.format !== SNAPSHOT_FORMAT) throw new Error(`snapshot format ${head.format} is not ${SNAPSHOT_FORMAT}`)
      const items: RestoredItem[] = []
      const prefix = `item!${partyKey}!`
      for await (const value of this._db.values({ gt: prefix, lt: `${prefix}~` })) items.push(decodeItem(value))
      if (items.length !== head.itemCount) throw new Error(`snapshot counts ${head.itemCount} items but holds ${items.length}`)
      const itemRanges = new Map<string, ItemRange>()
      for (const range of head.itemRanges) {
        const feedKey = range.feedKey
        if (feedKey == null || feedKey.byteLength !== 32) throw new Error('item range without a 32-byte feed key')
        itemRanges.set(Buffer.from(feedKey).toString('hex'), { appliedEnd: range.appliedEnd ?? 0, skippedStart: range.skipped === true ? range.skippedStart ?? 0 : Infinity })
      }
      return {
        timeframe: Timeframe.fromProto(head.timeframe ?? {}),
        partyState: head.partyState,
        processedMessages: head.processedMessages,
        items,
        itemRanges
      }
    } catch (err) {
      log('snapshot of %s is unusable: %s', partyKey, (err as Error).message)
      throw new DatabaseError('INVALID_SNAPSHOT', `snapshot of party ${partyKey} is unusable: ${(err as Error).message}`)
    }
  }

  /** Every record of a party's snapshot, raw (for backups and for tests that go back to an older snapshot). */
  async exportRecords (partyKey: string): Promise<Array<[string, Uint8Array]>> {
    const records: Array<[string, Uint8Array]> = []
    const head = await this._db.get(`head!${partyKey}`)
    if (head !== undefined) records.push([`head!${partyKey}`, head])
    for await (const [key, value] of this._db.iterator({ gt: `item!${partyKey}!`, lt: `item!${partyKey}!~` })) records.push([key, value])
    return records
  }

  /** Replaces a party's snapshot with records from `exportRecords`, atomically. */
  async importRecords (partyKey: string, records: Array<[string, Uint8Array]>): Promise<void> {
    const ops: Array<{ type: 'del', key: string } | { type: 'put', key: string, value: Uint8Array }> = []
    ops.push({ type: 'del', key: `head!${partyKey}` })
    for await (const key of this._db.keys({ gt: `item!${partyKey}!`, lt: `item!${partyKey}!~` })) ops.push({ type: 'del', key })
    for (const [key, value] of records) {
      if (key !== `head!${partyKey}` && !key.startsWith(`item!${partyKey}!`)) throw new Error(`record ${key} is not of party ${partyKey}`)
      ops.push({ type: 'put', key, value })
    }
    await this._db.batch(ops)
  }

  /** Removes a party's snapshot (e.g. when it proved unusable). */
  async clear (partyKey: string): Promise<void> {
    const ops: Array<{ type: 'del', key: string }> = [{ type: 'del', key: `head!${partyKey}` }]
    for await (const key of this._db.keys({ gt: `item!${partyKey}!`, lt: `item!${partyKey}!~` })) ops.push({ type: 'del', key })
    await this._db.batch(ops)
  }
}
