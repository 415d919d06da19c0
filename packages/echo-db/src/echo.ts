import { mkdir } from 'fs/promises'
import { join } from 'path'
import debug from 'debug'
import { Level } from 'level'
import { FeedStore } from '@echodb/feed-store'
import { createModelFactory, type ModelFactory, type ModelType, type PropertyValue } from '@echodb/models'
import { createFeedAdmit, createIdentityInfo, displayNameProblem, KeyStore, type SignedCredential, type Signer } from '@echodb/credentials'
import type { Database } from './database'
import { DatabaseError } from './errors'
import { SwarmNetwork, type NetworkOptions } from './network/swarm-network'
import { InvitationRouter } from './network/invitation-router'
import { DEFAULT_JOIN_TIMEOUT, parseJoinCode, runJoinHandshake } from './network/join-party'
import type { SyncProgress } from './network/party-sync'
import { ItemStore } from './item-store'
import { MetaStore, type PartyRecord } from './meta-store'
import { Party, type PartyContext } from './party'
import { ResultSet } from './result-set'

const log = debug('echo:echo-db:echo')

export interface EchoOptions {
  /** Where everything is kept: feeds, metadata, keys, snapshots. Created when missing. */
  directory: string
  /** Extra model types to register besides the built-ins (more can be registered later on `echo.models`). */
  models?: Array<ModelType<any>>
  /** Save a party snapshot every this many processed blocks (default 500), and on close. */
  snapshotInterval?: number
  /**
   * Replicate over Hyperswarm. Without it the instance never touches the network (replicate `echo.feedStore`
   * yourself). `bootstrap` names a private or local DHT; omitted, hyperdht's public bootstrap nodes are used.
   */
  network?: NetworkOptions
}

/** A party we created (our feed is its genesis feed) whose genesis block was never appended. */
async function isHalfCreated (record: PartyRecord, feedStore: FeedStore): Promise<boolean> {
  if (record.genesisFeedKey !== record.writableFeedKey) return false
  const feed = await feedStore.openFeed(Buffer.from(record.writableFeedKey, 'hex'))
  return feed.writable && feed.length === 0
}

/** What an invitee hands an admin to be admitted: who it is and its feed, with the FeedAdmit it signed. */
export interface AdmissionRequest {
  readonly partyKey: Buffer
  readonly identityKey: Buffer
  readonly feedKey: Buffer
  readonly feedAdmit: SignedCredential
  /** Our display name, signed by us, for the admin to write with the admission. */
  readonly identityInfo: SignedCredential | undefined
}

/** This instance's identity in every party. */
export interface Identity {
  readonly publicKey: Buffer
  /** Shown to other members (written to a party when it is created or joined). */
  readonly displayName: string | undefined
}

/**
 * An ECHO instance: one identity, its parties, and the stores behind them, in one directory.
 *
 * ```ts
 * const echo = await ECHO.create({ directory: './data' })
 * const party = await echo.createParty({ properties: { title: 'Groceries' } })
 * const item = await party.database.createItem({ type: 'task', props: { title: 'milk' } })
 * await item.model.set('done', true)
 * await echo.close()
 * ```
 */
export class ECHO {
  private readonly _parties = new Map<string, Party>()
  private readonly _partyListeners = new Set<(touched: ReadonlySet<Party>) => void>()
  private _closed = false
  private _displayName: string | undefined
  private readonly _invitations: InvitationRouter | undefined

  private constructor (
    readonly directory: string,
    private readonly _db: Level<string, string>,
    private readonly _feedStore: FeedStore,
    private readonly _metaStore: MetaStore,
    private readonly _itemStore: ItemStore,
    private readonly _identity: Signer,
    /** Secret keys of this instance: identity, device and party keys. */
    readonly keyStore: KeyStore,
    /** Model types: register custom models here. */
    readonly models: ModelFactory,
    private readonly _snapshotInterval: number,
    /** The swarm, when the instance was created with `network`. */
    readonly network: SwarmNetwork | undefined
  ) {
    this._invitations = network === undefined ? undefined : new InvitationRouter(network)
  }

