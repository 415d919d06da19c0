import { echo } from '@echodb/proto'
import type Hypercore from 'hypercore'
import debug from 'debug'
import type { Codec } from './codec'
import type { Feed } from './feed'
import { encodeFeedBlock, framedSize } from './feed-block'
import {
  AppendFailedError, FeedNotWritableError, InvalidOptionError, MessageTooLargeError, WriterClosedError
} from './feed-errors'
import { Timeframe } from './timeframe'

const log = debug('echo:feed-store:feed-writer')

/**
 * hypercore 11.37.1's `append` also takes `postappend(values)`: it runs under the core's append lock, once the blocks
 * are stored and `length` counts them, before the 'append' event. (Not in the shared typed shim yet.)
 */
interface HookedAppend {
  append: (blocks: Uint8Array[], opts: { postappend: () => void }) => Promise<Hypercore.AppendResult>
}

/** Where a message landed: block `blockIndex` of feed `feedKey`, `indexInBlock`-th message of that block. */
export interface Position {
  feedKey: Buffer
  blockIndex: number
  indexInBlock: number
}

export interface FeedWriterOptions<T> {
  codec: Codec<T>
  /** Upper bound of one encoded FeedBlock, timeframe included. Default 64 KiB; at most hypercore's 15 MiB. */
  maxBlockBytes?: number
  /** The writer's current timeframe; called once whenever blocks are sealed. Default: empty timeframe. */
  timeframe?: () => Timeframe
}

export const DEFAULT_MAX_BLOCK_BYTES = 64 * 1024
/** Smallest bound accepted: room for an empty timeframe and a few small messages. */
export const MIN_MAX_BLOCK_BYTES = 64

/** A write waiting for its block: one message, or a writeAll set that must share one block. */
interface Pending {
  /** Encoded messages: one Uint8Array for write(), an array for writeAll(). */
  bytes: Uint8Array | Uint8Array[]
  /** Bytes the messages take inside a FeedBlock (framing included). */
  size: number
  /** Write order; flush() waits until every sequence number up to its mark has settled. */
  seq: number
  resolve: (value: any) => void
  reject: (err: Error) => void
}

/** One block being filled or appended. */
interface Sealed {
  messages: Uint8Array[]
  writes: Pending[]
}

const EMPTY_TIMEFRAME = (): Timeframe => new Timeframe()

/**
 * Appends typed messages to a writable feed, coalescing them into FeedBlocks.
 *
 * Everything written in the same tick, or while an append is in flight, goes into the next append, packed into
 * as few blocks as the size bound allows, in write order. So positions are strictly increasing in write order,
 * a lone awaited write costs one block, and a burst costs one block per `maxBlockBytes`.
 */
export class FeedWriter<T> {
  readonly maxBlockBytes: number
  private readonly codec: Codec<T>
  private readonly timeframe: () => Timeframe
  private readonly core: Hypercore
  private queue: Pending[] = []
  private scheduled = false
  private appending = false
  private closed = false
  private issued = 0
  /** Every write with seq <= settled has resolved or rejected. */
  private settled = 0
  private flushes: Array<{ mark: number, resolve: () => void }> = []
  private readonly drainBound = (): void => this.drain()

  // Counters for tests, logs and benchmarks.
  blocksAppended = 0
  messagesAppended = 0
  writesRejected = 0

  constructor (readonly feed: Feed, options: FeedWriterOptions<T>) {
    if (!feed.writable) throw new FeedNotWritableError(feed.key)
    const max = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
    const limit = 15 * 1024 * 1024 // hypercore's MAX_SUGGESTED_BLOCK_SIZE
    if (!Number.isInteger(max) || max < MIN_MAX_BLOCK_BYTES || max > limit) {
      throw new InvalidOptionError('maxBlockBytes', max, `must be an integer in ${MIN_MAX_BLOCK_BYTES}..${limit}`)
    }
    this.maxBlockBytes = max
    this.codec = options.codec
    this.timeframe = options.timeframe ?? EMPTY_TIMEFRAME
    this.core = feed.core
    // Last: a constructor that throws on its options must not keep the feed.
    feed.claimWriter(this)
  }

  /** Writes waiting for their block (not yet handed to hypercore). */
  get pending (): number {
    return this.queue.length
  }

  /** Resolves with the message's position once the block holding it is appended. */
  write (message: T): Promise<Position> {
    return new Promise<Position>((resolve, reject) => {
      if (this.closed) return reject(new WriterClosedError(this.feed.key))
      let bytes: Uint8Array
      try {
        bytes = this.codec.encode(message)
      } catch (err) {
        this.writesRejected++
        return reject(err instanceof Error ? err : new Error(String(err)))
      }
      const size = framedSize(bytes.byteLength)
      if (size > this.maxBlockBytes) {
        this.writesRejected++
        return reject(new MessageTooLargeError(size, this.maxBlockBytes))
      }
      this.enqueue({ bytes, size, seq: ++this.issued, resolve, reject })
    })
  }

  /** Writes all `messages` into ONE block (all or nothing), resolving with their positions in order. */
  writeAll (messages: readonly T[]): Promise<Position[]> {
    return new Promise<Position[]>((resolve, reject) => {
      if (this.closed) return reject(new WriterClosedError(this.feed.key))
      if (messages.length === 0) return resolve([])
      const bytes = new Array<Uint8Array>(messages.length)
      let size = 0
      try {
        for (let i = 0; i < messages.length; i++) {
          bytes[i] = this.codec.encode(messages[i])
          size += framedSize(bytes[i].byteLength)
        }
      } catch (err) {
        this.writesRejected++
        return reject(err instanceof Error ? err : new Error(String(err)))
      }
      if (size > this.maxBlockBytes) {
        this.writesRejected++
        return reject(new MessageTooLargeError(size, this.maxBlockBytes, `a set of ${messages.length} messages`))
      }
      this.enqueue({ bytes, size, seq: ++this.issued, resolve, reject })
    })
  }

