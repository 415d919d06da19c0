import { rm } from 'fs/promises'
import { join } from 'path'
import { Level } from 'level'
import { CounterModel, ObjectModel, TextModel } from '@echodb/models'
import { ECHO } from './echo'
import { ItemStore } from './item-store'
import type { Party } from './party'
import { admitAndJoin, connect, openEcho, TempDirs } from './testing/temp-echo'
import { TallyModel } from './testing/tally-model'

const dirs = new TempDirs()
const open: ECHO[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (echo) => await echo.close()))
  await dirs.cleanup()
})

async function make (options: { snapshotInterval?: number } = {}): Promise<ECHO> {
  const echo = await openEcho(dirs, options)
  open.push(echo)
  return echo
}

/** Everything a party shows, in a form to compare across peers and reopens. */
function stateOf (party: Party): unknown {
  return {
    properties: party.properties.toObject(),
    members: party.members.value.map((m) => ({ key: m.identityKey.toString('hex'), role: m.role, name: m.displayName })),
    items: party.database.items.filter((item) => !item.genesis.system).map((item) => ({
      id: item.id,
      type: item.type,
      parent: item.parentId,
      deleted: item.deleted,
      state: item.dormant === undefined ? item.model.state : item.dormant.reason
    }))
  }
}

async function writeSome (party: Party): Promise<void> {
  const list = await party.database.createItem({ type: 'list', props: { title: 'Groceries' } })
  const tasks = await Promise.all(['milk', 'eggs', 'bread'].map(async (title) =>
    await party.database.createItem<ObjectModel>({ type: 'task', parent: list, props: { title, done: false } })))
  await tasks[0].model.set('done', true)
  await tasks[1].model.batch((b) => b.set('notes.when', 'today').set(['tags'], ['dairy', 'fresh']))
  await tasks[2].delete()
  const counter = await party.database.createItem<CounterModel>({ model: CounterModel.type, type: 'score' })
  await Promise.all([counter.model.increment(3), counter.model.increment(4)])
}

test('a new instance has an identity; a party holds its properties, members and items', async () => {
  const echo = await make()
  expect(echo.identity.publicKey).toHaveLength(32)
  await echo.setDisplayName('Ada')
  const party = await echo.createParty({ properties: { title: 'Home' } })
  expect(party.properties.get('title')).toBe('Home')
  expect(party.members.value.map((m) => [m.role, m.displayName])).toEqual([['admin', 'Ada']])
  expect(echo.parties.value).toEqual([party])
  await party.properties.set('title', 'Our home')
  await writeSome(party)
  const tasks = party.database.select<ObjectModel>({ type: 'task' })
  expect(tasks.value.map((t) => t.model.get('title'))).toEqual(['milk', 'eggs'])
  expect(party.timeframe.get(party.ownFeed.id)).toBeGreaterThan(0)
  expect(party.rejections).toEqual({})
})

test('close and reopen give identical state, from the snapshot and by full replay', async () => {
  const dir = await dirs.make()
  let echo = await ECHO.create({ directory: dir })
  const party = await echo.createParty({ properties: { title: 'Home' } })
  await writeSome(party)
  const before = stateOf(party)
  const partyId = party.id
  await echo.close()

  // From the snapshot saved on close.
  echo = await ECHO.create({ directory: dir })
  expect(stateOf(echo.getParty(partyId)!)).toEqual(before)
  await echo.getParty(partyId)!.database.createItem({ type: 'task', props: { title: 'after reopen' } })
  const after = stateOf(echo.getParty(partyId)!)
  await echo.close()

  // Without any snapshot: every message replayed.
  const db = new Level<string, string>(join(dir, 'db'))
  await new ItemStore(db).clear(partyId)
  await db.close()
  echo = await ECHO.create({ directory: dir })
  expect(stateOf(echo.getParty(partyId)!)).toEqual(after)
  await echo.close()
  await rm(dir, { recursive: true, force: true })
})

test('a closed party is not processed and holds nothing until opened again', async () => {
  const echo = await make()
  const party = await echo.createParty()
  await party.database.createItem({ props: {} })
  expect(party.rejections).toEqual({}) // no properties: no empty mutation is written
  await party.database.createItem({ type: 'x' })
  await party.close()
  expect(party.isOpen).toBe(false)
  expect(() => party.database).toThrow(expect.objectContaining({ code: 'PARTY_CLOSED' }))
  await party.open()
  expect(party.database.select({ type: 'x' }).value).toHaveLength(1)
})

