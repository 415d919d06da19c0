// Fuzzing the decoders a peer's bytes reach first: FeedBlock and Timeframe, with random bytes and with valid
// encodings mutated (bits flipped, bytes inserted or deleted, truncation), and the FeedReader over such blocks.
import fc from 'fast-check'
import { echo } from '@echodb/proto'
import { decodeFeedBlock, encodeFeedBlock } from './feed-block'
import { BlockDecodeError, InvalidTimeframeError } from './feed-errors'
import { FeedReader } from './feed-reader'
import { Timeframe } from './timeframe'
import { Cleanup } from './test-fixtures/helpers'
import { byteEdits, mutate } from './test-fixtures/byte-edits'

const cleanup = new Cleanup()
afterEach(async () => await cleanup.run())

const key = fc.uint8Array({ minLength: 32, maxLength: 32 })
const timeframeArb = fc.uniqueArray(fc.tuple(key, fc.integer({ min: 0, max: 0xffffffff })), {
  maxLength: 6,
  selector: ([k]) => Buffer.from(k).toString('hex')
}).map((entries) => new Timeframe(entries))
const messagesArb = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 })
const blockArb = fc.tuple(timeframeArb, messagesArb).map(([timeframe, messages]) => ({ timeframe, messages, bytes: encodeFeedBlock(timeframe.toProto(), messages) }))

const editsArb = byteEdits(6)


/** Whatever decodes must satisfy the wire rules: it re-encodes to a block that decodes to the same thing. */
function checkDecoded (bytes: Uint8Array): void {
  let decoded
  try {
    decoded = decodeFeedBlock(bytes)
  } catch (err) {
    expect(err).toBeInstanceOf(BlockDecodeError)
    return
  }
  const again = decodeFeedBlock(encodeFeedBlock(decoded.timeframe.toProto(), decoded.messages))
  expect(again.timeframe.equals(decoded.timeframe)).toBe(true)
  expect(again.messages.map((m) => Buffer.from(m))).toEqual(decoded.messages.map((m) => Buffer.from(m)))
  for (const [id, length] of decoded.timeframe.ids()) {
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(Number.isInteger(length) && length > 0 && length <= 0xffffffff).toBe(true)
  }
}

test('random bytes either decode to a valid block or fail with BlockDecodeError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), checkDecoded), { numRuns: 2000 })
})

test('valid blocks round-trip; mutated ones decode to a valid block or fail with BlockDecodeError', () => {
  fc.assert(fc.property(blockArb, editsArb, ({ timeframe, messages, bytes }, edits) => {
    const decoded = decodeFeedBlock(bytes)
    expect(decoded.timeframe.equals(timeframe)).toBe(true)
    expect(decoded.messages.map((m) => Buffer.from(m))).toEqual(messages.map((m) => Buffer.from(m)))
    checkDecoded(mutate(bytes, edits))
  }), { numRuns: 1000 })
})

test('timeframes that break the wire rules are refused with InvalidTimeframeError, never anything else', () => {
  const entry = fc.record({ feedKey: fc.uint8Array({ maxLength: 40 }), length: fc.integer({ min: 0, max: 0xffffffff }) })
  fc.assert(fc.property(fc.array(entry, { maxLength: 5 }), fc.uint8Array({ maxLength: 100 }), (entries, random) => {
    for (const bytes of [echo.Timeframe.encode({ entries }).finish(), random]) {
      let timeframe: Timeframe
      try {
        timeframe = Timeframe.decode(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidTimeframeError)
        continue
      }
      // Accepted: keys are 32 bytes, strictly increasing, so the wire form round-trips exactly.
      expect(Timeframe.decode(timeframe.encode()).equals(timeframe)).toBe(true)
      const ids = [...timeframe.ids()].map(([id]) => id)
      expect([...ids].sort()).toEqual(ids)
    }
  }), { numRuns: 1000 })
})

test('a reader over a feed of random and mutated blocks delivers every position once, in order, and reports the bad ones', async () => {
  const store = await cleanup.store()
  const bytesCodec = { encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b }
  await fc.assert(fc.asyncProperty(
    fc.array(fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.tuple(blockArb, editsArb).map(([b, e]) => mutate(b.bytes, e)), blockArb.map((b) => b.bytes)), { minLength: 1, maxLength: 12 }),
    async (blocks) => {
      const feed = await store.createFeed()
      const stored = blocks // empty blocks included: hypercore stores them, and zero bytes are a valid empty FeedBlock
      await feed.core.append(stored.map((b) => Buffer.from(b)))
      const reader = new FeedReader<Uint8Array>({ codec: bytesCodec })
      let errors = 0
      reader.on('decode-error', (e) => { if (e.indexInBlock === undefined) errors++ })
      try {
        reader.addFeed(feed)
        for (let i = 0; i < stored.length; i++) {
          const next = await reader.next()
          expect(next.done).toBe(false)
          const block = next.value!
          expect(block.blockIndex).toBe(i)
          let valid = true
          try { decodeFeedBlock(stored[i]) } catch { valid = false }
          expect(block.decodeError === undefined).toBe(valid)
        }
        expect(errors).toBe(stored.filter((b) => { try { decodeFeedBlock(b); return false } catch { return true } }).length)
        expect(reader.progress()[0].delivered).toBe(stored.length)
      } finally {
        await reader.close()
      }
    }
  ), { numRuns: 25 })
})
