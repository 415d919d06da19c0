import { echo } from '@echodb/proto'
import { CounterModel, createModelFactory, ModelFactory, ObjectModel, type OrderStamp } from '@echodb/models'
import { Database, type ItemMessageMeta, type ItemRejection } from './database'
import { decodeItem, encodeItem } from './item-store'

const FEED = 'aa'.repeat(32)
const IDENTITY = new Uint8Array(32).fill(1)
/** An item id in FEED's id space (its last 8 bytes are FEED's first 8). */
const ownId = (byte: string): string => byte.repeat(8) + FEED.slice(0, 16)

/**
 * A one-writer pipeline: every write becomes the next "block", its messages are round-tripped through the wire
 * encoding and processed in order, as the PartyProcessor does for a local feed.
 */
function pipeline (factory: ModelFactory = createModelFactory()) {
  let block = 0
  const rejections: ItemRejection[] = []
  const db: Database = new Database({
    partyKey: new Uint8Array(32).fill(9),
    factory,
    feedKey: Buffer.from(FEED, 'hex'),
    database: () => undefined,
    write: async (messages) => {
      await Promise.resolve()
      deliver(messages.map((m) => echo.Envelope.decode(echo.Envelope.encode(m).finish()).item as echo.IItemMessage), block++)
    }
  })
  function deliver (messages: echo.IItemMessage[], blockIndex: number, seq = blockIndex, inGenesisBlock = false): void {
    messages.forEach((message, index) => {
      const order: OrderStamp = { seq, feed: FEED, block: blockIndex, index }
      const meta: ItemMessageMeta = { identityKey: IDENTITY, feedKey: Buffer.from(FEED, 'hex'), feedId: FEED, blockIndex, indexInBlock: index, order, inGenesisBlock }
      const rejection = db.process(message, meta)
      if (rejection !== undefined) rejections.push(rejection)
    })
    db.endBatch()
  }
  return { db, rejections, deliver, factory }
}

test('createItem writes genesis and props in one block; select by type, parent and where is live', async () => {
  const { db } = pipeline()
  const tasks = db.select({ type: 'task' })
  const seen: number[] = []
  tasks.subscribe((items) => seen.push(items.length))

  const list = await db.createItem({ type: 'list', props: { title: 'Groceries' } })
  const milk = await db.createItem<ObjectModel>({ type: 'task', parent: list, props: { title: 'milk', done: false } })
  const eggs = await db.createItem<ObjectModel>({ type: 'task', parent: list.id, props: { title: 'eggs', done: false } })
  expect(milk.model.get('title')).toBe('milk')
  expect(tasks.value).toEqual([milk, eggs])
  expect(seen).toEqual([1, 2])
  expect(list.children).toEqual([milk, eggs])
  expect(milk.parent).toBe(list)

  const open = db.select({ type: 'task', where: { done: false } })
  expect(open.value).toEqual([milk, eggs])
  await eggs.model.set('done', true)
  expect(open.value).toEqual([milk])
  expect(seen).toEqual([1, 2, 2]) // eggs changed content: subscribers of `tasks` hear it

  await milk.delete()
  expect(tasks.value).toEqual([eggs])
  expect(db.select({ type: 'task', deleted: true }).value).toEqual([milk, eggs])
  expect(list.children).toEqual([eggs])
  await milk.restore()
  expect(tasks.value).toEqual([milk, eggs])
  expect(db.select({ parent: null }).value).toEqual([list])
})

test('item fields are last-writer-wins by order stamp, whatever the processing order', () => {
  const { db, deliver } = pipeline()
  const id = ownId('ab')
  deliver([{ itemId: id, genesis: { modelType: ObjectModel.type.url, modelVersion: 1 } }], 0)
  const p1 = 'c1'.repeat(16)
  const p2 = 'c2'.repeat(16)
  // The later stamp (seq 5) arrives first; the older (seq 3) must not win.
  deliver([{ itemId: id, mutation: { change: { parentId: p2 } } }, { itemId: id, mutation: { change: { deleted: true } } }], 2, 5)
  deliver([{ itemId: id, mutation: { change: { parentId: p1 } } }, { itemId: id, mutation: { change: { deleted: false } } }], 1, 3)
  const item = db.getItem(id)
  expect(item?.parentId).toBe(p2)
  expect(item?.deleted).toBe(true)
})

