import { randomBytes } from 'crypto'
import { EventEmitter } from 'events'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import debug from 'debug'
import type { Duplex } from 'streamx'
import { Feed, feedKeyFromSigner, type KeyPair } from './feed'
import { FeedStoreClosedError, InvalidFeedKeyError, reason } from './feed-errors'
import { FEED_KEY_BYTES, type FeedId, type FeedKeyLike, feedId } from './timeframe'

const log = debug('echo:feed-store:feed-store')

/** A feed's key pair before the feed exists (FeedStore.reserveFeed). */
export interface FeedReservation {
  /** The Corestore name the key pair is derived from. */
  readonly name: string
  /** The feed's key (the hash of the manifest naming the signer, as for every feed). */
  readonly key: Buffer
  /** The signer's key pair, as `feed.keyPair` will be. */
  readonly keyPair: KeyPair
}

function newFeedName (): string {
  return `echo-feed-${randomBytes(16).toString('hex')}`
}

export interface FeedStoreEvents {
  /** A feed joined the store: created, opened by key, or loaded at open. */
  feed: [feed: Feed]
}

/**
 * Every feed of one ECHO instance, persisted by Corestore in a directory.
 *
 * Persistence: the set of feeds IS Corestore's own table of cores. Creating a feed writes the core record, its
 * key pair and its alias in one RocksDB batch, so a crash during `createFeed` leaves either the whole feed or no
 * trace of it; there is no second index that could disagree. Which feeds are ours follows from the stored key
 * pair: a feed whose secret key is stored is writable after reopen.
 */
export class FeedStore extends EventEmitter<FeedStoreEvents> {
  private readonly byId = new Map<FeedId, Feed>()
  private readonly opening = new Map<FeedId, Promise<Feed>>()
  private readonly downloads = new Map<FeedId, Hypercore.Download>()
  private readonly streams = new Set<Duplex>()
  private closing: Promise<void> | null = null

  private constructor (
    /** The directory holding the store. */
    readonly directory: string,
    /** The underlying Corestore, for advanced use (e.g. sharing its replication with other cores). */
    readonly corestore: Corestore
  ) {
    super()
  }

  /** Opens (or creates) the store in `directory` and loads every feed it holds. */
  static async open (directory: string): Promise<FeedStore> {
    const corestore = new Corestore(directory)
    try {
      await corestore.ready()
      const store = new FeedStore(directory, corestore)
      const loading: Array<Promise<Feed>> = []
      for await (const discoveryKey of corestore.list()) {
        loading.push(store.load(corestore.get({ discoveryKey, createIfMissing: false })))
      }
      await Promise.all(loading)
      log('opened %s with %d feeds', directory, store.byId.size)
      return store
    } catch (err) {
      await corestore.close().catch(() => {})
      throw err
    }
  }

  /** Every feed, writable or not, in no particular order. */
  get feeds (): Feed[] {
    return [...this.byId.values()]
  }

  get closed (): boolean {
    return this.closing !== null
  }

  getFeed (key: FeedKeyLike): Feed | undefined {
    return this.byId.get(typeof key === 'string' ? key : feedId(key))
  }

  /**
   * Creates a new writable feed with a fresh Ed25519 key pair (derived from the store's seed and kept in it), or
   * the feed of `reservation` with the key pair it promised.
   */
  async createFeed (reservation?: FeedReservation): Promise<Feed> {
    this.checkOpen()
    const name = reservation?.name ?? newFeedName()
    const feed = await this.load(this.corestore.get({ name }))
    if (reservation !== undefined && !feed.key.equals(reservation.key)) {
      throw new Error(`feed ${feed.id} was created with another key than its reservation promised`)
    }
    log('created feed %s', feed.id)
    return feed
  }