test('two instances replicating converge on concurrent edits to the same and different items', async () => {
  const a = await make()
  const b = await make()
  await a.setDisplayName('A')
  await b.setDisplayName('B')
  const disconnect = connect(a, b)
  try {
    const partyA = await a.createParty({ properties: { title: 'shared' } })
    const partyB = await admitAndJoin(partyA, b)
    await partyB.waitForTimeframe(partyA.timeframe)
    expect(partyB.properties.get('title')).toBe('shared')
    expect(partyB.role).toBe('writer')

    const shared = await partyA.database.createItem<ObjectModel>({ type: 'doc', props: { title: 'draft' } })
    await partyB.waitForTimeframe(partyA.timeframe)
    const sharedOnB = partyB.database.getItem<ObjectModel>(shared.id)!
    // Concurrent: both set the same key, and each creates its own items.
    await Promise.all([
      shared.model.set('title', 'from A'),
      sharedOnB.model.set('title', 'from B'),
      partyA.database.createItem({ type: 'doc', props: { by: 'A' } }),
      partyB.database.createItem({ type: 'doc', props: { by: 'B' } }),
      sharedOnB.model.set('onlyB', 1)
    ])
    await partyA.waitForTimeframe(partyB.timeframe)
    await partyB.waitForTimeframe(partyA.timeframe)
    expect(stateOf(partyA)).toEqual(stateOf(partyB))
    expect(partyA.database.select({ type: 'doc' }).value).toHaveLength(3)
    expect(partyA.members.value.map((m) => m.displayName).sort()).toEqual(['A', 'B'])

    // Text: each peer edits as its own feed's yjs client; concurrent inserts both survive.
    const text = await partyA.database.createItem<TextModel>({ model: TextModel.type, type: 'note' })
    await text.model.insert(0, 'middle')
    await partyB.waitForTimeframe(partyA.timeframe)
    const textOnB = partyB.database.getItem<TextModel>(text.id)!
    await Promise.all([text.model.insert(0, '<'), textOnB.model.insert(6, '>')])
    await partyA.waitForTimeframe(partyB.timeframe)
    await partyB.waitForTimeframe(partyA.timeframe)
    expect(text.model.text).toBe('<middle>')
    expect(textOnB.model.text).toBe('<middle>')
    expect(partyA.rejections).toEqual({})
    expect(partyB.rejections).toEqual({})
  } finally {
    disconnect()
  }
})

test('readers replicate everything but their writes fail locally with a clear error', async () => {
  const a = await make()
  const b = await make()
  const disconnect = connect(a, b)
  try {
    const partyA = await a.createParty()
    await partyA.database.createItem({ type: 'note', props: { text: 'hello' } })
    const partyB = await admitAndJoin(partyA, b, 'reader')
    await partyB.waitForTimeframe(partyA.timeframe)
    expect(partyB.role).toBe('reader')
    expect(partyB.database.select({ type: 'note' }).value).toHaveLength(1)
    await expect(partyB.database.createItem({ type: 'note' })).rejects.toMatchObject({ code: 'NOT_A_WRITER' })
    expect(partyB.canWrite).toBe(false)
    // A reader renaming itself: saved for later parties, not written where it cannot write.
    await b.setDisplayName('reader b')
    expect(b.identity.displayName).toBe('reader b')
    await expect(b.setDisplayName('x'.repeat(10_000))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(b.identity.displayName).toBe('reader b')
  } finally {
    disconnect()
  }
})

test('items of a model this peer lacks stay dormant, then come alive when it is registered (also after reopen)', async () => {
  const a = await make()
  const dir = await dirs.make()
  let b = await ECHO.create({ directory: dir })
  open.push(b)
  const disconnect = connect(a, b)
  try {
    const partyA = await a.createParty()
    const custom = TallyModel
    a.models.register(custom.type)
    const tally = await partyA.database.createItem({ model: custom.type, type: 'tally' })
    await (tally.model as InstanceType<typeof custom>).add(5)
    await (tally.model as InstanceType<typeof custom>).add(2)
    const partyB = await admitAndJoin(partyA, b)
    await partyB.waitForTimeframe(partyA.timeframe)
    const onB = partyB.database.getItem(tally.id)!
    expect(onB.dormant?.reason).toBe('UNKNOWN_MODEL')
    expect(partyB.database.select({ type: 'tally' }).value).toEqual([onB])
    await (tally.model as InstanceType<typeof custom>).add(1) // held while dormant too
    await partyB.waitForTimeframe(partyA.timeframe)

    // Survives a reopen while dormant (the snapshot holds the raw mutations).
    disconnect()
    const partyId = partyB.id
    await b.close()
    open.splice(open.indexOf(b), 1)
    b = await ECHO.create({ directory: dir })
    open.push(b)
    const reopened = b.getParty(partyId)!.database.getItem(tally.id)!
    expect(reopened.dormant?.reason).toBe('UNKNOWN_MODEL')
    b.models.register(custom.type)
    expect(reopened.dormant).toBeUndefined()
    expect((reopened.model as InstanceType<typeof custom>).total).toBe(8)
  } finally {
    disconnect()
  }
})