test('bad item messages are rejected with reasons and change nothing', async () => {
  const { db, deliver, rejections } = pipeline()
  const item = await db.createItem<ObjectModel>({ props: { a: 1 } })
  const before = encodeItem(item)
  deliver([
    { itemId: 'not-hex' },
    { itemId: item.id },
    { itemId: item.id, genesis: { modelType: ObjectModel.type.url, modelVersion: 1 } },
    { itemId: 'ee'.repeat(16), mutation: { model: new Uint8Array([1]) } },
    { itemId: item.id, mutation: { model: new Uint8Array([0xff, 0xff, 0xff]) } },
    { itemId: ownId('dd'), genesis: { modelType: '' } },
    { itemId: 'bb'.repeat(16), genesis: { modelType: ObjectModel.type.url, modelVersion: 1 } },
    { itemId: ownId('de'), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, system: true } }
  ], 5)
  expect(rejections.map((r) => r.reason)).toEqual([
    'INVALID_ITEM_ID', 'INVALID_ITEM_MESSAGE', 'DUPLICATE_ITEM', 'UNKNOWN_ITEM', 'MUTATION_REJECTED', 'INVALID_ITEM_MESSAGE',
    'INVALID_ITEM_ID', 'INVALID_ITEM_MESSAGE'
  ])
  expect(rejections[6].detail).toMatch(/not in the id space of feed aaaaaaaaaaaaaaaa/)
  expect(rejections[7].detail).toMatch(/only in the party's genesis block/)
  expect(Buffer.from(encodeItem(item))).toEqual(Buffer.from(before))
  expect(db.size).toBe(1)
})

test('items are created in the writing feed\'s id space; the system item only in the genesis block, once', async () => {
  const { db, deliver, rejections } = pipeline()
  const created = await db.createItem()
  expect(created.id).toMatch(new RegExp(`^[0-9a-f]{16}${FEED.slice(0, 16)}$`))
  const system = (byte: string): echo.IItemMessage => ({ itemId: ownId(byte), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, system: true } })
  deliver([system('01'), system('02')], 0, 0, true)
  expect(db.systemItem?.id).toBe(ownId('01'))
  expect(rejections.map((r) => r.reason)).toEqual(['DUPLICATE_ITEM'])
})

test('items of an unregistered model stay dormant with their mutations and come alive on registration', async () => {
  const factory = new ModelFactory().register(ObjectModel.type)
  const { db, deliver } = pipeline(factory)
  const id = ownId('ab')
  const increment = (by: number): Uint8Array => CounterModel.type.mutationCodec.encode({ delta: by })
  deliver([{ itemId: id, genesis: { modelType: CounterModel.type.url, modelVersion: 1, itemType: 'score' } }], 0)
  deliver([{ itemId: id, mutation: { model: increment(2) } }, { itemId: id, mutation: { model: increment(5) } }], 1)
  const item = db.getItem(id)!
  expect(item.dormant?.reason).toBe('UNKNOWN_MODEL')
  expect(() => item.model).toThrow(/dormant/)
  expect(db.select({ type: 'score' }).value).toEqual([item])

  // A dormant item survives a snapshot round trip, still dormant, with what it held.
  const copy = pipeline(new ModelFactory().register(ObjectModel.type))
  copy.db.restoreItem(decodeItem(encodeItem(item)))

  factory.register(CounterModel.type)
  expect(item.dormant).toBeUndefined()
  expect((item.model as CounterModel).value).toBe(7)
  copy.factory.register(CounterModel.type)
  expect((copy.db.getItem(id)!.model as CounterModel).value).toBe(7)
})

test('a snapshot record restores an item exactly', async () => {
  const { db } = pipeline()
  const parent = await db.createItem({ type: 'folder' })
  const item = await db.createItem<ObjectModel>({ type: 'doc', parent, props: { title: 'x', tags: ['a', 'b'] } })
  await item.model.set('nested.deep', 3)
  await item.delete()
  const other = pipeline()
  other.db.restoreItem(decodeItem(encodeItem(parent)))
  other.db.restoreItem(decodeItem(encodeItem(item)))
  const restored = other.db.getItem<ObjectModel>(item.id)!
  expect(restored.model.toObject()).toEqual(item.model.toObject())
  expect(restored.deleted).toBe(true)
  expect(restored.parent?.id).toBe(parent.id)
  expect(restored.genesis).toEqual(item.genesis)
  expect(Buffer.from(encodeItem(restored))).toEqual(Buffer.from(encodeItem(item)))
})

test('moves that would make a cycle are refused before writing', async () => {
  const { db } = pipeline()
  const a = await db.createItem()
  const b = await db.createItem({ parent: a })
  await expect(a.setParent(b)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  await expect(db.createItem({ model: 'example.com/model/unknown' })).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' })
})
