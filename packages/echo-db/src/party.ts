import type Hyperswarm from 'hyperswarm'
import { EventEmitter } from 'events'
import debug from 'debug'
import type { echo } from '@echodb/proto'
import { FeedWriter, Timeframe, type Feed, type FeedStore } from '@echodb/feed-store'
import {
  createFeedAdmit, createIdentityInfo, createOfflineInvitation, discoveryKey, Greeter, type InvitationOptions, createKeyAdmit, createKeyRemove, createPartyGenesis, generateKeyPair, PartyState,
  type KeyStore, type MemberInfo, type Role, type SignedCredential, type Signer
} from '@echodb/credentials'
import type { ModelFactory, ObjectModel, PropertyValue } from '@echodb/models'
import { buildItemEnvelopes, Database } from './database'
import { DatabaseError, type Rejection } from './errors'
import { encodeItem, type ItemRange, type ItemStore } from './item-store'
import type { MetaStore, PartyRecord } from './meta-store'
import { envelopeCodec, PartyProcessor, type RejectionCounts } from './party-processor'
import { ResultSet } from './result-set'
import { PartySync } from './network/party-sync'
import { LookAgain } from './network/look-again'
import type { SwarmNetwork } from './network/swarm-network'
import type { InvitationRouter } from './network/invitation-router'
import { PartyInvitation } from './network/party-invitation'

const log = debug('echo:echo-db:party')

/** Everything a party shares with its ECHO instance. */
export interface PartyContext {
  readonly feedStore: FeedStore
  readonly metaStore: MetaStore
  readonly itemStore: ItemStore
  readonly factory: ModelFactory
  readonly identity: Signer
  readonly keyStore: KeyStore
  /** Save a snapshot every this many processed blocks (and on close). */
  readonly snapshotInterval: number
  /** The instance's swarm, if it has one: open parties join their topic on it. */
  readonly network?: SwarmNetwork
  /** Routes invitation handshakes to the greeters of open parties (with the network). */
  readonly invitations?: InvitationRouter
  /** Another open party's database, for references across parties. */
  database (partyKey: Uint8Array): Database | undefined
}

export interface PartyEvents {
  /** The party timeframe advanced. */
  timeframe: [timeframe: Timeframe]
  /** A message was not applied (bad signature, unadmitted writer, undecodable, refused by a model, ...). */
  rejected: [rejection: Rejection]
  /** Members, roles, feeds or display names changed. */
  members: [members: readonly MemberInfo[]]
  /** A snapshot was saved. */
  snapshot: [timeframe: Timeframe]
  /** The saved snapshot could not be used (it is dropped and the party replayed from its feeds). */
  'snapshot-discarded': [reason: string]
  open: []
  close: []
}

interface OpenParty {
  partyState: PartyState
  database: Database
  processor: PartyProcessor
  writer: FeedWriter<echo.IEnvelope>
  ownFeed: Feed
  sync: PartySync
  /** Looks the party's topic up again while no peer of the party is connected. */
  lookAgain: LookAgain | undefined
  /** Our join of the party's topic (left on close; other joins of the same topic are not). */
  session: Hyperswarm.PeerDiscoverySession | undefined
  blocksSinceSnapshot: number
  saving: Promise<void> | undefined
}

/**
 * A shared database: its members (PartyState), its items (Database), the feeds that carry them, and the
 * processor that folds those feeds into state. A closed party holds nothing in memory and processes nothing.
 */
export class Party extends EventEmitter<PartyEvents> {
  readonly key: Buffer
  private _open: OpenParty | undefined
  private _opening: Promise<void> | undefined
  private _membersResult: ResultSet<MemberInfo> | undefined
  private _rebuilding: Promise<void> | undefined
  /** The party's greeter (with a network), from the first open until a close that is not a rebuild's. */
  private _greeter: Greeter | undefined
  /** The membership the greeter reads: the current run's. */
  private _greeterState: PartyState | undefined
  /** A rebuild was asked for while one ran: run another once it is done. */
  private _rebuildAgain = false
  /** The membership a rebuild starts from: the replay judges item messages by it (see PartyProcessorOptions.judge). */
  private _judge: PartyState | undefined
  private _discardedSnapshots = 0

