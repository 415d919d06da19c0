import fc from 'fast-check'
import { Feed, RECENT_APPENDED_BYTES } from './feed'
import { decodeFeedBlock, encodeFeedBlock } from './feed-block'
import { FeedReader, type ReadBlock } from './feed-reader'
import { FeedWriter } from './feed-writer'
import { Timeframe } from './timeframe'
import { Cleanup, take, textCodec } from './test-fixtures/helpers'

// A FeedWriter hands the blocks it appends to the readers of the same process, so they need not read back from
// storage what was just written. These tests check that what a reader gets that way is exactly what storage holds,
// whoever else appends to or truncates the feed, and that the blocks kept for it are bounded.

const cleanup = new Cleanup()
afterEach(async () => await cleanup.run())

function reader (): FeedReader<string> {
  const r = new FeedReader<string>({ codec: textCodec, maxBlockBytes: 1024 * 1024 })
  cleanup.defer(async () => await r.close())
  return r
}

/** A block appended behind the FeedWriter's back, straight through hypercore. */
function rawBlock (text: string): Buffer {
  return Buffer.from(encodeFeedBlock(new Timeframe().toProto(), [Buffer.from(text)]))
}


async function stored (feed: Feed): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < feed.length; i++) {
    const block = decodeFeedBlock(await feed.core.get(i) as Buffer)
    out.push(block.messages.map((m) => Buffer.from(m).toString()).join('+'))
  }
  return out
}

/** Bytes of the blocks the reader was handed without a storage read (`get` spied on), and how many. */
function cacheHits (feed: Feed, delivered: Array<ReadBlock<string>>, get: jest.SpyInstance): { blocks: number, bytes: number } {
  const read = new Set(get.mock.calls.map((call) => call[0] as number))
  const hits = delivered.filter((b) => !read.has(b.blockIndex))
  return { blocks: hits.length, bytes: hits.reduce((sum, b) => sum + b.messages.reduce((s, m) => s + m.message.length, 0), 0) }
}

const text = (blocks: Array<ReadBlock<string>>): string[] => blocks.map((b) => b.messages.map((m) => m.message).join('+'))

describe('blocks handed from a FeedWriter to local readers', () => {
  test('another appender getting in first does not make the reader deliver the writer\'s block at its index', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    const r = reader()
    r.addFeed(feed)
    // The direct append takes hypercore's append lock first: 'B' lands at 0, the writer's 'A' at 1.
    const direct = feed.core.append(rawBlock('B'))
    const position = writer.write('A')
    await direct
    expect(await position).toMatchObject({ blockIndex: 1, indexInBlock: 0 })
    expect(text(await take(r, 2))).toEqual(['B', 'A'])
    expect(await stored(feed)).toEqual(['B', 'A'])
  })

  test('a truncation drops the blocks kept for readers: a block appended later at that index is read as stored', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    const r = reader()
    r.setEnd(feed.key, 0) // attached, but takes nothing yet
    r.addFeed(feed)
    await writer.write('A')
    await feed.core.truncate(0)
    await feed.core.append(rawBlock('C'))
    r.setEnd(feed.key, undefined)
    expect(text(await take(r, 1))).toEqual(['C'])
    expect(await writer.write('D')).toMatchObject({ blockIndex: 1 })
    expect(text(await take(r, 1))).toEqual(['D'])
  })

  test('property: whatever mix of writer writes and direct appends, the reader delivers exactly what is stored', async () => {
    const store = await cleanup.store()
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
      async (rounds) => {
        const feed = await store.createFeed()
        const writer = new FeedWriter(feed, { codec: textCodec })
        const r = new FeedReader<string>({ codec: textCodec })
        try {
          r.addFeed(feed)
          let n = 0
          for (const round of rounds) {
            // One round is issued in one tick: writer writes coalesce, direct appends interleave with them.
            await Promise.all(round.map(async (viaWriter) => {
              const label = `${viaWriter ? 'w' : 'd'}${n++}`
              if (viaWriter) await writer.write(label)
              else await feed.core.append(rawBlock(label))
            }))
          }
          const delivered = text(await take(r, feed.length))
          expect(delivered).toEqual(await stored(feed))
        } finally {
          await r.close()
          await writer.close()
        }
      }), { numRuns: 15 })
  })

  test('a second FeedWriter on another Feed object of the same core cannot poison the first one\'s readers', async () => {
    const store = await cleanup.store()
    const feed = await store.createFeed()
    const session = store.corestore.get({ key: feed.key })
    await session.ready()
    cleanup.defer(async () => await session.close())
    const other = new Feed(session)
    const mine = new FeedWriter(feed, { codec: textCodec })
    const theirs = new FeedWriter(other, { codec: textCodec })
    const r = reader()
    r.addFeed(feed)
    const positions = await Promise.all([theirs.write('T'), mine.write('M')])
    const delivered = text(await take(r, 2))
    expect(delivered).toEqual(await stored(feed))
    expect(delivered[positions[1].blockIndex]).toBe('M')
    expect(delivered[positions[0].blockIndex]).toBe('T')
  })
})

