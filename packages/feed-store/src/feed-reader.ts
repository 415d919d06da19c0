import { EventEmitter } from 'events'
import type Hypercore from 'hypercore'
import debug from 'debug'
import type { Codec } from './codec'
import { EchoError } from './errors'
import type { Feed } from './feed'
import { type DecodedFeedBlock, decodeFeedBlock } from './feed-block'
import { FeedAlreadyAddedError, InvalidOptionError, ReaderClosedError, reason } from './feed-errors'
import { DEFAULT_MAX_BLOCK_BYTES, MIN_MAX_BLOCK_BYTES } from './feed-writer'
import { defaultSelector, type HeadCandidate, type Selector } from './selector'
import { type FeedId, type FeedKeyLike, Timeframe, feedId } from './timeframe'

const log = debug('echo:feed-store:feed-reader')

export interface ReadMessage<T> {
  indexInBlock: number
  message: T
}

/** A message of a good block that failed to decode; the rest of its block is delivered. */
export interface RejectedMessage {
  indexInBlock: number
  reason: string
}

/** One delivered block. It is also the HeadCandidate the selector saw. */
export interface ReadBlock<T> extends HeadCandidate {
  /** The decoded messages, in block order (undecodable ones left out and listed in `rejected`). */
  messages: Array<ReadMessage<T>>
  rejected: RejectedMessage[]
}

export interface DecodeErrorEvent {
  feedKey: Buffer
  blockIndex: number
  /** Present when one message of an otherwise good block failed; absent when the whole block failed. */
  indexInBlock?: number
  reason: string
}

export interface ReadErrorEvent {
  feedKey: Buffer
  blockIndex: number
  reason: string
}

export interface FeedReaderEvents {
  /** A block or a message could not be decoded: it is skipped (reported when its position is delivered). */
  'decode-error': [event: DecodeErrorEvent]
  /**
   * The feed cannot be read any further: it was closed, storage failed, or it was truncated below what was already
   * delivered (a fork). The reader stops reading it; `blockIndex` is where reading stopped.
   */
  'read-error': [event: ReadErrorEvent]
  /**
   * A consumer is waiting and nothing can be delivered from what is stored locally: no head is eligible and no
   * local read is in flight. Emitted each time the reader becomes idle (e.g. "caught up with local data").
   */
  idle: []
}

export interface FeedProgress {
  feedKey: Buffer
  feedId: FeedId
  /** Blocks known to exist (appended here or proved by a peer). */
  length: number
  /** Blocks from 0 stored locally without a gap. */
  downloaded: number
  /** Blocks delivered (the index of the next block this reader delivers). */
  delivered: number
  /** The cut set by setEnd, if any: the reader never delivers a block at or past it. */
  end?: number
}

export interface FeedReaderOptions<T> {
  codec: Codec<T>
  selector?: Selector
  /**
   * Largest block accepted, in bytes (default DEFAULT_MAX_BLOCK_BYTES, the writers' default bound). A larger block
   * is not decoded: it is delivered as undecodable, so a peer cannot make its readers decode and apply blocks no
   * honest writer produces. Use the same bound as the writers of the feeds read.
   */
  maxBlockBytes?: number
}

export interface AddFeedOptions {
  /** Index of the first block to deliver (to resume after a snapshot). Default 0. */
  start?: number
}

const NO_REJECTS: RejectedMessage[] = []
/** Marks a read that raced a fork of its feed. */
const STALE = Symbol('stale')

/** What a cursor tells its reader about its feed's hypercore events. */
interface CursorHost<T> {
  wake: (cursor: Cursor<T>) => void
  closed: (cursor: Cursor<T>) => void
  truncated: (cursor: Cursor<T>, length: number, fork: number) => void
}

class Cursor<T> {
  readonly key: Buffer
  readonly id: FeedId
  readonly core: Hypercore
  /** Index of the next block to deliver; the head, when loaded, is this block. */
  position: number
  head: ReadBlock<T> | null = null
  loading = false
  /** Nothing local to read at `position`: an 'append' or 'download' event will try again. */
  waiting = false
  /** Bumped by every hypercore event, so a read that raced an event retries instead of sleeping. */
  generation = 0
  removed = false
  failed = false
  private readonly onAppend: () => void
  private readonly onDownload: (index: number) => void
  private readonly onClose: () => void
  private readonly onTruncate: (length: number, fork: number) => void

  constructor (readonly feed: Feed, start: number, host: CursorHost<T>) {
    this.key = feed.key
    this.id = feed.id
    this.core = feed.core
    this.position = start
    this.onAppend = () => {
      this.generation++
      if (this.waiting) host.wake(this)
    }
    this.onDownload = (index) => {
      this.generation++
      if (this.waiting && index === this.position) host.wake(this)
    }
    this.onClose = () => host.closed(this)
    this.onTruncate = (length, fork) => {
      this.generation++
      host.truncated(this, length, fork)
    }
    this.core.on('append', this.onAppend)
    this.core.on('download', this.onDownload)
    this.core.on('close', this.onClose)
    this.core.on('truncate', this.onTruncate)
    feed.attachReader()
  }

