import { EventEmitter } from 'events'
import type { Feed, FeedStore, Timeframe } from '@echodb/feed-store'
import type { PartyState } from '@echodb/credentials'
import debug from 'debug'
import type { SwarmNetwork } from './swarm-network'

const log = debug('echo:echo-db:party-sync')

export interface FeedSyncProgress {
  feedKey: string
  /** Blocks known to exist (ours, or announced by a connected peer). */
  known: number
  /** Blocks processed here. */
  processed: number
}

export interface SyncProgress {
  feeds: FeedSyncProgress[]
  known: number
  processed: number
  /** Connected peers replicating at least one of the party's feeds. */
  peers: number
}

export interface PartySyncEvents {
  progress: [progress: SyncProgress]
  'caught-up': []
}

/** What a PartySync reads from its party. */
export interface SyncSource {
  readonly partyState: PartyState
  readonly feedStore: FeedStore
  readonly feedKeys: () => string[]
  readonly timeframe: Timeframe
  /** True when the processor waits and nothing stored locally can be processed. */
  idle (): boolean
  /** Calls `listener` on every processed block and whenever the processor becomes idle. */
  onTimeframe (listener: () => void): () => void
}

const PROGRESS_INTERVAL_MS = 100

/**
 * Sync progress of one open party: for each feed, blocks known (from the peers we are connected to) vs processed,
 * a throttled 'progress' event while processing, and `caughtUp()`: resolves once everything the connected peers
 * have is processed. Feeds that are not admitted (blocks that wait) and blocks past a removal cut-off do not count.
 */
export class PartySync extends EventEmitter<PartySyncEvents> {
  private _timer: NodeJS.Timeout | undefined
  private readonly _unsubscribe: () => void

  constructor (private readonly _source: SyncSource, private readonly _network?: SwarmNetwork) {
    super()
    this._unsubscribe = _source.onTimeframe(() => {
      if (this._timer !== undefined || this.listenerCount('progress') === 0) return
      this._timer = setTimeout(() => {
        this._timer = undefined
        this.emit('progress', this.progress())
      }, PROGRESS_INTERVAL_MS)
    })
  }

  progress (): SyncProgress {
    const feeds: FeedSyncProgress[] = []
    let known = 0
    let processed = 0
    for (const feed of this._feeds()) {
      const done = Math.min(this._source.timeframe.get(feed.id), feed.length)
      feeds.push({ feedKey: feed.id, known: feed.length, processed: done })
      known += feed.length
      processed += done
    }
    return { feeds, known, processed, peers: this.peers() }
  }

  /** How many connected peers replicate at least one of the party's feeds (a connection may serve other parties only). */
  peers (): number {
    if (this._network === undefined) return 0
    const peers = new Set<string>()
    for (const feed of this._feeds()) {
      for (const peer of feed.core.peers) peers.add(peer.remotePublicKey.toString('hex'))
    }
    return peers.size
  }

  /** Resolves once every block the connected peers announced (of admitted feeds) is processed here. */
  async caughtUp (options: { signal?: AbortSignal } = {}): Promise<void> {
    for (;;) {
      options.signal?.throwIfAborted()
      const feeds = this._feeds()
      // hypercore's update() waits for peers' lengths only while someone "finds peers" for the core: hold that
      // until the swarm has looked up and connected, so update() does not answer before the peers could.
      const finding = feeds.map((feed) => feed.core.findingPeers())
      const flushed = (this._network?.flush() ?? Promise.resolve()).finally(() => { for (const done of finding) done() })
      log('caughtUp: updating %d feeds', feeds.length)
      await Promise.all(feeds.map(async (feed) => {
        const updated = await feed.core.update({ wait: true }).catch(() => false)
        log('caughtUp: update of %s -> %s (length %d)', feed.id.slice(0, 8), updated, feed.length)
      }))
      await flushed
      // Processing may have admitted more feeds meanwhile: ask the peers about those at once (waiting for a
      // change here could wait forever, since nothing more may arrive).
      if (this._feeds().length !== feeds.length) continue
      // Caught up: every block the peers announced is stored here, and nothing stored can be processed any more.
      // (Not "processed = known": a block whose timeframe names blocks that do not exist waits for ever, and a
      // hostile member must not be able to keep every honest peer from being caught up.)
      const downloaded = feeds.every((feed) => feed.downloaded >= feed.length)
      const idle = this._source.idle()
      const progress = this.progress()
      log('caughtUp: processed %d of %d known (all downloaded: %s, idle: %s)', progress.processed, progress.known, downloaded, idle)
      if (downloaded && idle) {
        this.emit('progress', progress)
        this.emit('caught-up')
        return
      }
      await this._nextChange(feeds, options.signal)
    }
  }

  close (): void {
    this._unsubscribe()
    if (this._timer !== undefined) clearTimeout(this._timer)
    this._timer = undefined
  }

  /** Feeds that count: admitted ones once the genesis is known; before it, every feed we were told of. */
  private _feeds (): Feed[] {
    const state = this._source.partyState
    const keys = state.hasGenesis
      ? state.listFeeds().map((f) => f.feedKey.toString('hex'))
      : this._source.feedKeys()
    const feeds: Feed[] = []
    for (const key of keys) {
      const feed = this._source.feedStore.getFeed(key)
      if (feed !== undefined) feeds.push(feed)
    }
    return feeds
  }

  /**
   * Waits until a block is processed here, the processor becomes idle, or a feed learns of new blocks or stores
   * one (hypercore 'append', also remote, and 'download').
   */
  private async _nextChange (feeds: Feed[], signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const unsubscribe = this._source.onTimeframe(done)
      for (const feed of feeds) {
        feed.core.on('append', done)
        feed.core.on('download', done)
      }
      const abort = (): void => { cleanup(); reject(signal?.reason) }
      signal?.addEventListener('abort', abort)
      function cleanup (): void {
        unsubscribe()
        for (const feed of feeds) {
          feed.core.off('append', done)
          feed.core.off('download', done)
        }
        signal?.removeEventListener('abort', abort)
      }
      function done (): void { cleanup(); resolve() }
    })
  }
}