describe('memory kept for local readers', () => {
  const MESSAGE = 'x'.repeat(1000)

  test('nothing is kept for a feed no reader reads', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    await Promise.all(Array.from({ length: 3000 }, async () => await writer.write(MESSAGE)))
    expect(feed.length).toBeGreaterThan(40)
    expect(feed.appendedBytes).toBe(0)
  })

  test('a reader that does not keep up: the blocks kept stay within the bound, and everything is delivered right', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    const r = reader()
    r.addFeed(feed)
    const get = jest.spyOn(feed.core, 'get')
    let written = 0
    for (let burst = 0; burst < 4; burst++) {
      // ~1 MiB per burst, in 64 KiB blocks, while the reader takes nothing.
      await Promise.all(Array.from({ length: 1000 }, async () => { written++; return await writer.write(MESSAGE) }))
      expect(feed.appendedBytes).toBeLessThanOrEqual(RECENT_APPENDED_BYTES)
    }
    const delivered = await take(r, feed.length)
    expect(delivered.reduce((n, b) => n + b.messages.length, 0)).toBe(written)
    for (const block of delivered) for (const m of block.messages) expect(m.message).toBe(MESSAGE)
    // Whatever the reader got without reading storage was held in memory: the kept blocks plus its one head.
    const hits = cacheHits(feed, delivered, get)
    expect(hits.bytes).toBeLessThanOrEqual(RECENT_APPENDED_BYTES + writer.maxBlockBytes)
    expect(feed.appendedBytes).toBe(0)
  })

  test('several feeds: each keeps at most the bound, and the reader still delivers every block of every feed', async () => {
    const store = await cleanup.store()
    const feeds = await Promise.all([0, 1, 2].map(async () => await store.createFeed()))
    const writers = feeds.map((feed) => new FeedWriter(feed, { codec: textCodec }))
    const r = reader()
    for (const feed of feeds) r.addFeed(feed)
    for (let burst = 0; burst < 3; burst++) {
      await Promise.all(writers.flatMap((writer) => Array.from({ length: 1000 }, async () => await writer.write(MESSAGE))))
      for (const feed of feeds) expect(feed.appendedBytes).toBeLessThanOrEqual(RECENT_APPENDED_BYTES)
    }
    const total = feeds.reduce((n, feed) => n + feed.length, 0)
    const delivered = await take(r, total)
    for (const feed of feeds) {
      const own = delivered.filter((b) => b.feedId === feed.id)
      expect(own.map((b) => b.blockIndex)).toEqual(Array.from({ length: feed.length }, (_, i) => i))
      expect(own.reduce((n, b) => n + b.messages.length, 0)).toBe(3000)
    }
  })

  test('the small blocks of awaited writes reach a keeping-up reader without storage reads', async () => {
    const feed = await (await cleanup.store()).createFeed()
    const writer = new FeedWriter(feed, { codec: textCodec })
    const r = reader()
    r.addFeed(feed)
    const get = jest.spyOn(feed.core, 'get')
    const delivered: Array<ReadBlock<string>> = []
    for (let i = 0; i < 20; i++) {
      await writer.write(`m${i}`)
      delivered.push(...await take(r, 1))
    }
    expect(text(delivered)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`))
    expect(get).not.toHaveBeenCalled()
    expect(feed.appendedBytes).toBe(0)
  })
})
