import { echo } from '@echodb/proto'
import { CounterModel, createModelFactory, defineModelType, ModelFactory, ObjectModel, Reference, type OrderStamp } from '@echodb/models'
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
function pipeline (factory: ModelFactory = createModelFactory(), party = { key: new Uint8Array(32).fill(9), others: (key: Uint8Array): Database | undefined => undefined }) {
  let block = 0
  const rejections: ItemRejection[] = []
  const db: Database = new Database({
    partyKey: party.key,
    factory,
    feedKey: Buffer.from(FEED, 'hex'),
    database: party.others,
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

test('links: ends resolve when present, survive a snapshot record, and bad ends are refused before writing', async () => {
  const { db, deliver } = pipeline()
  const ada = await db.createItem({ type: 'person', props: { name: 'Ada' } })
  const bob = await db.createItem({ type: 'person', props: { name: 'Bob' } })
  const knows = await db.createLink<ObjectModel>(ada, bob.id, { type: 'knows', props: { since: 1843 } })
  expect(knows.link).toEqual({ sourceId: ada.id, targetId: bob.id })
  expect([knows.source, knows.target]).toEqual([ada, bob])
  expect(knows.model.get('since')).toBe(1843)
  expect(db.select({ type: 'knows' }).value).toEqual([knows])
  expect(ada.link).toBeUndefined()
  expect(ada.source).toBeUndefined()

  // An end that has not arrived (or never will) reads as undefined; the link itself is kept.
  const missing = ownId('0e')
  deliver([{ itemId: ownId('0f'), genesis: { modelType: ObjectModel.type.url, modelVersion: 1, itemType: 'knows', link: { sourceId: ada.id, targetId: missing } } }], 10)
  const dangling = db.getItem(ownId('0f'))!
  expect(dangling.source).toBe(ada)
  expect(dangling.target).toBeUndefined()

  const copy = pipeline()
  for (const item of db.items) copy.db.restoreItem(decodeItem(encodeItem(item)))
  const restored = copy.db.getItem(knows.id)!
  expect(restored.link).toEqual(knows.link)
  expect(restored.source?.id).toBe(ada.id)

  await expect(db.createLink(ada, 'not-an-id')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('not-an-id') })
  expect(db.size).toBe(4)
})

test('references in properties resolve to items of this party or of another open party', async () => {
  const otherKey = new Uint8Array(32).fill(7)
  const open = new Map<string, Database>()
  const others = (key: Uint8Array): Database | undefined => open.get(Buffer.from(key).toString('hex'))
  const home = pipeline(createModelFactory(), { key: new Uint8Array(32).fill(9), others })
  const away = pipeline(createModelFactory(), { key: otherKey, others })
  const shop = await home.db.createItem({ type: 'shop', props: { name: 'corner' } })
  const recipe = await away.db.createItem({ type: 'recipe', props: { name: 'bread' } })

  const local = home.db.createReference(shop, new Uint8Array(32).fill(9)) // our own party: no key stored
  expect(local.partyKey).toBeUndefined()
  const remote = home.db.createReference(recipe, otherKey)
  const list = await home.db.createItem<ObjectModel>({ type: 'list', props: { at: local, for: remote } })

  // The references went through the wire encoding and came back as References.
  const at = list.model.get('at') as Reference
  const forRecipe = list.model.get('for') as Reference
  expect(at).toBeInstanceOf(Reference)
  expect(Buffer.from(forRecipe.partyKey!)).toEqual(Buffer.from(otherKey))
  expect(home.db.resolve(at)).toBe(shop)
  // Another party's item resolves only while that party is open.
  expect(home.db.resolve(forRecipe)).toBeUndefined()
  open.set(Buffer.from(otherKey).toString('hex'), away.db)
  expect(home.db.resolve(forRecipe)).toBe(recipe)
  expect(home.db.resolve(new Reference(ownId('99')))).toBeUndefined()
})

test('an item of a model version the registered type cannot read stays dormant (UNSUPPORTED_VERSION) and comes alive where it can', async () => {
  const { db, deliver, rejections } = pipeline()
  const id = ownId('ab')
  const increment = (by: number): Uint8Array => CounterModel.type.mutationCodec.encode({ delta: by })
  deliver([{ itemId: id, genesis: { modelType: CounterModel.type.url, modelVersion: 2, itemType: 'score' } }], 0)
  deliver([{ itemId: id, mutation: { model: increment(4) } }], 1)
  const item = db.getItem(id)!
  expect(rejections).toEqual([])
  expect(item.dormant).toMatchObject({ reason: 'UNSUPPORTED_VERSION', message: expect.stringContaining('not 2') })
  expect(() => item.model).toThrow(/dormant/)
  expect(db.select({ type: 'score' }).value).toEqual([item])

  // A peer whose counter reads version 2 restores the record with the held mutation applied.
  const counterV2 = defineModelType({ ...CounterModel.type, version: 2, reads: [1, 2] })
  const newer = pipeline(new ModelFactory().register(ObjectModel.type).register(counterV2))
  newer.db.restoreItem(decodeItem(encodeItem(item)))
  const revived = newer.db.getItem(id)!
  expect(revived.dormant).toBeUndefined()
  expect((revived.model as CounterModel).value).toBe(4)
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