  /** Opens (or creates) an instance in `directory`. On first open an identity and a device key are created. */
  static async create (options: EchoOptions): Promise<ECHO> {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new DatabaseError('INVALID_ARGUMENT', 'ECHO.create needs a directory')
    }
    const interval = options.snapshotInterval ?? 500
    if (!Number.isInteger(interval) || interval < 1) {
      throw new DatabaseError('INVALID_ARGUMENT', `snapshotInterval must be a positive integer, got ${String(interval)}`)
    }
    await mkdir(options.directory, { recursive: true })
    const db = new Level<string, string>(join(options.directory, 'db'))
    await db.open()
    let feedStore: FeedStore | undefined
    let network: SwarmNetwork | undefined
    try {
      feedStore = await FeedStore.open(join(options.directory, 'feeds'))
      const metaStore = new MetaStore(db)
      const factory = createModelFactory()
      for (const type of options.models ?? []) factory.register(type)
      const keyStore = new KeyStore(db)
      const identity = await keyStore.signer((await keyStore.ensure('identity')).publicKey)
      if (options.network !== undefined) {
        // Hyperswarm needs the device key pair itself (it is the Noise static key): the one explicit export.
        const device = await keyStore.export((await keyStore.ensure('device')).publicKey)
        network = new SwarmNetwork(feedStore, device, options.network)
      }
      const echo = new ECHO(options.directory, db, feedStore, metaStore, new ItemStore(db), identity, keyStore, factory, interval, network)
      echo._displayName = await metaStore.getSetting<string>('displayName')
      for (const record of await metaStore.listParties()) {
        if (await isHalfCreated(record, feedStore)) {
          // We created this party but its genesis was never appended (a crash in between, before the genesis was
          // written first): there is nothing to open. Its feed is left alone.
          log('dropping half-created party %s (its genesis feed is empty)', record.partyKey)
          await metaStore.removeParty(record.partyKey)
          continue
        }
        const party = echo._track(new Party(echo._partyContext(), record))
        if (record.open) await party.open()
      }
      log('opened %s with %d parties', options.directory, echo._parties.size)
      return echo
    } catch (err) {
      await network?.close().catch(() => {})
      await feedStore?.close().catch(() => {})
      await db.close().catch(() => {})
      throw err
    }
  }

  get identity (): Identity {
    return { publicKey: this._identity.publicKey, displayName: this._displayName }
  }

  /**
   * Sets the display name (checked first: INVALID_ARGUMENT names the problem, and nothing is saved); it is written
   * to every open party whose feed is admitted (readers have none: their name is the one they joined with) and to
   * parties created or joined later.
   */
  async setDisplayName (displayName: string): Promise<void> {
    this._assertOpen()
    const problem = displayNameProblem(displayName)
    if (problem !== null) throw new DatabaseError('INVALID_ARGUMENT', `display name refused: ${problem}`)
    await this._metaStore.setSetting('displayName', displayName)
    this._displayName = displayName
    for (const party of this._parties.values()) {
      if (party.isOpen && party.canWrite) await party.setDisplayName(displayName)
    }
  }

  /** Every party of this instance, open or closed, live. */
  get parties (): ResultSet<Party> {
    return new ResultSet(() => [...this._parties.values()], (callback) => {
      this._partyListeners.add(callback)
      return () => { this._partyListeners.delete(callback) }
    })
  }

  getParty (key: Uint8Array | string): Party | undefined {
    const id = typeof key === 'string' ? key.toLowerCase() : Buffer.from(key).toString('hex')
    return this._parties.get(id)
  }

  /** Creates a party with us as its admin; `properties` go to its system item (e.g. `{ title: 'Groceries' }`). */
  async createParty (options: { properties?: Record<string, PropertyValue> } = {}): Promise<Party> {
    this._assertOpen()
    const party = await Party.create(this._partyContext(), { properties: options.properties, displayName: this._displayName })
    this._track(party)
    return party
  }

  /**
   * First step of joining a party (the invitation handshake runs it on the invitee): creates our feed for the
   * party and signs its FeedAdmit with our identity and the feed key. An admin writes it with `party.admit`.
   */
  async requestAdmission (partyKey: Uint8Array): Promise<AdmissionRequest> {
    this._assertOpen()
    if (this.getParty(partyKey) !== undefined) {
      throw new DatabaseError('PARTY_EXISTS', `this instance is already in party ${Buffer.from(partyKey).toString('hex')}`)
    }
    const feed = await this._feedStore.createFeed()
    return {
      partyKey: Buffer.from(partyKey),
      identityKey: this._identity.publicKey,
      feedKey: feed.key,
      feedAdmit: createFeedAdmit({ partyKey, identity: this._identity, feed: feed.keyPair! }),
      identityInfo: this._displayName === undefined || this._displayName === ''
        ? undefined
        : createIdentityInfo({ partyKey, identity: this._identity, displayName: this._displayName })
    }
  }

  /**
   * Last step of joining: records the party (its genesis feed and the feeds the greeter named), opens it with the
   * feed of our admission request and starts processing. Resolves with the open party.
   */
  async addJoinedParty (options: { partyKey: Uint8Array, genesisFeedKey: Uint8Array | null, feedKeys: Uint8Array[], ownFeedKey: Uint8Array }): Promise<Party> {
    this._assertOpen()
    const existing = this.getParty(options.partyKey)
    if (existing !== undefined) return existing
    const ownFeed = await this._feedStore.openFeed(options.ownFeedKey)
    const party = await Party.join(this._partyContext(), options.partyKey, options.genesisFeedKey, options.feedKeys, ownFeed)
    this._track(party)
    return party
  }

  /**
   * Joins a party with an invitation: `code` and `secret` from a greeter (`party.createInvitation()`), or only
   * `code` for an offline invitation (`party.admitKey()`). Finds the greeter through the swarm, runs the
   * handshake, then replicates until caught up and resolves with the open party. Failures are InvitationErrors
   * with a `code`: INVALID_CODE, INVALID_SECRET, WRONG_SECRET (with `attemptsLeft`), TOO_MANY_ATTEMPTS, EXPIRED,
   * USED_UP, NOT_A_MEMBER, UNREACHABLE (nobody answered within `timeout`, default 30 s); an offline code of a party
   * this instance holds is a DatabaseError PARTY_EXISTS (before any feed is made). A writer or admin is
   * returned able to write: joinParty also waits for the block admitting its feed.
   */
  async joinParty (code: string, secret?: string, options: { timeout?: number, onProgress?: (progress: SyncProgress) => void } = {}): Promise<Party> {
    this._assertOpen()
    const network = this.network
    if (network === undefined) throw new DatabaseError('NO_NETWORK', 'joining a party needs an ECHO instance created with `network` options')
    // A bad code, a missing secret or a party we hold already is refused before anything else.
    const parsed = parseJoinCode(code, secret)
    if (parsed.kind === 'member' && this.getParty(parsed.partyKey) !== undefined) {
      throw new DatabaseError('PARTY_EXISTS', `this instance is already in party ${parsed.partyKey.toString('hex')}`)
    }
    const timeout = options.timeout ?? DEFAULT_JOIN_TIMEOUT
    const started = Date.now()
    // The feed is reserved, not created: a failed handshake (wrong secret, unreachable greeter) leaves no feed.
    const reservation = await this._feedStore.reserveFeed()
    const result = await runJoinHandshake(parsed, secret, { network, identity: this._identity, feed: reservation, displayName: this._displayName, timeout })
    const feed = await this._feedStore.createFeed(reservation)
    const party = await this.addJoinedParty({
      partyKey: result.partyKey,
      genesisFeedKey: result.genesisFeedKey,
      feedKeys: result.feeds.map((f) => f.feedKey),
      ownFeedKey: feed.key
    })
    const onProgress = options.onProgress
    if (onProgress !== undefined) party.sync.on('progress', onProgress)
    try {
      await party.sync.caughtUp()
      // caughtUp counts what peers had announced; the block admitting our feed may still be on its way.
      if (result.role !== 'reader') await party.waitUntilWritable(Math.max(1000, timeout - (Date.now() - started)))
    } finally {
      if (onProgress !== undefined) party.sync.off('progress', onProgress)
    }
    log('joined party %s as %s', party.id, result.role)
    return party
  }

  /** Closes every party (saving snapshots) and the stores. */
  async close (): Promise<void> {
    if (this._closed) return
    this._closed = true
    for (const party of this._parties.values()) await party.shutdown()
    await this.network?.close()
    await this._feedStore.close()
    await this._db.close()
    log('closed %s', this.directory)
  }

  /** The ItemStore holding party snapshots (for backups and advanced use). */
  get itemStore (): ItemStore {
    return this._itemStore
  }

  /** The FeedStore (for replication and advanced use). */
  get feedStore (): FeedStore {
    return this._feedStore
  }

  private _track (party: Party): Party {
    this._parties.set(party.id, party)
    const touched = new Set([party])
    for (const listener of [...this._partyListeners]) listener(touched)
    return party
  }

  private _partyContext (): PartyContext {
    return {
      feedStore: this._feedStore,
      metaStore: this._metaStore,
      itemStore: this._itemStore,
      keyStore: this.keyStore,
      factory: this.models,
      identity: this._identity,
      snapshotInterval: this._snapshotInterval,
      network: this.network,
      invitations: this._invitations,
      database: (key: Uint8Array): Database | undefined => {
        const party = this.getParty(key)
        return party?.isOpen === true ? party.database : undefined
      }
    }
  }

  private _assertOpen (): void {
    if (this._closed) throw new DatabaseError('ECHO_CLOSED', `the ECHO instance in ${this.directory} is closed`)
  }
}