  constructor (private readonly _context: PartyContext, private _record: PartyRecord) {
    super()
    this.key = Buffer.from(_record.partyKey, 'hex')
  }

  /** The party key as lowercase hex. */
  get id (): string {
    return this._record.partyKey
  }

  get isOpen (): boolean {
    return this._open !== undefined
  }

  /** How many saved snapshots of this party proved unusable and were dropped (then the party was replayed). */
  get discardedSnapshots (): number {
    return this._discardedSnapshots
  }

  /**
   * Creates a party: a party key, our first feed, and the genesis block (genesis, our name, the system item). The
   * genesis block is appended before the party is recorded, so a crash in between leaves no half-created party
   * (at most an unused feed).
   */
  static async create (context: PartyContext, options: { properties?: Record<string, PropertyValue>, displayName?: string } = {}): Promise<Party> {
    const partyKeyPair = generateKeyPair()
    const feed = await context.feedStore.createFeed()
    const partyKey = partyKeyPair.publicKey
    const messages: echo.IEnvelope[] = [
      { credential: createPartyGenesis({ party: partyKeyPair, identity: context.identity, feed: feed.keyPair! }) }
    ]
    if (options.displayName !== undefined && options.displayName !== '') {
      messages.push({ credential: createIdentityInfo({ partyKey, identity: context.identity, displayName: options.displayName }) })
    }
    messages.push(...buildItemEnvelopes(context.factory, feed.key, { props: options.properties ?? {} }, true))
    const writer = new FeedWriter<echo.IEnvelope>(feed, { codec: envelopeCodec, timeframe: () => new Timeframe() })
    await writer.writeAll(messages)
    await writer.close()
    // The party key signs only the genesis: its secret is dropped now (anyone holding it could sign a second
    // genesis); the KeyStore keeps the public key.
    await context.keyStore.add('party', { publicKey: partyKey })
    const record: PartyRecord = {
      partyKey: partyKey.toString('hex'),
      writableFeedKey: feed.id,
      genesisFeedKey: feed.id,
      feedKeys: [feed.id],
      open: true,
      createdAt: Date.now()
    }
    await context.metaStore.addParty(record)
    const party = new Party(context, record)
    await party.open() // processes the genesis block before it resolves
    if (!party.partyState.hasGenesis) throw new DatabaseError('GENESIS_FAILED', `party ${party.id} did not accept its own genesis`)
    log('created party %s', party.id)
    return party
  }

  /**
   * Joins a party we were admitted to (the invitation handed us the party key and feeds to read): records it,
   * creates our writable feed and returns the party open. Our FeedAdmit is written by the greeter.
   */
  static async join (context: PartyContext, partyKey: Uint8Array, genesisFeedKey: Uint8Array | null, feedKeys: Uint8Array[], ownFeed: Feed): Promise<Party> {
    const keys = [...(genesisFeedKey === null ? [] : [genesisFeedKey]), ...feedKeys].map((k) => Buffer.from(k).toString('hex'))
    const record: PartyRecord = {
      partyKey: Buffer.from(partyKey).toString('hex'),
      writableFeedKey: ownFeed.id,
      genesisFeedKey: genesisFeedKey === null ? '' : keys[0],
      feedKeys: [...new Set([...keys, ownFeed.id])],
      open: true,
      createdAt: Date.now()
    }
    await context.metaStore.addParty(record)
    const party = new Party(context, record)
    await party.open()
    return party
  }

  /** Opens the party: loads the latest snapshot (if any) and processes the feeds from there. */
  async open (): Promise<void> {
    if (this._open !== undefined) return
    this._opening ??= this._doOpen().finally(() => { this._opening = undefined })
    await this._opening
  }