  detach (): void {
    if (this.removed) return
    this.removed = true
    this.feed.detachReader()
    this.head = null
    this.core.off('append', this.onAppend)
    this.core.off('download', this.onDownload)
    this.core.off('close', this.onClose)
    this.core.off('truncate', this.onTruncate)
  }
}

interface Waiter<T> {
  resolve: (result: IteratorResult<ReadBlock<T>, undefined>) => void
  reject: (err: Error) => void
}

/**
 * Ordered, live, resumable reading across a set of feeds that may grow while reading.
 *
 * Each feed has at most one decoded block (its head) waiting; the selector picks which head is delivered next.
 * The reader chooses only once every feed whose next block is stored locally has loaded it, so for the same
 * stored data and the same selector the order is the same. Feeds with nothing to read wait for hypercore's
 * 'append' and 'download' events (no polling). Blocks that fail to decode are delivered as empty blocks with
 * `decodeError` set, so every position is delivered exactly once and consumers can count it in their timeframe.
 *
 * Use it as an async iterator (`for await (const block of reader)`; breaking out closes the reader) or call
 * `next()` directly.
 */
export class FeedReader<T> extends EventEmitter<FeedReaderEvents> implements AsyncIterableIterator<ReadBlock<T>> {
  private readonly codec: Codec<T>
  private readonly selector: Selector
  readonly maxBlockBytes: number
  private readonly cursors = new Map<FeedId, Cursor<T>>()
  private readonly ends = new Map<FeedId, number>()
  private waiters: Array<Waiter<T>> = []
  private loading = 0
  private closed = false
  private pumping = false
  private isIdle = false
  private repump = false
  private readonly host: CursorHost<T> = {
    wake: (cursor) => this.load(cursor),
    closed: (cursor) => {
      if (!cursor.loading) this.fail(cursor, cursor.position, 'the feed was closed')
    },
    truncated: (cursor, length, fork) => this.truncated(cursor, length, fork)
  }

  readonly stats = {
    blocks: 0,
    messages: 0,
    /** Blocks that failed to decode as a whole. */
    corruptBlocks: 0,
    /** Messages that failed to decode inside good blocks. */
    corruptMessages: 0,
    readErrors: 0
  }

  constructor (options: FeedReaderOptions<T>) {
    super()
    this.codec = options.codec
    this.selector = options.selector ?? defaultSelector
    const max = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
    if (!Number.isInteger(max) || max < MIN_MAX_BLOCK_BYTES) {
      throw new InvalidOptionError('maxBlockBytes', max, `must be an integer >= ${MIN_MAX_BLOCK_BYTES}`)
    }
    this.maxBlockBytes = max
  }

  get isClosed (): boolean {
    return this.closed
  }

  /** Starts reading `feed` from block `start`. A cut set earlier with setEnd for this feed applies. */
  addFeed (feed: Feed, options: AddFeedOptions = {}): void {
    if (this.closed) throw new ReaderClosedError()
    const start = options.start ?? 0
    if (!Number.isInteger(start) || start < 0) throw new InvalidOptionError('start', start, 'must be an integer >= 0')
    if (this.cursors.has(feed.id)) throw new FeedAlreadyAddedError(feed.key)
    const cursor = new Cursor<T>(feed, start, this.host)
    this.cursors.set(feed.id, cursor)
    log('reading %s from %d', feed.id.slice(0, 8), start)
    this.load(cursor)
  }

  /** Stops reading a feed (its held head is dropped). Returns false if it was not being read. */
  removeFeed (key: FeedKeyLike): boolean {
    const id = toId(key)
    const cursor = this.cursors.get(id)
    if (cursor === undefined) return false
    cursor.detach()
    this.cursors.delete(id)
    this.pump()
    return true
  }

  hasFeed (key: FeedKeyLike): boolean {
    return this.cursors.has(toId(key))
  }

  /**
   * Never deliver block `length` or later of this feed (e.g. a removed member's feed, cut where its removal says).
   * Works for feeds added later too. `undefined` lifts the cut. A cut below what was already delivered stops the
   * feed where it is; it cannot undo deliveries.
   */
  setEnd (key: FeedKeyLike, length: number | undefined): void {
    const id = toId(key)
    if (length === undefined) {
      this.ends.delete(id)
    } else {
      if (!Number.isInteger(length) || length < 0) throw new InvalidOptionError('end', length, 'must be an integer >= 0')
      this.ends.set(id, length)
    }
    const cursor = this.cursors.get(id)
    if (cursor === undefined) return
    if (cursor.head !== null && cursor.head.blockIndex >= this.endOf(cursor)) cursor.head = null
    this.load(cursor)
    this.pump()
  }

