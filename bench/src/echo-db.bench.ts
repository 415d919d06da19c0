/**
 * Issue 5's echo-db figures (ObjectModel items, values of ~20 bytes):
 *   echo.set.awaited        mutations/s, one by one, vs echo.baseline.hypercore-append-awaited    target >= 2,500
 *   (the baseline is timed in this suite, beside the figure; feed-store's hypercore.append.awaited is another run)
 *   echo.set.burst          100k sets without awaiting each                          target >= 50,000
 *   echo.open.snapshot-1m   reopen a party holding 1M mutations from its snapshot    target <= 1,000 ms
 *   echo.open.replay-1m     the same party without a snapshot (full replay)          for comparison
 *   echo.heap.items-100k    heap held by 100k items with 5 properties each           target <= 100 MB
 * The hypercore baseline is measured here too, so this suite stands alone.
 */
import { join } from 'path'
import Corestore from 'corestore'
import { Level } from 'level'
import { ECHO, ItemStore, type Item, type Party } from '@echodb/echo-db'
import type { ObjectModel } from '@echodb/models'
import type { Report, Suite } from './figure'
import { heapUsedMB, ratePerSecond, timeMs, withTempDir } from './measure'

const AWAITED = 3_000
const BURST = 100_000
const OPEN_MUTATIONS = 1_000_000
const OPEN_ITEMS = 10_000
const HEAP_ITEMS = 100_000
/** Writes issued at once when filling a party (the issue: "written in bursts"). */
const CHUNK = 10_000

async function awaitedHypercore (dir: string): Promise<number> {
  const store = new Corestore(dir)
  try {
    const core = store.get({ name: 'baseline' })
    await core.ready()
    const value = Buffer.alloc(100, 1)
    for (let i = 0; i < 300; i++) await core.append(value)
    return await ratePerSecond(AWAITED, async () => {
      for (let i = 0; i < AWAITED; i++) await core.append(value)
    })
  } finally {
    await store.close()
  }
}

async function setAwaited (party: Party): Promise<number> {
  const item = await party.database.createItem<ObjectModel>({ type: 'bench' })
  for (let i = 0; i < 300; i++) await item.model.set('warm', i)
  return await ratePerSecond(AWAITED, async () => {
    for (let i = 0; i < AWAITED; i++) await item.model.set(`k${i % 100}`, `value number ${i}`)
  })
}

/** Issues `count` sets over `items` in chunks of CHUNK un-awaited writes; resolves when all are processed. */
async function burst (items: Array<Item<ObjectModel>>, count: number, offset = 0): Promise<void> {
  for (let start = 0; start < count; start += CHUNK) {
    const writes: Array<Promise<void>> = []
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const n = i + offset
      writes.push(items[n % items.length].model.set(`p${n % 5}`, `value number ${n}`))
    }
    await Promise.all(writes)
  }
}

async function createItems (party: Party, count: number, props: (i: number) => Record<string, string | number>): Promise<Array<Item<ObjectModel>>> {
  const items: Array<Item<ObjectModel>> = []
  for (let start = 0; start < count; start += CHUNK) {
    const chunk: Array<Promise<Item<ObjectModel>>> = []
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      chunk.push(party.database.createItem<ObjectModel>({ type: 'bench', props: props(i) }))
    }
    items.push(...await Promise.all(chunk))
  }
  return items
}

async function openFigures (report: Report): Promise<void> {
  await withTempDir('echo-open', async (dir) => {
    let echo = await ECHO.create({ directory: dir, snapshotInterval: 1_000_000 })
    const party = await echo.createParty()
    const items = await createItems(party, OPEN_ITEMS, () => ({}))
    await burst(items, OPEN_MUTATIONS - OPEN_ITEMS)
    const partyId = party.id
    await echo.close() // saves the snapshot

    let opened: ECHO | undefined
    const snapshotMs = await timeMs(async () => { opened = await ECHO.create({ directory: dir }) })
    const expected = opened!.getParty(partyId)!.database.size
    await opened!.close()
    report({ name: 'echo.open.snapshot-1m', value: snapshotMs, unit: 'ms', better: 'lower', target: { max: 1_000 } })

    const db = new Level<string, string>(join(dir, 'db'))
    await new ItemStore(db).clear(partyId)
    await db.close()
    const replayMs = await timeMs(async () => { echo = await ECHO.create({ directory: dir }) })
    const replayed = echo.getParty(partyId)!.database.size
    await echo.close()
    if (replayed !== expected) throw new Error(`replay gave ${replayed} items, the snapshot ${expected}`)
    report({ name: 'echo.open.replay-1m', value: replayMs, unit: 'ms', better: 'lower', baseline: 'echo.open.snapshot-1m' })
  })
}

async function heapFigure (report: Report): Promise<void> {
  await withTempDir('echo-heap', async (dir) => {
    const echo = await ECHO.create({ directory: dir, snapshotInterval: 1_000_000 })
    try {
      const party = await echo.createParty()
      const before = heapUsedMB()
      const items = await createItems(party, HEAP_ITEMS, (i) => ({ title: `item ${i}`, count: i, done: 'no', owner: 'bench', tag: `t${i % 10}` }))
      const after = heapUsedMB()
      if (party.database.size < HEAP_ITEMS) throw new Error('items missing')
      report({ name: 'echo.heap.items-100k', value: after - before, unit: 'MB', better: 'lower', target: { max: 100 } })
      items.length = 0
    } finally {
      await echo.close()
    }
  })
}

export const suite: Suite = {
  name: 'echo-db (issue 5)',
  async run (report) {
    const baseline = await withTempDir('echo-hc', awaitedHypercore)
    report({ name: 'echo.baseline.hypercore-append-awaited', value: baseline, unit: 'msgs/s', better: 'higher' })

    await withTempDir('echo-set', async (dir) => {
      const echo = await ECHO.create({ directory: dir })
      try {
        const party = await echo.createParty()
        report({
          name: 'echo.set.awaited',
          value: await setAwaited(party),
          unit: 'mutations/s',
          better: 'higher',
          baseline: 'echo.baseline.hypercore-append-awaited',
          target: { min: 2_500 }
        })
        const items = await createItems(party, 100, () => ({}))
        const rate = await ratePerSecond(BURST, async () => await burst(items, BURST))
        report({ name: 'echo.set.burst', value: rate, unit: 'mutations/s', better: 'higher', target: { min: 50_000 } })
      } finally {
        await echo.close()
      }
    })

    await heapFigure(report)
    await openFigures(report)
  }
}
