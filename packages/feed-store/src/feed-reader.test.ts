import type { Codec } from './codec'
import { encodeFeedBlock } from './feed-block'
import type { Feed } from './feed'
import { FeedReader, type DecodeErrorEvent, type ReadBlock } from './feed-reader'
import { FeedWriter } from './feed-writer'
import { causalSelector, type Selector } from './selector'
import { Timeframe } from './timeframe'
import { Cleanup, jsonCodec, pipeStores, take, textCodec } from './test-fixtures/helpers'

const cleanup = new Cleanup()
afterEach(async () => await cleanup.run())

function reader<T = string> (options: { selector?: Selector, codec?: Codec<T> } = {}): FeedReader<T> {
  const r = new FeedReader<T>({ codec: options.codec ?? (textCodec as unknown as Codec<T>), selector: options.selector })
  cleanup.defer(async () => await r.close())
  return r
}


/** Appends one block per message (awaited), each stamped with the timeframe given. */
async function appendBlocks (feed: Feed, blocks: Array<{ text: string, timeframe?: Timeframe }>): Promise<void> {
  for (const b of blocks) await feed.core.append(Buffer.from(encodeFeedBlock((b.timeframe ?? new Timeframe()).toProto(), [Buffer.from(b.text)])))
}

const label = (blocks: Array<ReadBlock<string>>): string[] => blocks.map((b) => b.messages.map((m) => m.message).join('+'))

/** Resolves to 'pending' if `promise` has not settled within a few event-loop turns. */
async function stillPending (promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  void promise.then(() => { settled = true }, () => { settled = true })
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  return !settled
}

/** Holds every `get` on the feed's core until `release()` (a storage read in flight). */
function heldGets (feed: Feed): { get: jest.SpyInstance, release: () => void } {
  const real = feed.core.get.bind(feed.core)
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const get = jest.spyOn(feed.core, 'get').mockImplementation(async (index, opts) => {
    await gate
    return await real(index, opts)
  })
  return { get, release }
}

/** Counts every call that reads or asks for a core's data (get, has, update, info). */
function spyReads (feed: Feed): () => number {
  const spies = [
    jest.spyOn(feed.core, 'get'), jest.spyOn(feed.core, 'has'), jest.spyOn(feed.core, 'update'), jest.spyOn(feed.core, 'info')
  ]
  return () => spies.reduce((n, spy) => n + spy.mock.calls.length, 0)
}