  private async _doOpen (): Promise<void> {
    const context = this._context
    const record = await context.metaStore.getParty(this.id) ?? this._record
    this._record = record
    const judge = this._judge
    this._judge = undefined
    const restored = await this._restoreSnapshot()
    const partyState = restored?.partyState ?? new PartyState(this.key, {
      // Pinned to the genesis feed we were told of: a genesis in any other feed is refused.
      genesisFeedKey: record.genesisFeedKey === '' ? undefined : Buffer.from(record.genesisFeedKey, 'hex')
    })
    const database = restored?.database ?? this._newDatabase()
    const start = restored?.timeframe ?? new Timeframe()
    const feeds: Feed[] = []
    for (const id of record.feedKeys) feeds.push(await context.feedStore.openFeed(Buffer.from(id, 'hex')))
    for (const info of partyState.listFeeds()) {
      if (!record.feedKeys.includes(info.feedKey.toString('hex'))) feeds.push(await context.feedStore.openFeed(info.feedKey))
    }
    const ownFeed = await context.feedStore.openFeed(Buffer.from(record.writableFeedKey, 'hex'))
    if (!ownFeed.writable) throw new DatabaseError('FEED_NOT_WRITABLE', `our feed ${ownFeed.id} of party ${this.id} is not writable in this store`)
    const processor = new PartyProcessor({
      partyState,
      database,
      feedStore: context.feedStore,
      start,
      judge,
      itemRanges: restored?.itemRanges,
      onFeedAdmitted: async (feed) => { await context.metaStore.addFeed(this.id, feed.id) }
    })
    const writer = new FeedWriter<echo.IEnvelope>(ownFeed, { codec: envelopeCodec, timeframe: () => processor.timeframe.clone() })
    const sync = new PartySync({
      partyState,
      feedStore: context.feedStore,
      feedKeys: () => this._record.feedKeys,
      timeframe: processor.timeframe,
      idle: () => processor.isIdle,
      onTimeframe: (listener) => {
        processor.on('timeframe', listener)
        processor.on('idle', listener)
        return () => {
          processor.off('timeframe', listener)
          processor.off('idle', listener)
        }
      }
    }, context.network)
    const network = context.network
    // One greeter for as long as the party is open, a rebuild included (its invitations stay valid): it reads the
    // membership of the current run.
    this._greeterState = partyState
    const greeter = network === undefined ? undefined : this._greeter ??= this._newGreeter(network.publicKey)
    const open: OpenParty = { partyState, database, processor, writer, ownFeed, sync, lookAgain: undefined, session: undefined, blocksSinceSnapshot: 0, saving: undefined }
    processor.on('timeframe', (timeframe) => {
      this.emit('timeframe', timeframe)
      if (++open.blocksSinceSnapshot >= context.snapshotInterval) void this._saveSnapshot(open)
    })
    processor.on('rejected', (rejection) => this.emit('rejected', rejection))
    processor.on('membership', () => this.emit('members', partyState.listMembers()))
    processor.on('stale', (feedKey, detail) => {
      // E.g. items of a removed member past its cut-off were applied before the removal arrived. Other peers never
      // apply them, so this peer must rebuild its items without them to converge.
      log('party %s: feed %s: %s: rebuilding', this.id, feedKey, detail)
      this._requestRebuild()
    })
    this._open = open
    processor.start(feeds)
    await processor.idle()
    // The topic is a hash of the party key: the key itself is never announced.
    const session = open.session = context.network?.join(discoveryKey(this.key))
    if (session !== undefined) open.lookAgain = new LookAgain(session, () => sync.peers() === 0)
    if (greeter !== undefined) context.invitations?.add(greeter)
    await context.metaStore.setPartyOpen(this.id, true)
    this.emit('open')
  }

  private _newDatabase (): Database {
    return new Database({
      partyKey: this.key,
      factory: this._context.factory,
      feedKey: Buffer.from(this._record.writableFeedKey, 'hex'),
      database: (key) => this._context.database(key),
      write: async (messages) => await this._writeBlock(messages)
    })
  }

