import fc from 'fast-check'
import { BlockDecodeError } from './feed-errors'
import { decodeFeedBlock, encodeFeedBlock, framedSize, varintSize } from './feed-block'
import { Timeframe } from './timeframe'

const arbTimeframe = fc.array(fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 6 })
  .map((entries) => new Timeframe(entries))
const arbMessages = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 })

describe('FeedBlock', () => {
  test('varintSize matches the varint encoding boundaries', () => {
    expect([0, 127, 128, 16383, 16384, 2 ** 32 - 1].map(varintSize)).toEqual([1, 1, 2, 2, 3, 5])
  })

  test('property: encode/decode round-trips timeframe and messages; size is the sum of framed fields', () => {
    fc.assert(fc.property(arbTimeframe, arbMessages, (timeframe, messages) => {
      const proto = timeframe.toProto()
      const bytes = encodeFeedBlock(proto, messages)
      const predicted = framedSize(timeframe.encode().byteLength) + messages.reduce((n, m) => n + framedSize(m.byteLength), 0)
      expect(bytes.byteLength).toBe(predicted)
      const back = decodeFeedBlock(bytes)
      expect(back.timeframe.equals(timeframe)).toBe(true)
      expect(back.messages.map((m) => Buffer.from(m).toString('hex'))).toEqual(messages.map((m) => Buffer.from(m).toString('hex')))
    }))
  })

  test('property: arbitrary bytes either decode or fail with BlockDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        const block = decodeFeedBlock(bytes)
        expect(block.timeframe).toBeInstanceOf(Timeframe)
      } catch (err) {
        expect(err).toBeInstanceOf(BlockDecodeError)
      }
    }))
  })

  test('property: mutated valid blocks never throw anything but BlockDecodeError', () => {
    fc.assert(fc.property(arbTimeframe, arbMessages, fc.nat(), fc.integer({ min: 0, max: 255 }), (tf, messages, at, value) => {
      const bytes = Buffer.from(encodeFeedBlock(tf.toProto(), messages))
      if (bytes.length > 0) bytes[at % bytes.length] = value
      try {
        decodeFeedBlock(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(BlockDecodeError)
      }
    }))
  })

  test('a block with no timeframe field decodes with an empty timeframe', () => {
    // field 2 (messages) only: tag 0x12, length 1, 'a'
    const back = decodeFeedBlock(Buffer.from([0x12, 0x01, 0x61]))
    expect(back.timeframe.size).toBe(0)
    expect(Buffer.from(back.messages[0]).toString()).toBe('a')
  })
})
