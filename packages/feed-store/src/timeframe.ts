import { echo } from '@echodb/proto'
import { InvalidFeedKeyError, InvalidTimeframeError } from './feed-errors'

/** Bytes in a hypercore public key. */
export const FEED_KEY_BYTES = 32

/** Largest block count a timeframe entry can carry (the wire field is uint32). */
export const MAX_TIMEFRAME_LENGTH = 0xffffffff

/**
 * A feed key as a lowercase hex string: the cheap map key ECHO uses for feeds. Lowercase hex of equal-length keys
 * sorts exactly like the bytes, so sorting ids sorts keys bytewise. Compute it once per feed or per block, never
 * per message.
 */
export type FeedId = string

/** A feed key (32 bytes) or its FeedId. */
export type FeedKeyLike = Uint8Array | FeedId

export function feedId (key: Uint8Array): FeedId {
  if (key.byteLength !== FEED_KEY_BYTES) throw new InvalidFeedKeyError(key)
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

function toId (key: FeedKeyLike): FeedId {
  return typeof key === 'string' ? key : feedId(key)
}

function checkLength (length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > MAX_TIMEFRAME_LENGTH) {
    throw new InvalidTimeframeError(`length ${length} is not an integer in 0..${MAX_TIMEFRAME_LENGTH}`)
  }
}

/**
 * For each feed, how many of its blocks have been processed: blocks 0 .. length-1. Feeds not named count as 0,
 * so an entry set to 0 is dropped and two timeframes that differ only by zero entries are equal.
 *
 * Entries are kept by FeedId (not by Buffer) so that a timeframe never pins the block it was decoded from.
 */
export class Timeframe {
  private readonly lengths = new Map<FeedId, number>()
  private total = 0

  constructor (entries?: Iterable<readonly [FeedKeyLike, number]>) {
    if (entries !== undefined) for (const [key, length] of entries) this.set(key, length)
  }

  /** Number of feeds with a non-zero length. */
  get size (): number {
    return this.lengths.size
  }

  /** Sum of all lengths: how many blocks in total this timeframe covers. */
  get sum (): number {
    return this.total
  }

  get (key: FeedKeyLike): number {
    return this.lengths.get(toId(key)) ?? 0
  }

  has (key: FeedKeyLike): boolean {
    return this.lengths.has(toId(key))
  }

  set (key: FeedKeyLike, length: number): this {
    checkLength(length)
    const id = toId(key)
    this.total += length - (this.lengths.get(id) ?? 0)
    if (length === 0) this.lengths.delete(id)
    else this.lengths.set(id, length)
    return this
  }

  /** Raises the entry to `length` if it is lower; never lowers it. */
  advance (key: FeedKeyLike, length: number): this {
    if (length > this.get(key)) this.set(key, length)
    return this
  }

  delete (key: FeedKeyLike): boolean {
    const id = toId(key)
    const old = this.lengths.get(id)
    if (old === undefined) return false
    this.total -= old
    return this.lengths.delete(id)
  }

  /** Entries as [FeedId, length], in insertion order. The cheap way to iterate. */
  ids (): IterableIterator<[FeedId, number]> {
    return this.lengths.entries()
  }

  /** Entries as [feed key, length], in insertion order (allocates a key Buffer per entry). */
  * entries (): IterableIterator<[Buffer, number]> {
    for (const [id, length] of this.lengths) yield [Buffer.from(id, 'hex'), length]
  }

  /** True when every entry of this timeframe is <= the same entry of `other`: `other` has processed all of it. */
  isSatisfiedBy (other: Timeframe): boolean {
    if (this.total > other.total) return false
    for (const [id, length] of this.lengths) {
      if (length > (other.lengths.get(id) ?? 0)) return false
    }
    return true
  }

  /** A new timeframe holding, per feed, the larger of the two lengths. */
  merge (other: Timeframe): Timeframe {
    return this.clone().mergeFrom(other)
  }

  /** Raises each entry of this timeframe to `other`'s where that is larger. */
  mergeFrom (other: Timeframe): this {
    for (const [id, length] of other.lengths) this.advance(id, length)
    return this
  }

  equals (other: Timeframe): boolean {
    if (this.lengths.size !== other.lengths.size || this.total !== other.total) return false
    for (const [id, length] of this.lengths) {
      if (other.lengths.get(id) !== length) return false
    }
    return true
  }

  clone (): Timeframe {
    const copy = new Timeframe()
    for (const [id, length] of this.lengths) copy.lengths.set(id, length)
    copy.total = this.total
    return copy
  }

  /** The wire form: entries sorted bytewise by feed key, keys unique, no zero lengths. */
  toProto (): echo.Timeframe.$Properties {
    const ids = [...this.lengths.keys()].sort()
    const entries = new Array<echo.TimeframeEntry.$Properties>(ids.length)
    for (let i = 0; i < ids.length; i++) {
      entries[i] = { feedKey: Buffer.from(ids[i], 'hex'), length: this.lengths.get(ids[i]) }
    }
    return { entries }
  }

  encode (): Uint8Array {
    return echo.Timeframe.encode(this.toProto()).finish()
  }

  /**
   * Reads the wire form. Throws InvalidTimeframeError unless keys are 32 bytes, strictly increasing bytewise
   * (so unique) and lengths fit uint32. Zero lengths are accepted and dropped (they mean the same as absence).
   */
  static fromProto (proto: echo.Timeframe.$Properties | null | undefined): Timeframe {
    const timeframe = new Timeframe()
    const entries = proto?.entries
    if (entries == null) return timeframe
    let previous = ''
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]
      const key = entry.feedKey
      if (key == null || key.byteLength !== FEED_KEY_BYTES) {
        throw new InvalidTimeframeError(`entry ${i} has a feed key of ${key?.byteLength ?? 0} bytes, not ${FEED_KEY_BYTES}`)
      }
      const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
      if (id <= previous) throw new InvalidTimeframeError(`entry ${i} is not sorted after the previous key or repeats it`)
      previous = id
      const length = entry.length ?? 0
      checkLength(length)
      if (length > 0) {
        timeframe.lengths.set(id, length)
        timeframe.total += length
      }
    }
    return timeframe
  }

  static decode (bytes: Uint8Array): Timeframe {
    let proto: echo.Timeframe
    try {
      proto = echo.Timeframe.decode(bytes)
    } catch (err) {
      throw new InvalidTimeframeError(err instanceof Error ? err.message : String(err))
    }
    return Timeframe.fromProto(proto)
  }

  /** `{ [FeedId]: length }`, for logs and JSON. */
  toJSON (): Record<FeedId, number> {
    return Object.fromEntries(this.lengths)
  }

  toString (): string {
    const parts = [...this.lengths].map(([id, length]) => `${id.slice(0, 8)}:${length}`)
    return `Timeframe(${parts.join(', ')})`
  }
}
