import { EventEmitter } from 'events'
import debug from 'debug'
import { echo } from '@echodb/proto'
import {
  causalSelector, FeedReader, protobufCodec, Timeframe,
  type Feed, type FeedStore, type HeadCandidate, type ReadBlock
} from '@echodb/feed-store'
import type { PartyChange, PartyState, Role } from '@echodb/credentials'
import type { Database } from './database'
import { DatabaseError, type Rejection, type RejectionReason } from './errors'
import type { ItemRange } from './item-store'
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
  /**
   * The membership now known judges item messages this processor already applied (or skipped) differently: a
   * removal cut a feed below blocks whose items were applied, a feed's admission was cut, a removal stopped
   * counting so skipped blocks are valid again, ... The items must be rebuilt from the feeds to converge.
   */
  stale: [feedKey: string, detail: string]
}

export interface PartyProcessorOptions {
  partyState: PartyState
  database: Database
  feedStore: FeedStore
  /** Where processing starts (a snapshot's timeframe, or empty). */
  start: Timeframe
  /**
   * The membership as a previous run knew it (a rebuild passes the PartyState it is rebuilding from). Until
   * `partyState` has caught up with it, item messages are judged by this final view rather than by the partial
   * view of the replay: a block past a cut-off, or of a feed whose admission is cut, is skipped even when the
   * credential that cuts it comes later in the processing order. It is handed every credential processed, so it
   * stays the most complete view.
   */
  judge?: PartyState
  /** Item ranges of the start state (a snapshot's); without them every block below `start` counts as applied. */
  itemRanges?: ReadonlyMap<string, ItemRange>
  /** Called (and awaited) before a newly admitted feed is read, to record it in the MetaStore. */
  onFeedAdmitted?: (feed: Feed) => Promise<void>
}

/** Counts of rejected messages by reason. */
export type RejectionCounts = Partial<Record<RejectionReason, number>>

/** The role that decides whether a feed's owner may write items; a removed member keeps its role for its valid blocks. */
function ownerRole (view: PartyState, owner: Buffer): Role | undefined {
  return view.getRole(owner) ?? view.getMember(owner)?.role
}

/** How many blocks of a feed have item messages that count under `view` (0: none, Infinity: all). */
function validLength (view: PartyState, feedId: string): number {
  if (!view.isFeedAdmitted(feedId)) return 0
  const owner = view.getFeedOwner(feedId)
  const role = owner === undefined ? undefined : ownerRole(view, owner)
  if (role === undefined || role === 'reader') return 0
  return view.getFeedCutoff(feedId) ?? Infinity
}

/** Whether item messages of a block count under `view`: the owner's identity, or why not. */
function judgeBlock (view: PartyState, feedId: string, blockIndex: number): Buffer | string {
  const status = view.blockStatus(feedId, blockIndex)
  if (status === 'not-admitted') return 'the feed is not admitted'
  if (status === 'cut') return view.isFeedAdmitted(feedId) ? 'the block is past its feed\'s removal cut-off' : 'the feed\'s admission was cut off'
  const owner = view.getFeedOwner(feedId)
  const role = owner === undefined ? undefined : ownerRole(view, owner)
  if (owner === undefined || role === undefined) return 'the feed\'s owner is not a member'
  if (role === 'reader') return 'the feed\'s owner is a reader'
  return owner
}

