import fc from 'fast-check'
import { echo } from '@echodb/proto'
import { InvalidFeedKeyError, InvalidTimeframeError } from './feed-errors'
import { Timeframe, feedId } from './timeframe'

const key = (n: number): Buffer => Buffer.alloc(32, n)

// A small key space so that generated timeframes share feeds.
const arbKey = fc.integer({ min: 0, max: 7 }).map(key)
const arbTimeframe = fc.array(fc.tuple(arbKey, fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 10 })
  .map((entries) => new Timeframe(entries))

describe('Timeframe', () => {
  test('get, set, sum and size; zero entries are dropped', () => {
    const tf = new Timeframe([[key(1), 3], [key(2), 5]])
    expect(tf.get(key(1))).toBe(3)
    expect(tf.get(feedId(key(2)))).toBe(5)
    expect(tf.get(key(9))).toBe(0)
    expect(tf.sum).toBe(8)
    expect(tf.size).toBe(2)
    tf.set(key(1), 0)
    expect(tf.size).toBe(1)
    expect(tf.has(key(1))).toBe(false)
    expect(tf.sum).toBe(5)
    tf.advance(key(2), 4).advance(key(2), 7)
    expect(tf.get(key(2))).toBe(7)
    expect(tf.delete(key(2))).toBe(true)
    expect(tf.sum).toBe(0)
  })

  test('rejects bad lengths and keys', () => {
    const tf = new Timeframe()
    expect(() => tf.set(key(1), -1)).toThrow(InvalidTimeframeError)
    expect(() => tf.set(key(1), 1.5)).toThrow(InvalidTimeframeError)
    expect(() => tf.set(key(1), 2 ** 32)).toThrow(InvalidTimeframeError)
    expect(() => tf.set(Buffer.alloc(31), 1)).toThrow(InvalidFeedKeyError)
  })

  test('isSatisfiedBy compares entry by entry', () => {
    const a = new Timeframe([[key(1), 2], [key(2), 1]])
    expect(a.isSatisfiedBy(new Timeframe([[key(1), 2], [key(2), 1]]))).toBe(true)
    expect(a.isSatisfiedBy(new Timeframe([[key(1), 5], [key(2), 1], [key(3), 9]]))).toBe(true)
    expect(a.isSatisfiedBy(new Timeframe([[key(1), 1], [key(2), 9]]))).toBe(false)
    expect(a.isSatisfiedBy(new Timeframe([[key(1), 9]]))).toBe(false)
    expect(new Timeframe().isSatisfiedBy(new Timeframe())).toBe(true)
  })

  test('toProto sorts entries bytewise', () => {
    const tf = new Timeframe([[key(0xf0), 1], [key(0x01), 2], [key(0x80), 3]])
    const keys = tf.toProto().entries?.map((e) => Buffer.from(e.feedKey as Uint8Array)[0])
    expect(keys).toEqual([0x01, 0x80, 0xf0])
  })

  test('fromProto rejects unsorted, repeated and malformed keys', () => {
    const entry = (n: number, length = 1): echo.TimeframeEntry.$Properties => ({ feedKey: key(n), length })
    expect(() => Timeframe.fromProto({ entries: [entry(2), entry(1)] })).toThrow(InvalidTimeframeError)
    expect(() => Timeframe.fromProto({ entries: [entry(1), entry(1)] })).toThrow(InvalidTimeframeError)
    expect(() => Timeframe.fromProto({ entries: [{ feedKey: Buffer.alloc(5), length: 1 }] })).toThrow(InvalidTimeframeError)
    expect(() => Timeframe.fromProto({ entries: [{ length: 1 }] })).toThrow(InvalidTimeframeError)
    expect(Timeframe.fromProto({ entries: [entry(1, 0), entry(2, 4)] }).equals(new Timeframe([[key(2), 4]]))).toBe(true)
    expect(() => Timeframe.decode(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(InvalidTimeframeError)
  })

  test('property: encode/decode round-trips, and the encoding is canonical', () => {
    fc.assert(fc.property(arbTimeframe, (tf) => {
      const bytes = tf.encode()
      const back = Timeframe.decode(bytes)
      expect(back.equals(tf)).toBe(true)
      expect(back.sum).toBe(tf.sum)
      expect(Buffer.from(back.encode()).equals(Buffer.from(bytes))).toBe(true)
    }))
  })

  test('property: merge is the least upper bound', () => {
    fc.assert(fc.property(arbTimeframe, arbTimeframe, arbTimeframe, (a, b, c) => {
      const m = a.merge(b)
      expect(a.isSatisfiedBy(m) && b.isSatisfiedBy(m)).toBe(true)
      expect(m.equals(b.merge(a))).toBe(true)
      expect(m.merge(m).equals(m)).toBe(true)
      expect(a.merge(b).merge(c).equals(a.merge(b.merge(c)))).toBe(true)
      // Any timeframe that satisfies both satisfies the merge.
      if (a.isSatisfiedBy(c) && b.isSatisfiedBy(c)) expect(m.isSatisfiedBy(c)).toBe(true)
      // merge does not touch its inputs.
      expect(a.clone().mergeFrom(b).equals(m)).toBe(true)
    }))
  })
})