  /**
   * The saved snapshot as state to resume from, or undefined when there is none or it cannot be used: then it is
   * dropped (counted, logged, 'snapshot-discarded') and the party is replayed from its feeds, which gives the same
   * state. A snapshot must never keep a party, or the ECHO instance, from opening.
   */
  private async _restoreSnapshot (): Promise<{ partyState: PartyState, database: Database, timeframe: Timeframe, itemRanges: Map<string, ItemRange> } | undefined> {
    let database: Database | undefined
    try {
      const snapshot = await this._context.itemStore.load(this.id)
      if (snapshot === undefined) return undefined
      const partyState = PartyState.restore(snapshot.partyState, { partyKey: this.key, trusted: true })
      database = this._newDatabase()
      for (const item of snapshot.items) database.restoreItem(item)
      log('party %s opened from snapshot (%d items, timeframe sum %d)', this.id, snapshot.items.length, snapshot.timeframe.sum)
      return { partyState, database, timeframe: snapshot.timeframe, itemRanges: snapshot.itemRanges }
    } catch (err) {
      database?.close()
      const reason = (err as Error).message
      this._discardedSnapshots++
      log('party %s: snapshot dropped, replaying the feeds: %s', this.id, reason)
      this.emit('snapshot-discarded', reason)
      await this._context.itemStore.clear(this.id)
      return undefined
    }
  }

  private _newGreeter (channelKey: Buffer): Greeter {
    const party = this
    return new Greeter({
      partyKey: this.key,
      identity: this._context.identity,
      get state () { return party._greeterState as PartyState },
      channelKey,
      admit: async (admission) => { await this._writeBlock(admission.credentials.map((credential) => ({ credential }))) }
    })
  }

  /** Saves a snapshot, then stops processing and releases the party's memory. Writes in flight are rejected. */
  async close (): Promise<void> {
    // A rebuild closes and opens the party itself: let it finish, or it would open the party again afterwards.
    while (this._rebuilding !== undefined) await this._rebuilding
    await this._close(true)
  }

  /**
   * Releases memory without marking the party closed in the MetaStore (the ECHO instance is closing): the open
   * flag is never touched, so a crash at any point leaves it as the user left it.
   */
  async shutdown (): Promise<void> {
    while (this._rebuilding !== undefined) await this._rebuilding
    await this._close(false)
  }

  /**
   * `markClosed`: record in the MetaStore that the user closed the party (not on shutdown or rebuild). A rebuild
   * keeps the greeter, so the party's invitations outlive it.
   */
  private async _close (markClosed: boolean, rebuilding = false): Promise<void> {
    if (this._opening !== undefined) await this._opening
    const open = this._open
    if (open === undefined) return
    if (this._greeter !== undefined && !rebuilding) {
      this._context.invitations?.remove(this._greeter)
      this._greeter = undefined
    }
    open.lookAgain?.stop()
    if (this._context.network !== undefined && open.session !== undefined) await this._context.network.leave(discoveryKey(this.key), open.session)
    open.sync.close()
    await open.writer.close()
    await open.processor.close()
    await open.saving
    await this._saveSnapshot(open)
    open.database.close()
    this._open = undefined
    if (markClosed) await this._context.metaStore.setPartyOpen(this.id, false)
    this.emit('close')
  }

  get database (): Database {
    return this._requireOpen().database
  }

  /** The party's properties (title and the like): the system item's ObjectModel. */
  get properties (): ObjectModel {
    const item = this._requireOpen().database.systemItem
    if (item === undefined) throw new DatabaseError('NOT_READY', `party ${this.id} has not processed its genesis yet`)
    return item.model
  }

  /** Sync progress: blocks known vs processed, and `caughtUp()`. */
  get sync (): PartySync {
    return this._requireOpen().sync
  }

  /** For each feed, how many blocks have been processed. */
  get timeframe (): Timeframe {
    return this._requireOpen().processor.timeframe
  }

