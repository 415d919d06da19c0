/**
 * Model benchmarks (issue 4): ObjectModel processing, snapshot and restore; TextModel on an editing trace.
 * Everything is generated from fixed seeds, so runs are comparable.
 */
import { ObjectModel, TextModel, type MutationMeta, type OrderStamp } from '@echodb/models'
import type { Suite } from './figure'
import { heapUsedMB, timeMs } from './measure'

const COUNT = 100_000
const FEED = 'a5'.repeat(32)
const IDENTITY = new Uint8Array(32).fill(1)
const FEED_KEY = new Uint8Array(32).fill(0xa5)

/** mulberry32: a small seeded PRNG, enough for generating workloads. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function meta (block: number, index = 0): MutationMeta {
  const order: OrderStamp = { seq: block, feed: FEED, block, index }
  return { identityKey: IDENTITY, feedKey: FEED_KEY, blockIndex: block, indexInBlock: index, order }
}

/** 100k single-set mutations over 1,000 keys with mixed values, as echo-db would hand them over. */
function setMutations (): Uint8Array[] {
  const next = random(4)
  const mutations: Uint8Array[] = []
  for (let i = 0; i < COUNT; i++) {
    const key = `key${Math.floor(next() * 1000)}`
    const r = next()
    const value = r < 0.4 ? `value ${i}` : r < 0.8 ? Math.floor(next() * 1e6) : r < 0.9 ? r > 0.85 : { lane: i % 8, time: next() * 20 }
    mutations.push(ObjectModel.encodeProps({ [key]: value }))
  }
  return mutations
}

/** One model holding 100k keys. */
function bigObject (): ObjectModel {
  const model = new ObjectModel()
  for (let i = 0; i < COUNT; i++) {
    model.processEncoded(ObjectModel.encodeProps({ [`key${i}`]: i % 2 === 0 ? `value ${i}` : i }), meta(i))
  }
  return model
}

type Edit = { insert: true, at: number, text: string } | { insert: false, at: number, length: number }

/**
 * A typing session of 100k operations: mostly characters typed at a cursor, some backspaces, and now and then a
 * jump of the cursor to another place (a fixed seed: the same trace every run).
 */
function editingTrace (): Edit[] {
  const next = random(7)
  const letters = 'abcdefghijklmnopqrstuvwxyz     ,.'
  const trace: Edit[] = []
  let length = 0
  let cursor = 0
  while (trace.length < COUNT) {
    const r = next()
    if (r < 0.03) {
      cursor = Math.floor(next() * (length + 1))
    } else if (r < 0.15 && cursor > 0) {
      trace.push({ insert: false, at: cursor - 1, length: 1 })
      cursor--
      length--
    } else {
      trace.push({ insert: true, at: cursor, text: letters[Math.floor(next() * letters.length)] })
      cursor++
      length++
    }
  }
  return trace
}

export const suite: Suite = {
  name: 'models',
  async run (report) {
    // models.object.process: decode + apply 100k set mutations.
    const mutations = setMutations()
    const metas = mutations.map((_, i) => meta(i))
    {
      const warm = new ObjectModel()
      for (let i = 0; i < 10_000; i++) warm.processEncoded(mutations[i], metas[i])
    }
    const model = new ObjectModel()
    const processMs = await timeMs(async () => {
      for (let i = 0; i < COUNT; i++) model.processEncoded(mutations[i], metas[i])
    })
    report({ name: 'models.object.process', value: COUNT / (processMs / 1000), unit: 'mutations/s', better: 'higher' })

    // Snapshot and restore of one model with 100k keys.
    const big = bigObject()
    let snapshot = big.snapshotEncoded() // warm-up
    const snapshotMs = await timeMs(async () => { snapshot = big.snapshotEncoded() })
    report({ name: 'models.object.snapshot-100k', value: snapshotMs, unit: 'ms', better: 'lower' })
    new ObjectModel().restoreEncoded(snapshot) // warm-up
    const restored = new ObjectModel()
    const restoreMs = await timeMs(async () => { restored.restoreEncoded(snapshot) })
    report({ name: 'models.object.restore-100k', value: restoreMs, unit: 'ms', better: 'lower' })
    if (restored.get('key99999') !== big.get('key99999')) throw new Error('restore-100k: restored state differs')
    report({ name: 'models.object.snapshot-100k.size', value: snapshot.length / 1e6, unit: 'MB', better: 'lower' })

    // Heap of 100k small items (5 properties each, written in one mutation as echo-db's createItem does).
    const before = heapUsedMB()
    const items: ObjectModel[] = []
    for (let i = 0; i < COUNT; i++) {
      const item = new ObjectModel()
      item.processEncoded(ObjectModel.encodeProps({
        title: `item ${i}`, done: i % 2 === 0, priority: i % 5, owner: `user${i % 100}`, created: 1_700_000_000_000 + i
      }), meta(i))
      items.push(item)
    }
    report({ name: 'models.object.heap-100k-items', value: heapUsedMB() - before, unit: 'MB', better: 'lower' })
    if (items[COUNT - 1].get('priority') !== (COUNT - 1) % 5) throw new Error('heap-100k-items: wrong state')
    items.length = 0

    // models.text.trace: a 100k-operation editing trace through TextModel's write path, each edit processed
    // as echo-db would process it (encode, decode, apply) before the next.
    const trace = editingTrace()
    const written: Uint8Array[] = []
    let block = 0
    const text: TextModel = new TextModel(TextModel.type, {
      feedKey: FEED_KEY,
      writer: async (mutation) => {
        written.push(mutation)
        text.processEncoded(mutation, meta(block++))
      }
    })
    const traceMs = await timeMs(async () => {
      for (const edit of trace) {
        if (edit.insert) await text.insert(edit.at, edit.text)
        else await text.delete(edit.at, edit.length)
      }
    })
    report({ name: 'models.text.trace', value: traceMs, unit: 'ms', better: 'lower' })

    // The same trace's mutations processed by another replica.
    const replica = new TextModel()
    const replayMs = await timeMs(async () => {
      for (let i = 0; i < written.length; i++) replica.processEncoded(written[i], meta(i))
    })
    report({ name: 'models.text.trace.replay', value: replayMs, unit: 'ms', better: 'lower' })
    if (replica.text !== text.text) throw new Error('text.trace: the replica differs from the writer')
  }
}
