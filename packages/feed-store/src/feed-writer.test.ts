import fc from 'fast-check'
import { decodeFeedBlock } from './feed-block'
import {
  AppendFailedError, FeedNotWritableError, InvalidOptionError, MessageTooLargeError, WriterClosedError, WriterExistsError
} from './feed-errors'
import type { Feed } from './feed'
import { FeedWriter, type Position } from './feed-writer'
import { Timeframe } from './timeframe'
import { Cleanup, textCodec } from './test-fixtures/helpers'

const cleanup = new Cleanup()
afterEach(async () => await cleanup.run())

async function readBlocks (feed: Feed): Promise<Array<{ timeframe: Timeframe, messages: string[], bytes: number }>> {
  const out = []
  for (let i = 0; i < feed.length; i++) {
    const bytes = await feed.core.get(i) as Buffer
    const block = decodeFeedBlock(bytes)
    out.push({ timeframe: block.timeframe, messages: block.messages.map((m) => Buffer.from(m).toString()), bytes: bytes.byteLength })
  }
  return out
}

function expectIncreasing (positions: Position[]): void {
  for (let i = 1; i < positions.length; i++) {
    const a = positions[i - 1]
    const b = positions[i]
    expect(b.blockIndex > a.blockIndex || (b.blockIndex === a.blockIndex && b.indexInBlock > a.indexInBlock)).toBe(true)
  }
}