  /** A live result set of the current members. */
  get members (): ResultSet<MemberInfo> {
    this._requireOpen()
    this._membersResult ??= new ResultSet(
      () => this._open?.partyState.listMembers() ?? [],
      (callback) => {
        const listener = (): void => callback(new Set())
        this.on('members', listener)
        return () => { this.off('members', listener) }
      }
    )
    return this._membersResult
  }

  /** Membership state (roles, feeds, cut-offs). */
  get partyState (): PartyState {
    return this._requireOpen().partyState
  }

  /** Rejected messages by reason, since the party was opened. */
  get rejections (): RejectionCounts {
    return { ...this._requireOpen().processor.rejections }
  }

  /** Our writable feed in this party. */
  get ownFeed (): Feed {
    return this._requireOpen().ownFeed
  }

  get processor (): PartyProcessor {
    return this._requireOpen().processor
  }

  /** Whether our own feed is admitted, so our writes are processed (false for readers, and before admission). */
  get canWrite (): boolean {
    const open = this._requireOpen()
    return open.partyState.isFeedAdmitted(open.ownFeed.id)
  }

  /** Our role in the party, or undefined while we are not (yet) a member. */
  get role (): Role | undefined {
    return this._requireOpen().partyState.getRole(this._context.identity.publicKey)
  }

