// Fuzzing Database.process, where every item message of an admitted writer lands: random item messages (as the
// wire can carry them) and valid ones mutated. It must never throw; a rejected message must leave every item, every
// index and every model byte-identical; whatever is accepted must survive the snapshot records (encode, decode,
// restore) unchanged.
import { randomBytes } from 'crypto'
import fc from 'fast-check'
import { echo } from '@echodb/proto'
import { CounterModel, createModelFactory, MessengerModel, ObjectModel, TextModel, type OrderStamp } from '@echodb/models'
import { Database, type ItemMessageMeta } from '../database'
import { decodeItem, encodeItem } from '../item-store'
import { canonicalJson, databaseDigest } from './state-digest'
import { byteEdits, mutate } from '@echodb/feed-store/testing'

const partyKey = randomBytes(32)
const feedKey = randomBytes(32)
const feedId = feedKey.toString('hex')
const identityKey = randomBytes(32)

function newDatabase (): Database {
  return new Database({
    partyKey,
    factory: createModelFactory(),
    feedKey,
    write: async () => { throw new Error('the fuzzed database does not write') },
    database: () => undefined
  })
}

function meta (seq: number, inGenesisBlock = false): ItemMessageMeta {
  const order: OrderStamp = { seq, feed: feedId, block: seq, index: 0 }
  return { identityKey, feedKey, feedId, blockIndex: seq, indexInBlock: 0, order, inGenesisBlock }
}

/** Everything a rejected message must not touch: items, indexes, model bytes, revisions, stamps. */
function fullDigest (db: Database): string {
  const items = db.items.map((item) => ({
    id: item.id,
    snapshot: Buffer.from(item.encodedModel.snapshotEncoded()).toString('hex'),
    revision: item.encodedModel.revision,
    parentStamp: item.parentStamp ?? null,
    deletedStamp: item.deletedStamp ?? null,
    children: item.children.map((c) => c.id)
  }))
  const types = [...new Set(db.items.map((i) => i.type))].sort().map((type) => [type, db.select({ type, deleted: true }).value.map((i) => i.id)])
  return databaseDigest(db) + canonicalJson({ items, types, system: db.systemItem?.id ?? null, size: db.size })
}

/** Item `n` in the fuzzed feed's id space. */
const ID = (n: number): string => n.toString(16).padStart(16, '0') + feedId.slice(0, 16)
const URLS = [ObjectModel.type.url, CounterModel.type.url, MessengerModel.type.url, TextModel.type.url, 'example.com/model/unknown']

/** A database with a few items of every kind, and the valid messages that built it. */
function seeded (): { db: Database, messages: echo.IItemMessage[] } {
  const messages: echo.IItemMessage[] = [
    { itemId: ID(1), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, itemType: 'doc' } },
    { itemId: ID(1), mutation: { model: ObjectModel.encodeProps({ title: 'one', n: 1, list: [1, 2] }) } },
    { itemId: ID(2), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, itemType: 'doc', parentId: ID(1) } },
    { itemId: ID(3), genesis: { modelType: CounterModel.type.url, modelVersion: 1, itemType: 'score' } },
    { itemId: ID(4), genesis: { modelType: 'example.com/model/unknown', modelVersion: 3, itemType: 'mystery' } },
    { itemId: ID(4), mutation: { model: Buffer.from('held as is') } },
    { itemId: ID(5), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, itemType: 'link', link: { sourceId: ID(1), targetId: ID(2) } } },
    { itemId: ID(6), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, system: true } },
    { itemId: ID(2), mutation: { change: { deleted: true } } },
    { itemId: ID(7), genesis: { modelType: TextModel.type.url, modelVersion: 1, itemType: 'text' } }
  ]
  const db = newDatabase()
  messages.forEach((m, i) => { expect(db.process(m, meta(i, m.genesis?.system === true))).toBeUndefined() })
  db.endBatch()
  return { db, messages }
}
const SEED_MESSAGES = seeded().messages

const itemIdArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 9 }).map(ID) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 9 }).map((n) => ID(n).replace(/0/g, 'A')) }
)
const modelBytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 60 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean())).map((props) => ObjectModel.encodeProps(props)),
  fc.constant(new Uint8Array(0))
)
const genesisArb: fc.Arbitrary<echo.IItemGenesis> = fc.record({
  modelType: fc.oneof(fc.constantFrom(...URLS), fc.string({ maxLength: 20 })),
  modelVersion: fc.oneof(fc.constantFrom(0, 1, 2), fc.nat()),
  itemType: fc.string({ maxLength: 10 }),
  parentId: fc.oneof(fc.constant(''), itemIdArb),
  link: fc.option(fc.record({ sourceId: itemIdArb, targetId: itemIdArb }), { nil: undefined }),
  system: fc.boolean()
}, { requiredKeys: [] })
const mutationArb: fc.Arbitrary<echo.IItemMutation> = fc.record({
  model: fc.option(modelBytesArb, { nil: undefined }),
  change: fc.option(fc.oneof(fc.record({ deleted: fc.boolean() }), fc.record({ parentId: fc.oneof(fc.constant(''), itemIdArb) })), { nil: undefined })
}, { requiredKeys: [] })
const structuredArb: fc.Arbitrary<echo.IItemMessage> = fc.record({
  itemId: itemIdArb,
  genesis: fc.option(genesisArb, { nil: undefined }),
  mutation: fc.option(mutationArb, { nil: undefined })
}, { requiredKeys: [] })

const editsArb = byteEdits(4)

/** Bytes a peer could send: structured messages, valid ones mutated, or noise; decoded as the processor does. */
const wireArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  structuredArb.map((m) => echo.ItemMessage.encode(m).finish()),
  fc.tuple(fc.constantFrom(...SEED_MESSAGES.map((m) => echo.ItemMessage.encode(m).finish())), editsArb).map(([b, e]) => mutate(b, e)),
  fc.uint8Array({ maxLength: 80 })
)

test('Database.process never throws; a rejected item message changes nothing; accepted state survives snapshot records', () => {
  fc.assert(fc.property(fc.array(wireArb, { minLength: 1, maxLength: 15 }), (wires) => {
    const { db } = seeded()
    let seq = 100
    for (const bytes of wires) {
      let message: echo.ItemMessage
      try {
        message = echo.ItemMessage.decode(bytes)
      } catch {
        continue // the reader rejects it before the database sees it (UNDECODABLE_MESSAGE)
      }
      const before = fullDigest(db)
      let rejection: ReturnType<Database['process']>
      // Every other message as if in the genesis block, where a system genesis is allowed (and then a duplicate).
      expect(() => { rejection = db.process(message, meta(seq, seq++ % 2 === 0)) }).not.toThrow()
      db.endBatch()
      if (rejection! !== undefined) {
        expect(typeof rejection!.reason).toBe('string')
        expect(rejection!.detail.length).toBeGreaterThan(0)
        expect(fullDigest(db)).toBe(before)
      }
    }
    // Whatever was accepted is exactly what a party reopened from its snapshot records shows.
    const restored = newDatabase()
    for (const item of db.items) restored.restoreItem(decodeItem(encodeItem(item)))
    expect(databaseDigest(restored)).toBe(databaseDigest(db))
  }), { numRuns: 300 })
})
