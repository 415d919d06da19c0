import fc from 'fast-check'
import { CounterModel, type ObjectModel } from '@echodb/models'
import { ECHO } from './echo'
import type { Item } from './item'
import type { Party } from './party'
import { TempDirs } from './testing/temp-echo'

/** One step of a random workload on a party. Item operands are indexes into the items created so far. */
type Op =
  | { op: 'create', type: 'a' | 'b', parent: number | null, counter: boolean }
  | { op: 'set', item: number, key: string, value: number | string | null }
  | { op: 'increment', item: number, by: number }
  | { op: 'delete' | 'restore', item: number }
  | { op: 'move', item: number, parent: number | null }
  | { op: 'snapshot' }
  | { op: 'burst', item: number, count: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), type: fc.constantFrom('a' as const, 'b' as const), parent: fc.option(fc.nat(20)), counter: fc.boolean() }),
  fc.record({ op: fc.constant('set' as const), item: fc.nat(20), key: fc.constantFrom('k0', 'k1', 'k2'), value: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)) }),
  fc.record({ op: fc.constant('increment' as const), item: fc.nat(20), by: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0) }),
  fc.record({ op: fc.constantFrom('delete' as const, 'restore' as const), item: fc.nat(20) }),
  fc.record({ op: fc.constant('move' as const), item: fc.nat(20), parent: fc.option(fc.nat(20)) }),
  fc.record({ op: fc.constant('snapshot' as const) }),
  fc.record({ op: fc.constant('burst' as const), item: fc.nat(20), count: fc.integer({ min: 1, max: 40 }) })
)

function pick (items: Item[], index: number | null): Item | undefined {
  return index === null || items.length === 0 ? undefined : items[index % items.length]
}

async function apply (party: Party, items: Item[], op: Op, snapshots: Array<Array<[string, Uint8Array]>>, echo: ECHO): Promise<void> {
  const item = 'item' in op ? pick(items, op.item) : undefined
  switch (op.op) {
    case 'create':
      items.push(await party.database.createItem(op.counter
        ? { model: CounterModel.type, type: op.type, parent: pick(items, op.parent) }
        : { type: op.type, parent: pick(items, op.parent), props: { created: items.length } }))
      return
    case 'set':
      if (item?.dormant === undefined && item?.model instanceof Object && 'set' in item.model) await (item as Item<ObjectModel>).model.set(op.key, op.value)
      return
    case 'increment':
      if (item !== undefined && item.model instanceof CounterModel) await item.model.increment(op.by)
      return
    case 'delete':
      await item?.delete()
      return
    case 'restore':
      await item?.restore()
      return
    case 'move': {
      const parent = pick(items, op.parent)
      if (item !== undefined && parent !== item) await item.setParent(parent).catch(() => {}) // cycles are refused
      return
    }
    case 'burst':
      if (item !== undefined && item.model instanceof Object && 'set' in item.model) {
        const model = (item as Item<ObjectModel>).model
        await Promise.all(Array.from({ length: op.count }, async (_, i) => await model.set(`b${i % 3}`, i)))
      }
      return
    case 'snapshot':
      await party.saveSnapshot()
      snapshots.push(await echo.itemStore.exportRecords(party.id))
  }
}

function stateOf (party: Party): unknown {
  return {
    timeframe: [...party.timeframe.ids()],
    members: party.members.value.map((m) => m.identityKey.toString('hex')),
    items: party.database.items.map((item) => ({
      id: item.id,
      type: item.type,
      parent: item.parentId,
      deleted: item.deleted,
      parentStamp: item.parentStamp,
      deletedStamp: item.deletedStamp,
      state: item.model.state
    }))
  }
}

const dirs = new TempDirs()
afterAll(async () => await dirs.cleanup())

async function reopenState (dir: string, partyId: string, records?: Array<[string, Uint8Array]>): Promise<unknown> {
  if (records !== undefined) {
    // Put an older snapshot back, as if the later saves had never happened.
    const echo = await ECHO.create({ directory: dir })
    await echo.getParty(partyId)!.close()
    await echo.itemStore.importRecords(partyId, records)
    await echo.close()
  }
  const echo = await ECHO.create({ directory: dir })
  try {
    const party = echo.getParty(partyId)!
    if (!party.isOpen) await party.open()
    return stateOf(party)
  } finally {
    await echo.getParty(partyId)!.close() // close saves a snapshot: leave the store as a later run expects
    await echo.close()
  }
}

test('opening from any snapshot and processing the rest gives exactly the state of a full replay', async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
    const dir = await dirs.make()
    const echo = await ECHO.create({ directory: dir, snapshotInterval: 1_000_000 })
    const party = await echo.createParty()
    const items: Item[] = []
    const snapshots: Array<Array<[string, Uint8Array]>> = [[]] // [] = no snapshot at all: a full replay
    for (const op of ops) await apply(party, items, op, snapshots, echo)
    const expected = stateOf(party)
    await echo.close()
    for (const records of snapshots) {
      expect(await reopenState(dir, party.id, records)).toEqual(expected)
    }
    expect(await reopenState(dir, party.id)).toEqual(expected) // the snapshot saved on close
  }), { numRuns: 25 })
})