  /** Resolves once the party's timeframe has reached `timeframe` (e.g. another peer's). */
  async waitForTimeframe (timeframe: Timeframe): Promise<void> {
    const open = this._requireOpen()
    if (timeframe.isSatisfiedBy(open.processor.timeframe)) return
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (timeframe.isSatisfiedBy(open.processor.timeframe)) { cleanup(); resolve() }
      }
      const closed = (): void => { cleanup(); reject(new DatabaseError('PARTY_CLOSED', `party ${this.id} closed while waiting`)) }
      const cleanup = (): void => { this.off('timeframe', check); this.off('close', closed) }
      this.on('timeframe', check)
      this.on('close', closed)
    })
  }

  /**
   * Resolves once our own feed is admitted, i.e. writes can be processed (a joiner's FeedAdmit is written by the
   * member who let it in and arrives by replication). Rejects with NOT_A_WRITER after `timeout` ms, and with
   * PARTY_CLOSED if the party closes for good meanwhile (a rebuild's close and open are waited through).
   */
  async waitUntilWritable (timeout: number): Promise<void> {
    const admitted = (): boolean => this._open !== undefined && this._open.partyState.isFeedAdmitted(this._open.ownFeed.id)
    if (admitted()) return
    await new Promise<void>((resolve, reject) => {
      const check = (): void => { if (admitted()) { cleanup(); resolve() } }
      const timer = setTimeout(() => {
        cleanup()
        reject(new DatabaseError('NOT_A_WRITER', `our feed of party ${this.id} was not admitted within ${timeout} ms`))
      }, timeout)
      const closed = (): void => {
        // A rebuild closes and opens the party again: only a real close ends the wait.
        if (this._rebuilding === undefined) { cleanup(); reject(new DatabaseError('PARTY_CLOSED', `party ${this.id} closed while waiting`)) }
      }
      const cleanup = (): void => { clearTimeout(timer); this.off('timeframe', check); this.off('open', check); this.off('close', closed) }
      this.on('timeframe', check)
      this.on('open', check)
      this.on('close', closed)
    })
  }

  /**
   * Admits a member (admins only): KeyAdmit with `role`, and for writers and admins the FeedAdmit the invitee
   * signed, in one block. Resolves once processed here.
   */
  async admit (request: { identityKey: Uint8Array, feedAdmit?: SignedCredential, identityInfo?: SignedCredential }, role: Role): Promise<void> {
    const open = this._requireOpen()
    if (open.partyState.getRole(this._context.identity.publicKey) !== 'admin') {
      throw new DatabaseError('NOT_AN_ADMIN', `only admins admit members to party ${this.id}`)
    }
    const messages: echo.IEnvelope[] = [
      { credential: createKeyAdmit({ partyKey: this.key, admin: this._context.identity, identityKey: request.identityKey, role }) }
    ]
    if (role !== 'reader' && request.feedAdmit !== undefined) messages.push({ credential: request.feedAdmit })
    if (request.identityInfo !== undefined) messages.push({ credential: request.identityInfo })
    await this._writeBlock(messages)
  }

  /**
   * Creates an invitation (admins only; needs the network): `{ code, secret, done, cancel() }`. Give the invitee
   * the code and the secret by two different routes; `done` resolves when they have joined.
   */
  async createInvitation (options: InvitationOptions = {}): Promise<PartyInvitation> {
    const open = this._requireOpen()
    const network = this._context.network
    if (network === undefined || this._greeter === undefined) {
      throw new DatabaseError('NO_NETWORK', 'invitations need an ECHO instance created with `network` options')
    }
    if (open.partyState.getRole(this._context.identity.publicKey) !== 'admin') {
      throw new DatabaseError('NOT_AN_ADMIN', `only admins invite to party ${this.id}`)
    }
    if (options.role !== undefined && !['admin', 'writer', 'reader'].includes(options.role)) {
      throw new DatabaseError('INVALID_ARGUMENT', `role must be admin, writer or reader, not ${String(options.role)}`)
    }
    const invitation = await this._greeter.createInvitation(options)
    return new PartyInvitation(invitation, this._greeter, network)
  }

  /**
   * Offline invitation (admins only): admits a known identity key in advance and returns the code it joins with,
   * through any online member (`echo.joinParty(code)`, no secret).
   */
  async admitKey (identityKey: Uint8Array, role: Role = 'writer'): Promise<string> {
    const open = this._requireOpen()
    if (open.partyState.getRole(this._context.identity.publicKey) !== 'admin') {
      throw new DatabaseError('NOT_AN_ADMIN', `only admins admit members to party ${this.id}`)
    }
    const { code, credential } = createOfflineInvitation({ partyKey: this.key, admin: this._context.identity, identityKey, role })
    await this._writeBlock([{ credential }])
    return code
  }

  /** Admits a feed of ours (e.g. a second device) — signs a FeedAdmit with our identity and the feed key. */
  async admitFeed (feed: Feed): Promise<void> {
    if (feed.keyPair === null) throw new DatabaseError('FEED_NOT_WRITABLE', `feed ${feed.id} is not ours`)
    await this._writeBlock([{ credential: createFeedAdmit({ partyKey: this.key, identity: this._context.identity, feed: feed.keyPair }) }])
  }

  /** Sets our display name in this party (an IdentityInfo credential). */
  async setDisplayName (displayName: string): Promise<void> {
    await this._writeBlock([{ credential: createIdentityInfo({ partyKey: this.key, identity: this._context.identity, displayName }) }])
  }

  /** Removes a member (admins only). Their feeds stay valid up to what this peer has processed of them. */
  async removeMember (identityKey: Uint8Array): Promise<void> {
    const open = this._requireOpen()
    if (open.partyState.getRole(this._context.identity.publicKey) !== 'admin') {
      throw new DatabaseError('NOT_AN_ADMIN', `only admins remove members of party ${this.id}`)
    }
    if (!open.partyState.isMember(identityKey)) {
      throw new DatabaseError('NOT_A_MEMBER', `${Buffer.from(identityKey).toString('hex')} is not a member of party ${this.id}`)
    }
    const cutoffs = open.partyState.removalCutoffs(identityKey, (feedKey) => open.processor.timeframe.get(feedKey))
    await this._writeBlock([{ credential: createKeyRemove({ partyKey: this.key, admin: this._context.identity, identityKey, cutoffs }) }])
  }

  /**
   * Appends `messages` to our feed in one block and resolves once that block has been processed locally.
   * Refused with NOT_A_WRITER for readers and non-members (except credentials, which PartyState judges).
   */
  async _writeBlock (messages: echo.IEnvelope[]): Promise<void> {
    const open = this._requireOpen()
    const state = open.partyState
    if (messages.some((m) => m.item !== undefined && m.item !== null)) {
      const role = state.getRole(this._context.identity.publicKey)
      if (role !== 'admin' && role !== 'writer') {
        throw new DatabaseError('NOT_A_WRITER', role === 'reader'
          ? `this peer is a reader of party ${this.id}: it cannot write items`
          : `this peer is not a member of party ${this.id}`)
      }
    }
    // A block of a feed that is not admitted is never processed (e.g. a reader's: readers have no admitted feed),
    // so waiting for it would wait forever.
    if (state.blockStatus(open.ownFeed.id, open.ownFeed.length) === 'not-admitted') {
      throw new DatabaseError('NOT_A_WRITER', `our feed ${open.ownFeed.id} is not admitted to party ${this.id}${state.getRole(this._context.identity.publicKey) === 'reader' ? ' (this peer is a reader)' : ''}: it cannot write to it`)
    }
    const positions = messages.length === 1 ? [await open.writer.write(messages[0])] : await open.writer.writeAll(messages)
    await open.processor.waitFor(open.ownFeed.id, positions[positions.length - 1].blockIndex)
  }

  private _requireOpen (): OpenParty {
    const open = this._open
    if (open === undefined) throw new DatabaseError('PARTY_CLOSED', `party ${this.id} is closed: open it first`)
    return open
  }

  /** Saves a snapshot of the open party (the items changed since the last save, and the head). */
  async saveSnapshot (): Promise<void> {
    await this._saveSnapshot(this._requireOpen())
  }

  private async _saveSnapshot (open: OpenParty): Promise<void> {
    if (open.saving !== undefined) return await open.saving
    // While a rebuild's replay judges items by the previous run's membership, our PartyState is still partial:
    // items and membership would not describe one moment. Saved once it has caught up.
    if (open.processor.judging) return
    open.blocksSinceSnapshot = 0
    // Captured synchronously, between two blocks: head and items describe the same moment.
    const timeframe = open.processor.timeframe.clone()
    const partyState = open.partyState.snapshot()
    const changed = open.database.changedItems(false)
    const records: Array<[string, Uint8Array]> = []
    for (const item of changed) {
      records.push([item.id, encodeItem(item)])
      item.savedRevision = item.encodedModel.revision
      item.fieldsDirty = false
    }
    const head = { timeframe, partyState, itemCount: open.database.size, processedMessages: open.processor.processedMessages, itemRanges: open.processor.itemRanges() }
    open.saving = this._context.itemStore.save(this.id, head, records)
      .then(() => { this.emit('snapshot', timeframe) })
      .catch((err) => {
        for (const item of changed) item.savedRevision = -1
        log('snapshot of %s failed: %O', this.id, err)
      })
      .finally(() => { open.saving = undefined })
    await open.saving
  }

  /** Starts a rebuild, or asks for another one after the running one (its replay may already be stale). */
  private _requestRebuild (): void {
    if (this._rebuilding !== undefined) {
      this._rebuildAgain = true
      return
    }
    this._rebuilding = (async () => {
      do {
        this._rebuildAgain = false
        await this._rebuild()
      } while (this._rebuildAgain && this._open !== undefined)
    })().finally(() => { this._rebuilding = undefined })
  }

  /**
   * Drops the snapshot and processes every feed again from the start, judging item messages by the membership
   * known now (after e.g. a late removal cut-off). Emits 'close' and 'open'; the MetaStore's open flag stays.
   */
  private async _rebuild (): Promise<void> {
    if (this._opening !== undefined) await this._opening.catch(() => {})
    const open = this._open
    if (open === undefined) return
    // The most complete membership we have: the view the current run judges by.
    const judge = open.processor.view
    try {
      await this._close(false, true)
      await this._context.itemStore.clear(this.id)
      this._judge = judge
      await this.open()
    } catch (err) {
      this._judge = undefined
      log('rebuild of %s failed (it is replayed at the next open): %O', this.id, err)
    }
  }
}
