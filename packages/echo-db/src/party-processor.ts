import { EventEmitter } from 'events'
import debug from 'debug'
import { echo } from '@echodb/proto'
import {
  causalSelector, FeedReader, protobufCodec, Timeframe,
  type Feed, type FeedStore, type HeadCandidate, type ReadBlock
} from '@echodb/feed-store'
import type { PartyChange, PartyState } from '@echodb/credentials'
import type { Database } from './database'
import { DatabaseError, type Rejection, type RejectionReason } from './errors'
import { blockSeq, orderStamp } from './order-stamp'

const log = debug('echo:echo-db:party-processor')

export const envelopeCodec = protobufCodec<echo.Envelope>(echo.Envelope)

export interface PartyProcessorEvents {
  /** The party timeframe advanced (once per processed block). */
  timeframe: [timeframe: Timeframe]
  /** A message or block was not applied. */
  rejected: [rejection: Rejection]
  /** Nothing stored locally can be processed now (the reader waits for data or admissions). */
  idle: []
  /** Membership changed (members, roles, feeds, names). */
  membership: [changes: readonly PartyChange[]]
  /** A feed we had processed further than a removal's cut-off now allows: state must be rebuilt. */
  'cut-behind': [feedKey: string, cutoff: number, processed: number]
}

export interface PartyProcessorOptions {
  partyState: PartyState
  database: Database
  feedStore: FeedStore
  /** Where processing starts (a snapshot's timeframe, or empty). */
  start: Timeframe
  /**
   * Cut-offs known before processing starts (feed id -> valid length). A rebuild passes the ones the previous
   * PartyState had found, so that blocks past them are skipped even when they come before the removal in the
   * processing order.
   */
  knownCutoffs?: ReadonlyMap<string, number>
  /** Called (and awaited) before a newly admitted feed is read, to record it in the MetaStore. */
  onFeedAdmitted?: (feed: Feed) => Promise<void>
}

/** Counts of rejected messages by reason. */
export type RejectionCounts = Partial<Record<RejectionReason, number>>

/**
 * Reads every feed of one party in causal order and applies each message: credentials to PartyState, item
 * messages to the Database. A block is delivered only when its timeframe is satisfied by what was processed and
 * its feed is admitted (before the genesis: only a feed's block 0 written with an empty timeframe, where the
 * genesis lives). Blocks of feeds not yet admitted wait; blocks past a removed member's cut-off are consumed
 * without applying their item messages, so every peer skips the same ones and timeframes keep advancing.
 */
export class PartyProcessor extends EventEmitter<PartyProcessorEvents> {
  readonly timeframe: Timeframe
  readonly rejections: RejectionCounts = {}
  private readonly _reader: FeedReader<echo.Envelope>
  private readonly _waiters = new Map<string, Array<{ block: number, resolve: () => void, reject: (err: Error) => void }>>()
  private _running: Promise<void> | undefined
  private _closed = false
  private _messages = 0
  private _membershipChanged = false
  private readonly _onChange: (changes: readonly PartyChange[]) => void

  constructor (private readonly _options: PartyProcessorOptions) {
    super()
    this.timeframe = _options.start.clone()
    const state = _options.partyState
    this._reader = new FeedReader<echo.Envelope>({
      codec: envelopeCodec,
      selector: causalSelector(() => this.timeframe, (candidate) => this._eligible(candidate))
    })
    this._reader.on('idle', () => this.emit('idle'))
    this._reader.on('decode-error', (event) => {
      log('decode error in %s #%d: %s', event.feedKey.toString('hex'), event.blockIndex, event.reason)
    })
    this._onChange = (changes) => {
      this._membershipChanged = true
      for (const change of changes) {
        if (change.type === 'feed-admitted') void this._readAdmittedFeed(change.feedKey)
        if (change.type === 'feed-cutoff' && change.length !== null) {
          const processed = this.timeframe.get(change.feedKey)
          if (processed > change.length) this.emit('cut-behind', change.feedKey.toString('hex'), change.length, processed)
        }
      }
      this.emit('membership', changes)
    }
    state.on('change', this._onChange)
  }

  /** Messages processed (applied or rejected) since this processor started. */
  get processedMessages (): number {
    return this._messages
  }

  /** Per feed: blocks known, downloaded and processed. */
  progress (): ReturnType<FeedReader<echo.Envelope>['progress']> {
    return this._reader.progress()
  }

  /** Starts reading `feeds` (from the start timeframe on) and processing. */
  start (feeds: Feed[]): void {
    for (const feed of feeds) this._addFeed(feed)
    this._running = this._run()
  }

  /** Reads a feed we learned about outside of admission (e.g. an invitation handed us its key). */
  addFeed (feed: Feed): void {
    this._addFeed(feed)
  }

  /**
   * Resolves once everything stored locally that can be processed has been (the reader waits for data or for
   * admissions). Opening a party waits for this, so a reopened party shows what it held when it was closed.
   */
  get isIdle (): boolean {
    return this._reader.idle
  }

  async idle (): Promise<void> {
    if (this._reader.idle || this._closed) return
    await new Promise<void>((resolve) => {
      const done = (): void => { this._reader.off('idle', done); resolve() }
      this._reader.on('idle', done)
      void this._running?.finally(done)
    })
  }