  /** Runs the selector again: call it when state the selector depends on changed (e.g. a feed was admitted). */
  reconsider (): void {
    this.pump()
  }

  /** Per feed: blocks known, downloaded, and delivered by this reader. */
  progress (): FeedProgress[] {
    const out: FeedProgress[] = []
    for (const cursor of this.cursors.values()) {
      const end = this.ends.get(cursor.id)
      out.push({
        feedKey: cursor.key,
        feedId: cursor.id,
        length: cursor.core.length,
        downloaded: cursor.core.contiguousLength,
        delivered: cursor.position,
        ...(end !== undefined ? { end } : {})
      })
    }
    return out
  }

  /** For each feed read, how many blocks have been delivered: where to resume from. */
  delivered (): Timeframe {
    const timeframe = new Timeframe()
    for (const cursor of this.cursors.values()) timeframe.set(cursor.id, cursor.position)
    return timeframe
  }

  /** The next block the selector chooses; waits (without polling) until there is one. `done` once closed. */
  next (): Promise<IteratorResult<ReadBlock<T>, undefined>> {
    if (this.closed) return Promise.resolve({ done: true, value: undefined })
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      this.pump()
    })
  }

  async return (): Promise<IteratorResult<ReadBlock<T>, undefined>> {
    await this.close()
    return { done: true, value: undefined }
  }

  [Symbol.asyncIterator] (): this {
    return this
  }

  /** Stops reading: pending `next()` calls resolve `done`, listeners are removed, held blocks are dropped. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const cursor of this.cursors.values()) cursor.detach()
    this.cursors.clear()
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter.resolve({ done: true, value: undefined })
  }

  private endOf (cursor: Cursor<T>): number {
    return this.ends.get(cursor.id) ?? Infinity
  }

  /** Reads the block at the cursor's position if it is stored locally; otherwise waits for an event. */
  private load (cursor: Cursor<T>): void {
    if (this.closed || cursor.removed || cursor.failed || cursor.loading || cursor.head !== null) return
    const index = cursor.position
    if (cursor.core.closing !== null) return this.fail(cursor, index, 'the feed was closed')
    if (index >= this.endOf(cursor)) {
      cursor.waiting = false
      return
    }
    if (index >= cursor.core.length) {
      cursor.waiting = true
      return
    }
    cursor.waiting = false
    cursor.loading = true
    this.loading++
    const generation = cursor.generation
    const fork = cursor.core.fork
    const appended = cursor.feed.takeAppended(index)
    if (appended !== undefined) {
      // Just appended by this process: no need to read it back from storage. Delivered asynchronously all the same.
      queueMicrotask(() => this.loaded(cursor, index, generation, Buffer.from(appended.buffer, appended.byteOffset, appended.byteLength)))
      return
    }
    cursor.core.get(index, { wait: false }).then(
      (bytes) => this.loaded(cursor, index, generation, cursor.core.fork === fork ? bytes : STALE),
      (err: unknown) => this.loadFailed(cursor, index, err)
    )
  }

  private loaded (cursor: Cursor<T>, index: number, generation: number, bytes: Buffer | null | typeof STALE): void {
    cursor.loading = false
    this.loading--
    if (this.closed || cursor.removed) return this.pump()
    if (bytes === STALE) {
      // The feed forked while we read: what we read may be gone. Read again at the new fork.
      this.load(cursor)
    } else if (bytes === null) {
      // Not stored yet. If an event came while we looked, look again; otherwise sleep until one comes.
      if (cursor.generation !== generation) this.load(cursor)
      else cursor.waiting = true
    } else if (index < this.endOf(cursor)) {
      cursor.head = this.decode(cursor, index, bytes)
    }
    this.pump()
  }

  private loadFailed (cursor: Cursor<T>, index: number, err: unknown): void {
    cursor.loading = false
    this.loading--
    this.fail(cursor, index, reason(err))
    this.pump()
  }

  /**
   * The feed forked (its writer truncated it). A held head past the new length is dropped and read again; if
   * blocks already delivered were cut, the feed's history changed under us: report it and stop reading it.
   */
  private truncated (cursor: Cursor<T>, length: number, fork: number): void {
    if (cursor.head !== null && cursor.head.blockIndex >= length) cursor.head = null
    if (length < cursor.position) {
      this.fail(cursor, length, `the feed was truncated to ${length} blocks (fork ${fork}) after ${cursor.position} were delivered`)
    } else {
      this.load(cursor)
    }
    this.pump()
  }

  /** The feed cannot be read any further (closed, truncated, or storage failed): report it once, stop reading it. */
  private fail (cursor: Cursor<T>, index: number, why: string): void {
    if (this.closed || cursor.removed || cursor.failed) return
    cursor.failed = true
    cursor.waiting = false
    this.stats.readErrors++
    log('reading %s stopped at block %d: %s', cursor.id.slice(0, 8), index, why)
    this.emit('read-error', { feedKey: cursor.key, blockIndex: index, reason: why })
  }

  private decode (cursor: Cursor<T>, blockIndex: number, bytes: Uint8Array): ReadBlock<T> {
    const undecodable = (why: string): ReadBlock<T> => ({
      feedKey: cursor.key,
      feedId: cursor.id,
      blockIndex,
      timeframe: new Timeframe(),
      messages: [],
      rejected: NO_REJECTS,
      decodeError: why
    })
    if (bytes.byteLength > this.maxBlockBytes) {
      return undecodable(`block of ${bytes.byteLength} bytes is over the bound of ${this.maxBlockBytes} bytes`)
    }
    let decoded: DecodedFeedBlock
    try {
      decoded = decodeFeedBlock(bytes)
    } catch (err) {
      return undecodable(reason(err))
    }
    const raw = decoded.messages
    const messages = new Array<ReadMessage<T>>()
    let rejected = NO_REJECTS
    for (let i = 0; i < raw.length; i++) {
      try {
        messages.push({ indexInBlock: i, message: this.codec.decode(raw[i]) })
      } catch (err) {
        if (rejected === NO_REJECTS) rejected = []
        rejected.push({ indexInBlock: i, reason: reason(err) })
      }
    }
    return { feedKey: cursor.key, feedId: cursor.id, blockIndex, timeframe: decoded.timeframe, messages, rejected }
  }

  /** Delivers heads to waiting consumers while the selector picks one. */
  private pump (): void {
    // A selector or an event listener may call back into the reader (reconsider, setEnd, close...): run the loop
    // once and let it pick up whatever changed instead of recursing.
    if (this.pumping) {
      this.repump = true
      return
    }
    this.pumping = true
    try {
      do {
        this.repump = false
        this.deliver()
      } while (this.repump)
    } finally {
      this.pumping = false
    }
  }

  /**
   * True while a consumer waits, no local read is in flight, and nothing stored locally can be delivered (see the
   * 'idle' event).
   */
  get idle (): boolean {
    return this.isIdle && this.loading === 0
  }

  private deliver (): void {
    // Choose only when no local read is in flight, so that the selector sees every head that is available.
    while (!this.closed && this.waiters.length > 0 && this.loading === 0) {
      const candidates: Array<ReadBlock<T>> = []
      for (const cursor of this.cursors.values()) if (cursor.head !== null) candidates.push(cursor.head)
      if (candidates.length === 0) return this.becomeIdle()

      let chosen: HeadCandidate | null | undefined
      try {
        chosen = this.selector(candidates)
        if (chosen != null && this.cursors.get(chosen.feedId)?.head !== chosen) {
          throw new EchoError('INVALID_SELECTION', 'the selector returned a block that is not one of the candidates')
        }
      } catch (err) {
        // A bug in the selector is the consumer's to see: fail the read that ran it.
        this.waiters.shift()?.reject(err instanceof Error ? err : new Error(String(err)))
        continue
      }
      if (chosen == null) return this.becomeIdle()
      const waiter = this.waiters.shift()
      if (waiter === undefined) return
      this.isIdle = false

      const cursor = this.cursors.get(chosen.feedId) as Cursor<T>
      const block = cursor.head as ReadBlock<T>
      cursor.head = null
      cursor.position++
      this.load(cursor)
      waiter.resolve({ done: false, value: block })
      this.report(block)
    }
  }

  private becomeIdle (): void {
    if (this.isIdle) return
    this.isIdle = true
    this.emit('idle')
  }

  private report (block: ReadBlock<T>): void {
    this.stats.blocks++
    this.stats.messages += block.messages.length
    if (block.decodeError !== undefined) {
      this.stats.corruptBlocks++
      log('block %d of %s undecodable: %s', block.blockIndex, block.feedId.slice(0, 8), block.decodeError)
      this.emit('decode-error', { feedKey: block.feedKey, blockIndex: block.blockIndex, reason: block.decodeError })
    }
    for (const rejected of block.rejected) {
      this.stats.corruptMessages++
      this.emit('decode-error', {
        feedKey: block.feedKey, blockIndex: block.blockIndex, indexInBlock: rejected.indexInBlock, reason: rejected.reason
      })
    }
  }
}

function toId (key: FeedKeyLike): FeedId {
  return typeof key === 'string' ? key : feedId(key)
}