describe('FeedWriter', () => {
  test('a lone awaited write is one block; its position names it', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    expect(await writer.write('a')).toEqual({ feedKey: feed.key, blockIndex: 0, indexInBlock: 0 })
    expect(await writer.write('b')).toEqual({ feedKey: feed.key, blockIndex: 1, indexInBlock: 0 })
    expect((await readBlocks(feed)).map((b) => b.messages)).toEqual([['a'], ['b']])
  })

  test('coalescing: many concurrent writes make few blocks; positions distinct and in write order', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 4096 })
    const texts = Array.from({ length: 2000 }, (_, i) => `message ${i}`)
    const positions = await Promise.all(texts.map(async (t) => await writer.write(t)))
    expectIncreasing(positions)
    const blocks = await readBlocks(feed)
    // ~2000 * 14 bytes / 4 KiB: a handful of blocks, not 2000.
    expect(blocks.length).toBeLessThan(12)
    for (const block of blocks) expect(block.bytes).toBeLessThanOrEqual(4096)
    expect(blocks.flatMap((b) => b.messages)).toEqual(texts)
    for (let i = 0; i < texts.length; i++) {
      const { blockIndex, indexInBlock } = positions[i]
      expect(blocks[blockIndex].messages[indexInBlock]).toBe(texts[i])
    }
    expect(writer.blocksAppended).toBe(blocks.length)
    expect(writer.messagesAppended).toBe(2000)
  })

  test('writes made while an append is in flight go into the next block together', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    const first = writer.write('first')
    await Promise.resolve() // the first block is sealed and its append is in flight
    const later = [writer.write('x'), writer.write('y')]
    for (let i = 0; i < 3; i++) await Promise.resolve()
    later.push(writer.write('z'))
    const positions = await Promise.all([first, ...later])
    expect(positions.map((p) => p.blockIndex)).toEqual([0, 1, 1, 1])
    expect(positions.map((p) => p.indexInBlock)).toEqual([0, 0, 1, 2])
  })

  test('writeAll puts its messages in one block, even among other writes', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 200 })
    const fill = Array.from({ length: 10 }, (_, i) => writer.write(`filler ${i}`.padEnd(30, '.')))
    const set = writer.writeAll(['genesis', 'm1', 'm2'])
    await Promise.all(fill)
    const positions = await set
    expect(new Set(positions.map((p) => p.blockIndex)).size).toBe(1)
    expect(positions.map((p) => p.indexInBlock)).toEqual([0, 1, 2].map((i) => i + positions[0].indexInBlock))
    const blocks = await readBlocks(feed)
    expect(blocks[positions[0].blockIndex].messages.slice(positions[0].indexInBlock, positions[0].indexInBlock + 3)).toEqual(['genesis', 'm1', 'm2'])
    expect(await writer.writeAll([])).toEqual([])
  })

  test('an oversized message is rejected with its size and the bound; the rest of the batch is written', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 100 })
    const results = await Promise.allSettled([writer.write('ok 1'), writer.write('x'.repeat(200)), writer.write('ok 2')])
    expect(results[0].status).toBe('fulfilled')
    expect(results[2].status).toBe('fulfilled')
    const err = (results[1] as PromiseRejectedResult).reason
    expect(err).toBeInstanceOf(MessageTooLargeError)
    expect(err.code).toBe('MESSAGE_TOO_LARGE')
    expect(err.size).toBe(203)
    expect(err.bound).toBe(100)
    expect(err.message).toMatch(/203 bytes.*100 bytes/)
    await expect(writer.writeAll(['a'.repeat(60), 'b'.repeat(60)])).rejects.toBeInstanceOf(MessageTooLargeError)
    expect((await readBlocks(feed)).flatMap((b) => b.messages)).toEqual(['ok 1', 'ok 2'])
    expect(writer.writesRejected).toBe(2)
  })

  test('a message that fits alone but not with the timeframe is rejected at seal, the others are written', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const timeframe = new Timeframe([[Buffer.alloc(32, 1), 5], [Buffer.alloc(32, 2), 7]])
    const writer = new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 100, timeframe: () => timeframe })
    const results = await Promise.allSettled([writer.write('y'.repeat(80)), writer.write('small')])
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(MessageTooLargeError)
    expect(results[1].status).toBe('fulfilled')
  })

  test('the timeframe provider is called when a block is sealed and stored in the block', async () => {
    const feed = await (await cleanup.store()).createFeed()
    let calls = 0
    const tf = new Timeframe()
    const writer = new FeedWriter(feed, { codec: textCodec, timeframe: () => { calls++; return tf } })
    tf.set(Buffer.alloc(32, 3), 1)
    const a = writer.write('a')
    const b = writer.write('b')
    expect(calls).toBe(0)
    await Promise.all([a, b])
    expect(calls).toBe(1)
    tf.set(Buffer.alloc(32, 3), 4)
    await writer.write('c')
    expect(calls).toBe(2)
    const blocks = await readBlocks(feed)
    expect(blocks[0].timeframe.get(Buffer.alloc(32, 3))).toBe(1)
    expect(blocks[1].timeframe.get(Buffer.alloc(32, 3))).toBe(4)
  })

  test('a failing timeframe provider rejects the writes of that seal only', async () => {
    const feed = await (await cleanup.store()).createFeed()
    let fail = true
    const writer = new FeedWriter(feed, {
      codec: textCodec,
      timeframe: () => { if (fail) throw new Error('no timeframe'); return new Timeframe() }
    })
    await expect(writer.write('a')).rejects.toThrow('no timeframe')
    fail = false
    expect(await writer.write('b')).toMatchObject({ blockIndex: 0 })
  })

  test('an append failure rejects exactly the writes of that append', async () => {
    const store = await cleanup.store()
    const feed = await store.createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    await writer.write('before')
    const doomed = [writer.write('a'), writer.write('b')]
    await feed.core.close() // the append of 'a' and 'b' fails
    const results = await Promise.allSettled(doomed)
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AppendFailedError)
    }
    expect(writer.writesRejected).toBe(2)
  })

  test('refuses feeds that are not writable and bad bounds', async () => {
    const store = await cleanup.store()
    const remote = await store.openFeed(Buffer.alloc(32, 4))
    expect(() => new FeedWriter(remote, { codec: textCodec })).toThrow(FeedNotWritableError)
    const feed = await store.createFeed()
    expect(() => new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 10 })).toThrow(InvalidOptionError)
    expect(() => new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 16 * 1024 * 1024 })).toThrow(InvalidOptionError)
  })

  test('one writer per feed: a second FeedWriter is refused, naming the feed, until the first is closed', async () => {
    const store = await cleanup.store()
    const feed = await store.createFeed()
    const other = await store.createFeed()
    // A constructor that fails on its options does not take the feed.
    expect(() => new FeedWriter(feed, { codec: textCodec, maxBlockBytes: 1 })).toThrow(InvalidOptionError)
    const first = new FeedWriter(feed, { codec: textCodec })
    let refused: unknown
    try {
      new FeedWriter(feed, { codec: textCodec }) // eslint-disable-line no-new
    } catch (err) {
      refused = err
    }
    expect(refused).toBeInstanceOf(WriterExistsError)
    expect(refused).toMatchObject({ code: 'WRITER_EXISTS', message: expect.stringContaining(feed.id) })
    // The refusal changed nothing: the first writer goes on, and other feeds take writers.
    expect(await first.write('a')).toMatchObject({ blockIndex: 0 })
    expect(await new FeedWriter(other, { codec: textCodec }).write('o')).toMatchObject({ blockIndex: 0 })
    const closing = first.close()
    expect(() => new FeedWriter(feed, { codec: textCodec })).toThrow(WriterExistsError) // still settling
    await closing
    const second = new FeedWriter(feed, { codec: textCodec })
    expect(await second.write('b')).toMatchObject({ blockIndex: 1 })
    expect((await readBlocks(feed)).map((b) => b.messages)).toEqual([['a'], ['b']])
  })

  test('a codec that throws rejects that write only', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter<string>(feed, {
      codec: { encode: (s) => { if (s === 'bad') throw new Error('cannot encode'); return Buffer.from(s) }, decode: (b) => b.toString() }
    })
    const results = await Promise.allSettled([writer.write('good'), writer.write('bad')])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
  })

  test('flush waits for earlier writes; close settles pending writes and refuses new ones', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    await writer.flush()
    let settled = 0
    for (let i = 0; i < 50; i++) void writer.write(`m${i}`).then(() => settled++)
    expect(writer.pending).toBe(50)
    await writer.flush()
    expect(settled).toBe(50)
    void writer.write('last').then(() => settled++)
    await writer.close()
    expect(settled).toBe(51)
    await expect(writer.write('after')).rejects.toBeInstanceOf(WriterClosedError)
    await expect(writer.writeAll(['after'])).rejects.toBeInstanceOf(WriterClosedError)
  })

  test('property: any mix of sizes packs in order, every block within the bound, nothing lost', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const bound = 300
    const writer = new FeedWriter(feed, { codec: textCodec, maxBlockBytes: bound })
    let written: string[] = []
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(fc.integer({ min: 0, max: 350 }).map((n) => ({ kind: 'one' as const, n })),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 4 }).map((ns) => ({ kind: 'all' as const, ns }))),
      { maxLength: 30 }),
      async (ops) => {
        const attempts = ops.map((op, k) => op.kind === 'one'
          ? writer.write(`${k}:`.padEnd(op.n, 'x')).then((p) => ({ texts: [`${k}:`.padEnd(op.n, 'x')], positions: [p] }))
          : writer.writeAll(op.ns.map((n, j) => `${k}.${j}:`.padEnd(n, 'y'))).then((ps) => ({ texts: op.ns.map((n, j) => `${k}.${j}:`.padEnd(n, 'y')), positions: ps })))
        const results = await Promise.allSettled(attempts)
        const ok = results.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(MessageTooLargeError)
        expectIncreasing(ok.flatMap((r) => r.positions))
        written = written.concat(ok.flatMap((r) => r.texts))
      }), { numRuns: 40 })
    const blocks = await readBlocks(feed)
    for (const block of blocks) expect(block.bytes).toBeLessThanOrEqual(bound)
    expect(blocks.flatMap((b) => b.messages)).toEqual(written)
  })
})