  /**
   * The key pair of a feed that does not exist yet: nothing is stored until `createFeed(reservation)`, which makes
   * it with exactly these keys. For keys that must be signed with before it is known the feed will be kept (the
   * invitation handshake): a reservation that is dropped leaves nothing behind.
   */
  async reserveFeed (): Promise<FeedReservation> {
    this.checkOpen()
    const name = newFeedName()
    const keyPair = await this.corestore.createKeyPair(name)
    const publicKey = Buffer.from(keyPair.publicKey)
    return { name, key: feedKeyFromSigner(publicKey), keyPair: { publicKey, secretKey: Buffer.from(keyPair.secretKey!) } }
  }

  /**
   * Opens the feed with this public key: ours if we created it, otherwise a read-only replica that stays empty
   * until a peer replicates it, then downloads every block, including those appended later. Opening the same key
   * twice gives the same Feed.
   */
  async openFeed (publicKey: Uint8Array): Promise<Feed> {
    this.checkOpen()
    if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== FEED_KEY_BYTES) {
      throw new InvalidFeedKeyError(publicKey)
    }
    const id = feedId(publicKey)
    const known = this.byId.get(id)
    if (known !== undefined) return known
    let pending = this.opening.get(id)
    if (pending === undefined) {
      pending = this.load(this.corestore.get({ key: Buffer.from(publicKey) }))
      this.opening.set(id, pending)
      pending.then(() => this.opening.delete(id), () => this.opening.delete(id))
    }
    return await pending
  }

  /**
   * Replicates every feed of this store with a remote store. Pass `true`/`false` (initiator or not) for a new
   * encrypted stream to pipe to the remote's stream, or an existing Noise stream such as a Hyperswarm connection.
   * Feeds opened later join open replication streams by themselves.
   */
  replicate (isInitiatorOrStream: boolean | Duplex, options?: Record<string, unknown>): Duplex {
    this.checkOpen()
    const stream = this.corestore.replicate(isInitiatorOrStream, options)
    // A replication stream that dies (the remote went away) must not crash the process if its owner did not
    // listen for 'error'.
    stream.on('error', (err: Error) => log('replication stream error: %s', err.message))
    if (typeof isInitiatorOrStream === 'boolean') {
      this.streams.add(stream)
      stream.once('close', () => this.streams.delete(stream))
    }
    return stream
  }

  /** Ends the replication streams this store created, then closes every feed and the storage. */
  async close (): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow()
    return await this.closing
  }

  private async closeNow (): Promise<void> {
    await Promise.allSettled([...this.opening.values()])
    const ended = [...this.streams].map(async (stream) => {
      if (stream.destroyed) return
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
      stream.destroy()
      await closed
    })
    await Promise.all(ended)
    for (const download of this.downloads.values()) download.destroy()
    this.downloads.clear()
    await Promise.allSettled([...this.byId.values()].map(async (feed) => await feed.core.close()))
    await this.corestore.close()
    log('closed %s', this.directory)
  }

  private async load (core: Hypercore): Promise<Feed> {
    try {
      await core.ready()
    } catch (err) {
      await core.close().catch(() => {})
      throw err
    }
    const feed = new Feed(core)
    if (this.closing !== null) {
      await core.close().catch(() => {})
      throw new FeedStoreClosedError()
    }
    const known = this.byId.get(feed.id)
    if (known !== undefined) {
      // Two sessions of the same core (e.g. openFeed raced with the load at open): keep the first.
      await core.close().catch((err) => log('closing duplicate session failed: %s', reason(err)))
      return known
    }
    if (!feed.writable) {
      // Hypercore is sparse: without a range nothing is fetched. A live range (end -1) downloads every block,
      // including those the writer appends later, in order.
      this.downloads.set(feed.id, core.download({ start: 0, end: -1, linear: true }))
    }
    this.byId.set(feed.id, feed)
    this.emit('feed', feed)
    return feed
  }

  private checkOpen (): void {
    if (this.closing !== null) throw new FeedStoreClosedError()
  }
}