  /** Resolves once block `blockIndex` of `feedId` has been processed (or rejects when the processor stops). */
  waitFor (feedId: string, blockIndex: number): Promise<void> {
    if (this.timeframe.get(feedId) > blockIndex) return Promise.resolve()
    if (this._closed) return Promise.reject(new DatabaseError('PARTY_CLOSED', 'the party was closed before the write was processed'))
    return new Promise((resolve, reject) => {
      let list = this._waiters.get(feedId)
      if (list === undefined) this._waiters.set(feedId, list = [])
      list.push({ block: blockIndex, resolve, reject })
    })
  }

  async close (): Promise<void> {
    if (this._closed) return
    this._closed = true
    this._options.partyState.off('change', this._onChange)
    await this._reader.close()
    await this._running
    const error = new DatabaseError('PARTY_CLOSED', 'the party was closed before the write was processed')
    for (const list of this._waiters.values()) for (const waiter of list) waiter.reject(error)
    this._waiters.clear()
  }

  private _addFeed (feed: Feed): void {
    if (this._reader.hasFeed(feed.key)) return
    this._reader.addFeed(feed, { start: this.timeframe.get(feed.id) })
  }

  private async _readAdmittedFeed (feedKey: Buffer): Promise<void> {
    if (this._closed || this._reader.hasFeed(feedKey)) return
    try {
      const feed = await this._options.feedStore.openFeed(feedKey)
      await this._options.onFeedAdmitted?.(feed)
      if (!this._closed) this._addFeed(feed)
    } catch (err) {
      if (!this._closed) log('could not open admitted feed %s: %O', feedKey.toString('hex'), err)
    }
  }

  private _eligible (candidate: HeadCandidate): boolean {
    const state = this._options.partyState
    if (!state.hasGenesis) return candidate.blockIndex === 0 && candidate.timeframe.size === 0
    return state.blockStatus(candidate.feedKey, candidate.blockIndex) !== 'not-admitted'
  }

  private async _run (): Promise<void> {
    try {
      for await (const block of this._reader) {
        this._process(block)
        if (this._membershipChanged) {
          this._membershipChanged = false
          this._reader.reconsider()
        }
      }
    } catch (err) {
      if (!this._closed) log('processing stopped: %O', err)
    }
  }

  private _process (block: ReadBlock<echo.Envelope>): void {
    const { feedId, feedKey, blockIndex } = block
    const state = this._options.partyState
    const database = this._options.database
    if (block.decodeError !== undefined) {
      this._reject('UNDECODABLE_BLOCK', block.decodeError, feedId, blockIndex, -1)
    }
    for (const rejected of block.rejected) {
      this._messages++
      this._reject('UNDECODABLE_MESSAGE', rejected.reason, feedId, blockIndex, rejected.indexInBlock)
    }
    const seq = blockSeq(block.timeframe, feedId, blockIndex)
    for (const { indexInBlock, message } of block.messages) {
      this._messages++
      if (message.credential !== null && message.credential !== undefined) {
        const result = state.process(message.credential, { feedKey, blockIndex, indexInBlock, seq })
        if (result.status === 'rejected') {
          this._reject('CREDENTIAL_REJECTED', `${result.reason}: ${result.detail}`, feedId, blockIndex, indexInBlock)
        }
      } else if (message.item !== null && message.item !== undefined) {
        // Evaluated per message: a credential earlier in the same block may have admitted the feed's owner.
        const known = this._options.knownCutoffs?.get(feedId)
        const status = known !== undefined && blockIndex >= known ? 'cut' : state.blockStatus(feedKey, blockIndex)
        const owner = status === 'valid' ? state.getFeedOwner(feedKey) : undefined
        const role = owner === undefined ? undefined : state.getRole(owner)
        if (owner === undefined || role === undefined || role === 'reader') {
          const why = status === 'cut' ? 'the block is past its feed\'s removal cut-off' : role === 'reader' ? 'the feed\'s owner is a reader' : 'the feed\'s owner is not a member'
          this._reject('NOT_A_WRITER', why, feedId, blockIndex, indexInBlock, message.item.itemId ?? undefined)
          continue
        }
        const rejection = database.process(message.item, {
          identityKey: owner, feedKey, feedId, blockIndex, indexInBlock, order: orderStamp(seq, feedId, blockIndex, indexInBlock)
        })
        if (rejection !== undefined) {
          this._reject(rejection.reason, rejection.detail, feedId, blockIndex, indexInBlock, rejection.itemId)
        }
      } else {
        this._reject('EMPTY_ENVELOPE', 'envelope carries neither a credential nor an item message', feedId, blockIndex, indexInBlock)
      }
    }
    this.timeframe.set(feedId, blockIndex + 1)
    database.endBatch()
    this._release(feedId, blockIndex)
    this.emit('timeframe', this.timeframe)
  }

  private _release (feedId: string, blockIndex: number): void {
    const list = this._waiters.get(feedId)
    if (list === undefined) return
    let kept = 0
    for (const waiter of list) {
      if (waiter.block <= blockIndex) waiter.resolve()
      else list[kept++] = waiter
    }
    list.length = kept
    if (kept === 0) this._waiters.delete(feedId)
  }

  private _reject (reason: RejectionReason, detail: string, feedKey: string, blockIndex: number, indexInBlock: number, itemId?: string): void {
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1
    const rejection: Rejection = { reason, detail, feedKey, blockIndex, indexInBlock, itemId }
    log('rejected %s #%d.%d: %s %s', feedKey.slice(0, 8), blockIndex, indexInBlock, reason, detail)
    this.emit('rejected', rejection)
  }
}