describe('FeedReader', () => {
  test('delivers one feed in order with positions, then waits live for new blocks', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    await writer.write('a')
    await writer.writeAll(['b', 'c'])
    const r = reader()
    r.addFeed(feed)
    const [first, second] = await take(r, 2)
    expect(first.feedKey.equals(feed.key)).toBe(true)
    expect(first.blockIndex).toBe(0)
    expect(first.messages).toEqual([{ indexInBlock: 0, message: 'a' }])
    expect(second.blockIndex).toBe(1)
    expect(second.messages).toEqual([{ indexInBlock: 0, message: 'b' }, { indexInBlock: 1, message: 'c' }])
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    await writer.write('d')
    const third = await pending
    expect(third.value?.messages[0].message).toBe('d')
    expect(r.stats).toMatchObject({ blocks: 3, messages: 4, corruptBlocks: 0 })
  })

  test('default selector orders heads by timeframe sum, then feed key, then block index', async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    const tf = (sum: number): Timeframe => new Timeframe([[Buffer.alloc(32, 0xee), sum]].filter(([, n]) => n !== 0) as Array<[Buffer, number]>)
    await appendBlocks(a, [{ text: 'a0', timeframe: tf(0) }, { text: 'a1', timeframe: tf(2) }, { text: 'a2', timeframe: tf(4) }])
    await appendBlocks(b, [{ text: 'b0', timeframe: tf(1) }, { text: 'b1', timeframe: tf(3) }, { text: 'b2', timeframe: tf(4) }])
    const r = reader()
    r.addFeed(a)
    r.addFeed(b)
    const [lower, higher] = a.id < b.id ? ['a2', 'b2'] : ['b2', 'a2']
    expect(label(await take(r, 6))).toEqual(['a0', 'b0', 'a1', 'b1', lower, higher])
  })

  test('a custom selector decides which head is delivered, and may hold all of them', async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    await appendBlocks(a, [{ text: 'a0' }, { text: 'a1' }])
    await appendBlocks(b, [{ text: 'b0' }, { text: 'b1' }])
    let allowA = false
    const seen: number[] = []
    const r = reader({
      selector: (candidates) => {
        seen.push(candidates.length)
        return candidates.find((c) => c.feedId === b.id) ?? (allowA ? candidates[0] : undefined)
      }
    })
    r.addFeed(a)
    r.addFeed(b)
    expect(label(await take(r, 2))).toEqual(['b0', 'b1'])
    // Both heads were candidates together: at most one block per feed.
    expect(Math.max(...seen)).toBe(2)
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    allowA = true
    r.reconsider()
    expect((await pending).value?.messages[0].message).toBe('a0')
  })

  test('the causal selector holds a block until its timeframe is processed', async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    // b0 was written after its writer processed a0 and a1.
    await appendBlocks(b, [{ text: 'b0', timeframe: new Timeframe([[a.key, 2]]) }])
    const processed = new Timeframe()
    const r = reader({ selector: causalSelector(() => processed) })
    r.addFeed(a)
    r.addFeed(b)
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    await appendBlocks(a, [{ text: 'a0' }, { text: 'a1' }])
    const delivered: string[] = []
    let result = await pending
    for (let i = 0; i < 3; i++) {
      const block = result.value as ReadBlock<string>
      delivered.push(block.messages[0].message)
      processed.set(block.feedKey, block.blockIndex + 1)
      if (i < 2) result = await r.next()
    }
    expect(delivered).toEqual(['a0', 'a1', 'b0'])
  })

  test("'idle' fires when a consumer waits and nothing stored is eligible, and again after later deliveries", async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    await appendBlocks(a, [{ text: 'a0' }])
    await appendBlocks(b, [{ text: 'b0', timeframe: new Timeframe([[a.key, 5]]) }]) // waits for a0..a4
    const processed = new Timeframe()
    const r = reader({ selector: causalSelector(() => processed) })
    let idles = 0
    r.on('idle', () => { idles++ })
    r.addFeed(a)
    r.addFeed(b)
    const first = await r.next()
    processed.set(a.key, 1)
    expect(first.value?.messages[0].message).toBe('a0')
    expect(r.idle).toBe(false)
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    expect(r.idle).toBe(true) // b0 is stored but not eligible: idle
    expect(idles).toBe(1)
    await appendBlocks(a, [{ text: 'a1' }])
    expect((await pending).value?.messages[0].message).toBe('a1')
    expect(r.idle).toBe(false)
    expect(await stillPending(r.next())).toBe(true)
    expect(idles).toBe(2)
  })

  test('feeds added mid-stream join the order; start resumes at a given block', async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    await appendBlocks(a, [{ text: 'a0' }, { text: 'a1' }])
    await appendBlocks(b, [{ text: 'b0' }, { text: 'b1' }, { text: 'b2' }])
    const r = reader()
    r.addFeed(a)
    expect(label(await take(r, 1))).toEqual(['a0'])
    r.addFeed(b, { start: 1 })
    const rest = await take(r, 3)
    expect(label(rest).sort()).toEqual(['a1', 'b1', 'b2'])
    expect(rest.find((x) => x.feedId === b.id)?.blockIndex).toBe(1)
    expect(r.delivered().get(a.key)).toBe(2)
    expect(r.delivered().get(b.key)).toBe(3)
    expect(() => r.addFeed(a)).toThrow('already')
  })

  test('setEnd cuts a feed (also before it is added); lifting the cut resumes it', async () => {
    const store = await cleanup.store()
    const a = await store.createFeed()
    await appendBlocks(a, [{ text: 'a0' }, { text: 'a1' }, { text: 'a2' }])
    const r = reader()
    r.setEnd(a.key, 2)
    r.addFeed(a)
    expect(label(await take(r, 2))).toEqual(['a0', 'a1'])
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    expect(r.progress()).toEqual([{ feedKey: a.key, feedId: a.id, length: 3, downloaded: 3, delivered: 2, end: 2 }])
    r.setEnd(a.key, undefined)
    expect((await pending).value?.messages[0].message).toBe('a2')
  })

  test('setEnd drops a head already loaded past the cut; removeFeed stops a feed', async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    await appendBlocks(a, [{ text: 'a0' }, { text: 'a1' }])
    await appendBlocks(b, [{ text: 'b0' }])
    const r = reader({ selector: (c) => c.find((x) => x.feedId === b.id) })
    r.addFeed(a)
    r.addFeed(b)
    expect(label(await take(r, 1))).toEqual(['b0'])
    r.setEnd(a.key, 0) // a0 is loaded as a head; it must not be delivered
    expect(r.removeFeed(b.key)).toBe(true)
    expect(r.removeFeed(b.key)).toBe(false)
    expect(r.hasFeed(b.key)).toBe(false)
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    await r.close()
    expect((await pending).done).toBe(true)
  })

  test('a corrupt block is reported with feed key, block index and reason, delivered empty, and skipped', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, [{ text: 'ok0' }])
    await feed.core.append(Buffer.from([0x0a, 0xff, 0xff, 0x01])) // a timeframe field claiming more bytes than exist
    await appendBlocks(feed, [{ text: 'ok2' }])
    const events: DecodeErrorEvent[] = []
    const r = reader()
    r.on('decode-error', (e) => events.push(e))
    r.addFeed(feed)
    const blocks = await take(r, 3)
    expect(label(blocks)).toEqual(['ok0', '', 'ok2'])
    expect(blocks[1].decodeError).toMatch(/undecodable feed block/)
    expect(blocks[1].blockIndex).toBe(1)
    expect(events).toHaveLength(1)
    expect(events[0].feedKey.equals(feed.key)).toBe(true)
    expect(events[0].blockIndex).toBe(1)
    expect(events[0].indexInBlock).toBeUndefined()
    expect(typeof events[0].reason).toBe('string')
    expect(r.stats.corruptBlocks).toBe(1)
  })

  test('a block over the reader\'s bound is not decoded: it is reported and skipped like a corrupt block', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, [{ text: 'x'.repeat(200) }, { text: 'small' }])
    const events: DecodeErrorEvent[] = []
    const r = new FeedReader<string>({ codec: textCodec, maxBlockBytes: 100 })
    cleanup.defer(async () => await r.close())
    r.on('decode-error', (e) => events.push(e))
    r.addFeed(feed)
    const blocks = await take(r, 2)
    expect(label(blocks)).toEqual(['', 'small'])
    expect(blocks[0].decodeError).toMatch(/over the bound of 100 bytes/)
    expect(events.map((e) => e.blockIndex)).toEqual([0])
    expect(new FeedReader({ codec: textCodec }).maxBlockBytes).toBe(64 * 1024) // the writers' default bound
    expect(() => new FeedReader({ codec: textCodec, maxBlockBytes: 1 })).toThrow(/maxBlockBytes/)
  })

  test('an undecodable message is reported with its index; the rest of its block is delivered', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await feed.core.append(Buffer.from(encodeFeedBlock({}, [Buffer.from('{"a":1}'), Buffer.from('not json'), Buffer.from('2')])))
    const events: DecodeErrorEvent[] = []
    const r = reader<unknown>({ codec: jsonCodec })
    r.on('decode-error', (e) => events.push(e))
    r.addFeed(feed)
    const [block] = await take(r, 1)
    expect(block.messages).toEqual([{ indexInBlock: 0, message: { a: 1 } }, { indexInBlock: 2, message: 2 }])
    expect(block.rejected).toEqual([{ indexInBlock: 1, reason: expect.any(String) }])
    expect(events).toEqual([{ feedKey: feed.key, blockIndex: 0, indexInBlock: 1, reason: expect.any(String) }])
    expect(r.stats.corruptMessages).toBe(1)
  })

  test('close during a read resolves the pending next() as done and removes the listeners', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const before = feed.core.listenerCount('append') + feed.core.listenerCount('download')
    const r = reader()
    r.addFeed(feed)
    const pending = r.next()
    const second = r.next()
    expect(await stillPending(pending)).toBe(true)
    await r.close()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(await second).toEqual({ done: true, value: undefined })
    expect(await r.next()).toEqual({ done: true, value: undefined })
    expect(feed.core.listenerCount('append') + feed.core.listenerCount('download')).toBe(before)
    expect(() => r.addFeed(feed)).toThrow('closed')
  })

  test('close while a storage read is in flight: next() resolves done and the late read is dropped', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, [{ text: 'x' }, { text: 'y' }])
    const gate = heldGets(feed)
    const r = reader()
    const events: unknown[] = []
    r.on('read-error', (e) => events.push(e))
    r.on('decode-error', (e) => events.push(e))
    r.addFeed(feed)
    expect(gate.get).toHaveBeenCalledTimes(1) // block 0 is being read
    const pending = r.next()
    expect(await stillPending(pending)).toBe(true)
    await r.close()
    expect(await pending).toEqual({ done: true, value: undefined })
    gate.release()
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(r.stats).toMatchObject({ blocks: 0, readErrors: 0 })
    expect(events).toEqual([])
    expect(gate.get).toHaveBeenCalledTimes(1) // the late result started no further read
    expect(await r.next()).toEqual({ done: true, value: undefined })
  })

  test('the feed closing while a storage read is in flight is reported once; the other feeds go on', async () => {
    const store = await cleanup.store()
    const feed = await store.createFeed()
    const other = await store.createFeed()
    await appendBlocks(feed, [{ text: 'lost' }])
    await appendBlocks(other, [{ text: 'other' }])
    const gate = heldGets(feed)
    const r = reader()
    const errors: Array<{ blockIndex: number, reason: string }> = []
    r.on('read-error', (e) => errors.push(e))
    r.addFeed(feed)
    r.addFeed(other)
    const first = r.next()
    await feed.core.close()
    gate.release()
    expect(label([(await first).value as ReadBlock<string>])).toEqual(['other'])
    const next = r.next()
    expect(await stillPending(next)).toBe(true)
    expect(errors).toEqual([{ feedKey: feed.key, blockIndex: 0, reason: expect.stringMatching(/closed/i) }])
    expect(r.stats.readErrors).toBe(1)
  })

  test('a reader waiting on a replica reads nothing until replication wakes it (no polling)', async () => {
    const writerStore = await cleanup.store()
    const readerStore = await cleanup.store()
    const source = await writerStore.createFeed()
    const writer = new FeedWriter(source, { codec: textCodec })
    await writer.write('first')
    const replica = await readerStore.openFeed(source.key)
    const calls = spyReads(replica)
    const r = reader()
    r.addFeed(replica)
    const idle = new Promise((resolve) => r.once('idle', () => resolve(undefined)))
    const first = r.next()
    await idle
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(calls()).toBe(0)
    expect(await stillPending(first)).toBe(true)

    cleanup.defer(pipeStores(writerStore, readerStore))
    expect((await first).value?.messages[0].message).toBe('first')
    // Woken by the replication events: at most a look when the length is known and one when the block is there.
    expect(calls()).toBeLessThanOrEqual(2)

    // Caught up with a peer connected: waits again without reading.
    const second = r.next()
    expect(await stillPending(second)).toBe(true)
    const before = calls()
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(calls()).toBe(before)
    await writer.write('second')
    expect((await second).value?.messages[0].message).toBe('second')
    expect(calls()).toBeLessThanOrEqual(before + 2)
  })

  test('for await ... of ends when the reader is closed, and breaking out closes it', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, [{ text: 'x' }, { text: 'y' }])
    const r = reader()
    r.addFeed(feed)
    const got: string[] = []
    for await (const block of r) {
      got.push(block.messages[0].message)
      if (got.length === 2) setImmediate(() => { void r.close() })
    }
    expect(got).toEqual(['x', 'y'])
    const r2 = reader()
    r2.addFeed(feed)
    for await (const block of r2) { expect(block.blockIndex).toBe(0); break }
    expect(r2.isClosed).toBe(true)
  })

  test('holds at most one block per feed ahead of the consumer', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, Array.from({ length: 20 }, (_, i) => ({ text: `m${i}` })))
    const get = jest.spyOn(feed.core, 'get')
    const r = reader()
    r.addFeed(feed)
    await take(r, 3)
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    // Three delivered, one loaded ahead, nothing more.
    expect(get).toHaveBeenCalledTimes(4)
  })

  test('a selector that returns a foreign block fails that read', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, [{ text: 'x' }])
    const r = reader({ selector: (c) => ({ ...c[0] }) })
    r.addFeed(feed)
    await expect(r.next()).rejects.toMatchObject({ code: 'INVALID_SELECTION' })
  })

  test('live delivery of blocks replicated after the reader started (piped stream)', async () => {
    const writerStore = await cleanup.store()
    const readerStore = await cleanup.store()
    const source = await writerStore.createFeed()
    const writer = new FeedWriter(source, { codec: textCodec })
    await writer.write('before replication')
    const replica = await readerStore.openFeed(source.key)
    const r = reader()
    r.addFeed(replica)
    const first = r.next()
    expect(await stillPending(first)).toBe(true)
    cleanup.defer(pipeStores(writerStore, readerStore))
    expect((await first).value?.messages[0].message).toBe('before replication')
    // Written after the reader is already waiting on the replica.
    const burst = Array.from({ length: 500 }, (_, i) => `live ${i}`)
    await Promise.all(burst.map(async (m) => await writer.write(m)))
    const got: string[] = []
    while (got.length < burst.length) {
      const next = await r.next()
      for (const m of (next.value as ReadBlock<string>).messages) got.push(m.message)
    }
    expect(got).toEqual(burst)
    const [progress] = r.progress()
    expect(progress.delivered).toBe(replica.length)
  })

  test('a feed that cannot be read is reported once and the other feeds go on', async () => {
    const store = await cleanup.store()
    const feed = await store.createFeed()
    await appendBlocks(feed, [{ text: 'lost' }])
    const other = await (await cleanup.store()).createFeed()
    await appendBlocks(other, [{ text: 'other' }])
    await store.close()
    const r = reader()
    const errors: Array<{ feedKey: Buffer, blockIndex: number, reason: string }> = []
    r.on('read-error', (e) => errors.push(e))
    r.addFeed(feed)
    r.addFeed(other)
    expect(label(await take(r, 1))).toEqual(['other'])
    expect(errors).toEqual([{ feedKey: feed.key, blockIndex: 0, reason: expect.stringMatching(/closed/i) }])
    expect(r.stats.readErrors).toBe(1)
  })

  test('a fork that cuts delivered blocks is reported and stops the feed; a fork past them is read again', async () => {
    const store = await cleanup.store()
    const [a, b] = await Promise.all([store.createFeed(), store.createFeed()])
    await appendBlocks(a, [{ text: 'a0' }, { text: 'a1' }, { text: 'a2' }])
    await appendBlocks(b, [{ text: 'b0' }, { text: 'b1' }])
    const errors: Array<{ blockIndex: number, reason: string }> = []
    const r = reader({ selector: (c) => c.find((x) => x.feedId === b.id) ?? c.find((x) => x.blockIndex < 2) })
    r.on('read-error', (e) => errors.push(e))
    r.addFeed(a)
    r.addFeed(b)
    expect(label(await take(r, 1))).toEqual(['b0'])
    // b's head is b1 (loaded, not delivered): cutting b to 1 drops it; b1' written on the new fork is delivered.
    await b.core.truncate(1)
    await appendBlocks(b, [{ text: 'b1 after fork' }])
    expect(label(await take(r, 1))).toEqual(['b1 after fork'])
    expect(label(await take(r, 2))).toEqual(['a0', 'a1'])
    // a delivered a0 and a1: cutting it to 1 rewrites history the consumer already saw.
    await a.core.truncate(1)
    expect(errors).toEqual([{ feedKey: a.key, blockIndex: 1, reason: expect.stringMatching(/truncated to 1 blocks/) }])
    expect(r.stats.readErrors).toBe(1)
  })

  test('selectors and listeners may call back into the reader', async () => {
    const feed = await (await cleanup.store()).createFeed()
    await appendBlocks(feed, [{ text: 'a' }, { text: 'b' }])
    await feed.core.append(Buffer.from([0xff]))
    await appendBlocks(feed, [{ text: 'never' }])
    let r: FeedReader<string> | undefined
    let calls = 0
    r = reader({ selector: (c) => { calls++; r?.reconsider(); return c[0] } })
    r.on('decode-error', () => { void r?.close() })
    r.addFeed(feed)
    expect(label(await take(r, 2))).toEqual(['a', 'b'])
    const corrupt = await r.next()
    expect(corrupt.value?.decodeError).toBeDefined()
    expect(await r.next()).toEqual({ done: true, value: undefined })
    expect(calls).toBeGreaterThanOrEqual(3)
  })
})