  /** Resolves when every write issued before this call has settled (appended or rejected). */
  flush (): Promise<void> {
    const mark = this.issued
    if (this.settled >= mark) return Promise.resolve()
    return new Promise((resolve) => this.flushes.push({ mark, resolve }))
  }

  /** Refuses further writes; resolves when the pending ones have settled. Then the feed may take another writer. */
  async close (): Promise<void> {
    this.closed = true
    await this.flush()
    this.feed.releaseWriter(this)
  }

  private enqueue (write: Pending): void {
    this.queue.push(write)
    if (!this.scheduled && !this.appending) {
      this.scheduled = true
      // A microtask, not a timer: writes issued by the same synchronous code share the block, and a lone awaited
      // write is appended without waiting for the event loop.
      queueMicrotask(this.drainBound)
    }
  }

  /** Seals everything queued into blocks and appends them in one hypercore append. */
  private drain (): void {
    this.scheduled = false
    if (this.appending || this.queue.length === 0) return
    const writes = this.queue
    this.queue = []

    let tfProto: echo.Timeframe.$Properties
    try {
      tfProto = this.timeframe().toProto()
    } catch (err) {
      log('timeframe provider failed: %o', err)
      this.fail(writes, err instanceof Error ? err : new Error(String(err)))
      this.afterAppend(writes)
      return
    }
    const tfSize = framedSize(echo.Timeframe.encode(tfProto).finish().byteLength)
    const blocks = this.pack(writes, tfSize)
    if (blocks.length === 0) {
      this.afterAppend(writes)
      return
    }

    const encoded = new Array<Uint8Array>(blocks.length)
    for (let i = 0; i < blocks.length; i++) encoded[i] = encodeFeedBlock(tfProto, blocks[i].messages)

    this.appending = true
    const core = this.core
    // Handed to local readers only from inside hypercore's append lock, where the blocks' indices are certain:
    // another session appending or truncating the core cannot make a reader take one at the wrong index.
    // (Feeds have no value encoding: `get` returns exactly these bytes.)
    const postappend = (): void => {
      const first = core.length - encoded.length
      for (let i = 0; i < encoded.length; i++) this.feed.rememberAppended(first + i, encoded[i])
    }
    const hooked = core as unknown as HookedAppend
    hooked.append(encoded, { postappend }).then(({ length }) => {
      // Positions come from the length hypercore reports, not from the length before the append.
      const feedKey = this.feed.key
      let blockIndex = length - blocks.length
      for (const block of blocks) {
        let indexInBlock = 0
        for (const write of block.writes) {
          if (Array.isArray(write.bytes)) {
            const positions = new Array<Position>(write.bytes.length)
            for (let i = 0; i < positions.length; i++) positions[i] = { feedKey, blockIndex, indexInBlock: indexInBlock++ }
            write.resolve(positions)
          } else {
            write.resolve({ feedKey, blockIndex, indexInBlock: indexInBlock++ })
          }
        }
        this.messagesAppended += block.messages.length
        blockIndex++
      }
      this.blocksAppended += blocks.length
    }, (err: unknown) => {
      log('append of %d blocks failed: %o', blocks.length, err)
      const error = new AppendFailedError(this.feed.key, err)
      for (const block of blocks) this.fail(block.writes, error)
    }).finally(() => {
      this.appending = false
      this.afterAppend(writes)
      // Whatever arrived while the append was in flight forms the next append.
      if (this.queue.length > 0) this.drain()
    })
  }

  /** Packs writes, in order, into blocks of at most maxBlockBytes; rejects writes that cannot fit any block. */
  private pack (writes: Pending[], tfSize: number): Sealed[] {
    const blocks: Sealed[] = []
    let current: Sealed | null = null
    let used = 0
    for (const write of writes) {
      if (write.size + tfSize > this.maxBlockBytes) {
        this.writesRejected++
        write.reject(new MessageTooLargeError(write.size + tfSize, this.maxBlockBytes,
          `${Array.isArray(write.bytes) ? `a set of ${write.bytes.length} messages` : 'message'} with the timeframe`))
        continue
      }
      if (current === null || used + write.size > this.maxBlockBytes) {
        current = { messages: [], writes: [] }
        blocks.push(current)
        used = tfSize
      }
      if (Array.isArray(write.bytes)) current.messages.push(...write.bytes)
      else current.messages.push(write.bytes)
      current.writes.push(write)
      used += write.size
    }
    return blocks
  }

  private fail (writes: Pending[], err: Error): void {
    this.writesRejected += writes.length
    for (const write of writes) write.reject(err)
  }

  /** Marks `writes` (the whole drained batch, in order) settled and releases the flushes they complete. */
  private afterAppend (writes: Pending[]): void {
    const last = writes[writes.length - 1]
    if (last !== undefined && last.seq > this.settled) this.settled = last.seq
    if (this.flushes.length === 0) return
    const still: typeof this.flushes = []
    for (const flush of this.flushes) {
      if (flush.mark <= this.settled) flush.resolve()
      else still.push(flush)
    }
    this.flushes = still
  }
}