/**
 * Reads every feed of one party in causal order and applies each message: credentials to PartyState, item
 * messages to the Database. A block is delivered only when its timeframe is satisfied by what was processed and
 * its feed is admitted (before the genesis: only a feed's block 0 written with an empty timeframe, where the
 * genesis lives). Blocks of feeds not yet admitted wait; blocks past a removed member's cut-off are consumed
 * without applying their item messages, so every peer skips the same ones and timeframes keep advancing.
 *
 * The items must hold exactly the item messages that are valid under the final membership, whatever order they
 * were processed in. The processor records, per feed, which blocks' item messages it applied and which it skipped
 * (item ranges); when the membership changes so that one of them would now be judged differently, it emits
 * `stale` and the party rebuilds its items from the feeds, judging them by the membership it knows by then.
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
  /** The final view of a previous run, while our own PartyState has not caught up with it (see `judge`). */
  private _judge: PartyState | undefined
  private readonly _onJudgeChange: () => void
  private readonly _ranges = new Map<string, ItemRange>()
  private _stale = false

  constructor (private readonly _options: PartyProcessorOptions) {
    super()
    this.timeframe = _options.start.clone()
    const state = _options.partyState
    if (_options.itemRanges !== undefined) {
      for (const [feedId, range] of _options.itemRanges) this._ranges.set(feedId, { ...range })
    } else {
      // Nothing says what was skipped before `start`: count every processed block as applied (a cut-off below
      // it then rebuilds, which is always safe).
      for (const [feedId, length] of this.timeframe.ids()) if (length > 0) this._ranges.set(feedId, { appliedEnd: length, skippedStart: Infinity })
    }
    this._reader = new FeedReader<echo.Envelope>({
      codec: envelopeCodec,
      selector: causalSelector(() => this.timeframe, (candidate) => this._eligible(candidate), (candidate) => this._isCut(candidate))
    })
    this._reader.on('idle', () => this.emit('idle'))
    this._reader.on('decode-error', (event) => {
      log('decode error in %s #%d: %s', event.feedKey.toString('hex'), event.blockIndex, event.reason)
    })
    this._onChange = (changes) => {
      this._membershipChanged = true
      for (const change of changes) {
        if (change.type === 'feed-admitted') void this._readAdmittedFeed(change.feedKey)
      }
      // While a judge is set, our own state is only catching up with it: the judge's changes are the ones that count.
      if (this._judge === undefined) this._checkRanges(state)
      this.emit('membership', changes)
    }
    state.on('change', this._onChange)
    this._onJudgeChange = () => { if (this._judge !== undefined) this._checkRanges(this._judge) }
    if (_options.judge !== undefined && _options.judge !== state) {
      this._judge = _options.judge
      this._judge.on('change', this._onJudgeChange)
    }
  }

  /** The membership item messages are judged by: the judge of a rebuild until our PartyState has caught up, then it. */
  get view (): PartyState {
    return this._judge ?? this._options.partyState
  }

  /** True while item messages are judged by a previous run's membership (a snapshot taken now would not be one). */
  get judging (): boolean {
    return this._judge !== undefined
  }

  /** Per feed id: which blocks' item messages were applied and skipped (saved with snapshots). */
  itemRanges (): Map<string, ItemRange> {
    const copy = new Map<string, ItemRange>()
    for (const [feedId, range] of this._ranges) copy.set(feedId, { ...range })
    return copy
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
    this._judge?.off('change', this._onJudgeChange)
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

  /**
   * A block past its feed's removal cut-off: nothing in it is applied, so it is taken whatever its timeframe. It
   * may name feeds we never read (a member the removed admin let in after the cut): waiting for them would stall
   * its feed forever. Valid blocks name everything they follow in their own timeframes, so they lose no ordering.
   */
  private _isCut (candidate: HeadCandidate): boolean {
    const state = this._options.partyState
    if (!state.hasGenesis || state.blockStatus(candidate.feedKey, candidate.blockIndex) !== 'cut') return false
    // During a rebuild items are judged by the previous run's membership: it must agree that nothing here counts.
    return this._judge === undefined || this._judge.blockStatus(candidate.feedKey, candidate.blockIndex) === 'cut'
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
    // Whether this block's item messages count: judged once, again after each credential (one earlier in the
    // same block may have admitted the feed's owner).
    let verdict: Buffer | string | undefined
    let applied = false
    let skipped = false
    let credentials = false
    let inGenesisBlock: boolean | undefined
    for (const { indexInBlock, message } of block.messages) {
      this._messages++
      if (message.credential !== null && message.credential !== undefined) {
        const source = { feedKey, blockIndex, indexInBlock, seq }
        const result = state.process(message.credential, source)
        // The judge sees every credential too, so it stays the most complete view (it knows most of them: REPLAY).
        this._judge?.process(message.credential, source)
        credentials = true
        verdict = undefined
        if (result.status === 'rejected') {
          this._reject('CREDENTIAL_REJECTED', `${result.reason}: ${result.detail}`, feedId, blockIndex, indexInBlock)
        }
      } else if (message.item !== null && message.item !== undefined) {
        verdict ??= judgeBlock(this._judge ?? state, feedId, blockIndex)
        if (typeof verdict === 'string') {
          if (!skipped) { skipped = true; this._noteSkipped(feedId, blockIndex) }
          this._reject('NOT_A_WRITER', verdict, feedId, blockIndex, indexInBlock, message.item.itemId ?? undefined)
          continue
        }
        if (!applied) { applied = true; this._noteApplied(feedId, blockIndex) }
        inGenesisBlock ??= blockIndex === 0 && state.genesis?.feedKey.equals(feedKey) === true
        const rejection = database.process(message.item, {
          identityKey: verdict, feedKey, feedId, blockIndex, indexInBlock, order: orderStamp(seq, feedId, blockIndex, indexInBlock), inGenesisBlock
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
    if (credentials && this._judge !== undefined) this._dropJudgeIfCaughtUp()
    this._release(feedId, blockIndex)
    this.emit('timeframe', this.timeframe)
  }

  private _noteApplied (feedId: string, blockIndex: number): void {
    const range = this._ranges.get(feedId)
    if (range === undefined) this._ranges.set(feedId, { appliedEnd: blockIndex + 1, skippedStart: Infinity })
    else if (range.appliedEnd <= blockIndex) range.appliedEnd = blockIndex + 1
  }

  private _noteSkipped (feedId: string, blockIndex: number): void {
    const range = this._ranges.get(feedId)
    if (range === undefined) this._ranges.set(feedId, { appliedEnd: 0, skippedStart: blockIndex })
    else if (range.skippedStart > blockIndex) range.skippedStart = blockIndex
  }

  /** Emits `stale` (once) when `view` judges an applied or skipped block differently than it was. */
  private _checkRanges (view: PartyState): void {
    if (this._stale || this._closed) return
    for (const [feedId, range] of this._ranges) {
      const valid = validLength(view, feedId)
      let detail: string | undefined
      if (range.appliedEnd > valid) detail = `items of blocks below ${range.appliedEnd} were applied, but only the first ${valid} blocks count now`
      else if (range.skippedStart < valid) detail = `items of block ${range.skippedStart} were skipped, but ${valid === Infinity ? 'every block counts' : `the first ${valid} blocks count`} now`
      if (detail !== undefined) {
        this._stale = true
        log('feed %s: %s', feedId.slice(0, 8), detail)
        this.emit('stale', feedId, detail)
        return
      }
    }
  }

  /** Once our PartyState holds every credential the judge does, the two are equal: we judge by our own again. */
  private _dropJudgeIfCaughtUp (): void {
    const judge = this._judge as PartyState
    const state = this._options.partyState
    if (state.size !== judge.size || !Buffer.from(state.snapshot()).equals(judge.snapshot())) return
    judge.off('change', this._onJudgeChange)
    this._judge = undefined
    log('caught up with the membership of the previous run: judging by our own again')
    this._checkRanges(state)
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
