import fc from 'fast-check'
import { echo } from '@echodb/proto'
import { createModelFactory, ObjectModel, type OrderStamp } from '@echodb/models'
import { Database, type ItemMessageMeta } from './database'
import { decodeItem, encodeItem } from './item-store'

// Concurrent moves can record a cycle of parents (A under B on one peer, B under A on another). Every peer must
// show the same tree, and it must be a tree.

const FEEDS = ['aa', 'bb', 'cc'].map((b) => b.repeat(32))
const IDENTITY = new Uint8Array(32).fill(1)
// Created on feed 0, so in its id space (the last 8 bytes are its key's first 8).
const ids = Array.from({ length: 5 }, (_, i) => String(i + 1).repeat(16) + FEEDS[0].slice(0, 16))

interface Message { message: echo.IItemMessage, meta: ItemMessageMeta }

function meta (feed: number, block: number, seq: number): ItemMessageMeta {
  const feedId = FEEDS[feed]
  const order: OrderStamp = { seq, feed: feedId, block, index: 0 }
  return { identityKey: IDENTITY, feedKey: Buffer.from(feedId, 'hex'), feedId, blockIndex: block, indexInBlock: 0, order }
}

function newDatabase (): Database {
  return new Database({
    partyKey: new Uint8Array(32).fill(9),
    factory: createModelFactory(),
    feedKey: Buffer.from(FEEDS[0], 'hex'),
    database: () => undefined,
    write: async () => { throw new Error('not written') }
  })
}

function geneses (parents: number[]): Message[] {
  return ids.map((itemId, i) => ({
    message: { itemId, genesis: { modelType: ObjectModel.type.url, modelVersion: ObjectModel.type.version, itemType: 't', parentId: parents[i] < 0 ? '' : ids[parents[i]] } },
    meta: meta(0, i, i)
  }))
}

function move (item: number, parent: number, feed: number, block: number, seq: number): Message {
  return { message: { itemId: ids[item], mutation: { change: { parentId: parent < 0 ? '' : ids[parent] } } }, meta: meta(feed, block, seq) }
}

function replay (messages: Message[]): Database {
  const db = newDatabase()
  for (const { message, meta } of messages) {
    expect(db.process(message, meta)).toBeUndefined()
    db.endBatch()
  }
  return db
}

/** Parent of every item as apps see it; throws if following parents loops. */
function tree (db: Database): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const item of db.items) {
    out[item.id] = item.parentId ?? null
    let steps = 0
    for (let at = item.parent; at !== undefined; at = at.parent) {
      if (++steps > ids.length) throw new Error(`item ${item.id} has a cycle of parents`)
    }
    for (const child of item.children) expect(child.parentId).toBe(item.id)
  }
  for (const item of db.items) {
    if (item.parentId !== undefined) expect(db.getItem(item.parentId)!.children).toContain(item)
  }
  return out
}

test('two concurrent moves that close a cycle: the later move is void on every peer, in either order', () => {
  const base = geneses([-1, -1, -1, -1, -1])
  const aUnderB = move(0, 1, 1, 0, 10)
  const bUnderA = move(1, 0, 2, 0, 10) // same seq: the feed key breaks the tie (cc > bb), so this one is later
  for (const order of [[aUnderB, bUnderA], [bUnderA, aUnderB]]) {
    const db = replay([...base, ...order])
    expect(db.getItem(ids[0])!.parentId).toBe(ids[1])
    expect(db.getItem(ids[1])!.parentId).toBeUndefined()
    expect(db.getItem(ids[1])!.children.map((i) => i.id)).toEqual([ids[0]])
    expect(db.getItem(ids[0])!.children).toEqual([])
    expect(db.select({ parent: null }).value.map((i) => i.id)).toContain(ids[1])
    // The recorded move survives a snapshot: a later move of B still compares with its stamp.
    const restored = newDatabase()
    for (const item of db.items) restored.restoreItem(decodeItem(encodeItem(item)))
    expect(tree(restored)).toEqual(tree(db))
  }
})

test('property: any moves in any order give every peer the same tree, and it is a tree', () => {
  const moveArb = fc.record({
    item: fc.integer({ min: 0, max: ids.length - 1 }),
    parent: fc.integer({ min: -1, max: ids.length - 1 }),
    feed: fc.integer({ min: 0, max: FEEDS.length - 1 }),
    seq: fc.integer({ min: 5, max: 40 })
  })
  fc.assert(fc.property(
    fc.array(fc.integer({ min: -1, max: 0 }), { minLength: ids.length, maxLength: ids.length }),
    fc.array(moveArb, { maxLength: 14 }),
    fc.func(fc.integer()),
    (rootsOrFirst, moves, shuffleKey) => {
      // Creation parents point only to earlier items (what an honest creator can name).
      const parents = rootsOrFirst.map((p, i) => (p < 0 || i === 0 ? -1 : i - 1))
      const blocks = new Map<number, number>()
      const messages = moves
        .filter((m) => m.item !== m.parent)
        .map((m) => {
          const block = blocks.get(m.feed) ?? (m.feed === 0 ? ids.length : 0)
          blocks.set(m.feed, block + 1)
          return move(m.item, m.parent, m.feed, block, m.seq)
        })
      const inOrder = replay([...geneses(parents), ...messages])
      const shuffled = [...messages].sort((a, b) => shuffleKey(a.meta.order.seq * 100 + a.meta.blockIndex) - shuffleKey(b.meta.order.seq * 100 + b.meta.blockIndex))
      const other = replay([...geneses(parents), ...shuffled])
      expect(tree(other)).toEqual(tree(inOrder))
    }
  ), { numRuns: 300 })
})
