import { EventEmitter } from 'events'
import debug from 'debug'
import { echo } from '@echodb/proto'
import { type CredentialProblem, type FeedCutoff, type Role, type SignedCredential, verifyCredential } from './credentials'
import { CredentialsError } from './errors'
import { PUBLIC_KEY_BYTES, assertPublicKey, keyToHex } from './keys'
import {
  type Entry, type FeedRecord, type MemberRecord, Model, type Outcome, compareEntries, describeEntry, diff, fold, makeEntry,
  step
} from './membership-rules'

const log = debug('echo:credentials:party-state')

/**
 * Where a credential was read: its message's position in the party's feeds and the `seq` of its block's order
 * stamp (PROTOCOL.md §4: the sum of the block's timeframe with the block's own feed counted as the block index).
 * PartyState orders credentials by (seq, feed key, block index, index in block), exactly like echo-db's order stamps.
 */
export interface CredentialSource {
  readonly feedKey: Uint8Array
  readonly blockIndex: number
  readonly indexInBlock: number
  readonly seq: number
}

/** Why PartyState refused a credential. Stateless problems come from `verifyCredential`. */
export type RejectReason =
  | CredentialProblem
  | 'INVALID_SOURCE'          // the source position is malformed, or already holds another credential
  | 'REPLAY'                  // this exact credential was already processed
  | 'NONCE_REUSED'            // another credential already used this nonce
  | 'NO_GENESIS'              // nothing but the genesis is valid before the genesis
  | 'GENESIS_EXISTS'          // a second genesis
  | 'GENESIS_POSITION'        // a genesis that is not the first message of the feed it admits
  | 'CARRIER_NOT_ADMITTED'    // carried by a feed that is not admitted (at that point of the order)
  | 'CARRIER_NOT_SIGNER'      // an admin credential carried by a feed that is not the signing admin's
  | 'SIGNER_NOT_MEMBER'
  | 'SIGNER_NOT_ADMIN'
  | 'NOT_A_MEMBER'            // the identity it is about is not a member
  | 'READER_CANNOT_WRITE'     // a feed for a reader
  | 'FEED_ALREADY_ADMITTED'   // the feed belongs to another member
  | 'CUTOFF_NOT_MEMBER_FEED'  // a removal naming a feed that is not the removed member's
  | 'GENESIS_CUT'             // a removal that would cut the genesis feed below 1 block

/**
 * Why a credential is held: not applied, but kept, because it would count without a removal, and a removal can
 * itself stop counting when a concurrent removal that comes first in the order cuts it (see README, "Cut-offs").
 */
export type HeldReason =
  | 'BEYOND_CUTOFF'   // carried at or after its feed's cut-off
  | 'REMOVED'         // its signer, or the member it is about, was removed
  | 'DEPENDS_ON_CUT'  // valid only through a held credential (e.g. a member admitted by a cut-off admin)

export type ProcessResult =
  | { readonly status: 'accepted', readonly changes: readonly PartyChange[] }
  | { readonly status: 'held', readonly reason: HeldReason, readonly detail: string, readonly changes: readonly PartyChange[] }
  | { readonly status: 'rejected', readonly reason: RejectReason, readonly detail: string }

/** One change of the membership state. Every change is also emitted as an event named by its `type`. */
export type PartyChange =
  | { readonly type: 'genesis', readonly identityKey: Buffer, readonly feedKey: Buffer }
  | { readonly type: 'member-admitted', readonly identityKey: Buffer, readonly role: Role, readonly admittedBy: Buffer | null }
  | { readonly type: 'member-removed', readonly identityKey: Buffer, readonly removedBy: Buffer }
  /** A removal stopped counting: it was itself cut off by a concurrent removal that comes first in the order. */
  | { readonly type: 'member-restored', readonly identityKey: Buffer }
  /** An admission stopped counting (it was cut off), so the identity is no member at all. */
  | { readonly type: 'member-revoked', readonly identityKey: Buffer }
  /** A member's role changed: a KeyAdmit with a higher role promoted it, or the one that did was cut. */
  | { readonly type: 'member-role', readonly identityKey: Buffer, readonly role: Role, readonly previous: Role }
  | { readonly type: 'identity-info', readonly identityKey: Buffer, readonly displayName: string | null }
  | { readonly type: 'feed-admitted', readonly feedKey: Buffer, readonly identityKey: Buffer }
  | { readonly type: 'feed-revoked', readonly feedKey: Buffer, readonly identityKey: Buffer }
  /** The feed's valid length changed: `length` blocks stay valid (null: no cut-off). */
  | { readonly type: 'feed-cutoff', readonly feedKey: Buffer, readonly identityKey: Buffer, readonly length: number | null, readonly previous: number | null }

export interface Rejection {
  readonly reason: RejectReason
  readonly detail: string
  readonly source: CredentialSource
}

export interface Held {
  readonly reason: HeldReason
  readonly detail: string
  readonly source: CredentialSource
}

type ChangeEvents = { [C in PartyChange as C['type']]: [change: C] }

export type PartyStateEvents = ChangeEvents & {
  /** Every process() that changed the membership state, with all its changes. */
  change: [changes: readonly PartyChange[]]
  rejected: [rejection: Rejection]
  held: [held: Held]
}

export interface MemberInfo {
  readonly identityKey: Buffer
  readonly role: Role
  readonly displayName: string | null
  /** Null for the party's creator. */
  readonly admittedBy: Buffer | null
  readonly removed: boolean
  readonly removedBy: Buffer | null
  /** The member's admitted feeds, in admission order. */
  readonly feeds: readonly Buffer[]
}

export interface FeedInfo {
  readonly feedKey: Buffer
  readonly identityKey: Buffer
  /** Blocks 0 .. cutoff-1 are valid; null: the whole feed is valid. */
  readonly cutoff: number | null
}

/**
 * What a peer does with a block of a party feed:
 * - 'valid': process it;
 * - 'cut': skip its item messages, but hand its credential messages to `process` (they are held, so that
 *   every replica holds the same credentials whatever order it read them in). The block is at or after its feed's
 *   cut-off, or the feed's admission is itself cut;
 * - 'not-admitted': wait: the feed is not (yet) admitted. (Before the genesis, block 0 of the genesis feed is the
 *   one block to read.)
 */
export type BlockStatus = 'valid' | 'cut' | 'not-admitted'

export interface PartyStateStats {
  accepted: number
  held: number
  rejected: number
  /** Rejections by reason. */
  byReason: Partial<Record<RejectReason, number>>
}

/** Thrown by `PartyState.restore` for bytes that are not a PartyState snapshot of this shape. */
export class InvalidSnapshotError extends CredentialsError {
  constructor (detail: string) {
    super('INVALID_SNAPSHOT', `PartyState snapshot: ${detail}`)
  }
}

/** A key as bytes or as its 64-character lowercase hex (feed-store's FeedId). */
export type KeyLike = Uint8Array | string

function toId (key: KeyLike): string {
  return typeof key === 'string' ? key : keyToHex(key)
}

const SNAPSHOT_VERSION = 1

function sourceProblem (source: CredentialSource | null | undefined): string | null {
  if (source == null) return 'no source'
  if (!(source.feedKey instanceof Uint8Array) || source.feedKey.byteLength !== PUBLIC_KEY_BYTES) return 'feed key must be 32 bytes'
  if (!Number.isInteger(source.blockIndex) || source.blockIndex < 0 || source.blockIndex > 0xffffffff) return `block index ${String(source.blockIndex)}`
  if (!Number.isInteger(source.indexInBlock) || source.indexInBlock < 0 || source.indexInBlock > 0xffffffff) return `index in block ${String(source.indexInBlock)}`
  if (!Number.isSafeInteger(source.seq) || source.seq < 0) return `seq ${String(source.seq)}`
  return null
}

/**
 * The membership of one party: a deterministic state machine over its credential messages.
 *
 * The state is a function of the SET of credentials processed (with their positions), never of the order they
 * arrived in: credentials are evaluated in the order of PROTOCOL.md §4, and one that arrives "in the past" of
 * others (it is concurrent with them) makes PartyState evaluate them again. See the package README for the rules.
 *
 * `process` never throws on bad input: it returns (and emits) a rejection with a reason, and a rejected credential
 * leaves the state and the snapshot exactly as they were.
 */
export class PartyState extends EventEmitter<PartyStateEvents> {
  readonly partyKey: Buffer
  /** The feed whose first message must be the genesis, when the owner knows it (null: the first in order). */
  readonly genesisFeedKey: Buffer | null
  private entries: Entry[] = []
  private model: Model
  private excluded = new Set<Entry>()
  private readonly outcomes = new Map<Entry, 'accepted' | 'held'>()
  private readonly nonces = new Map<string, Entry>()
  private readonly positions = new Set<string>()
  private readonly counters: PartyStateStats = { accepted: 0, held: 0, rejected: 0, byReason: {} }

  /**
   * `genesisFeedKey`: the feed that holds the genesis (the creator's first feed; an invitee learns it in the
   * handshake). With it, a genesis in any other feed is rejected; without it, the first genesis in order counts.
   */
  constructor (partyKey: Uint8Array, opts: { genesisFeedKey?: Uint8Array | null } = {}) {
    super()
    assertPublicKey(partyKey, 'party key')
    this.partyKey = Buffer.from(partyKey)
    if (opts.genesisFeedKey != null) assertPublicKey(opts.genesisFeedKey, 'genesis feed key')
    this.genesisFeedKey = opts.genesisFeedKey == null ? null : Buffer.from(opts.genesisFeedKey)
    this.model = new Model(this.genesisFeedKey === null ? null : keyToHex(this.genesisFeedKey))
  }

  /** Processes one credential message read at `source`. Never throws for bad input. */
  process (signed: SignedCredential, source: CredentialSource): ProcessResult {
    const problem = sourceProblem(source)
    if (problem !== null) return this.reject('INVALID_SOURCE', problem, source)
    const verified = verifyCredential(signed, this.partyKey)
    if (!verified.ok) return this.reject(verified.problem, verified.detail, source)
    const credential = verified.credential
    const previous = this.nonces.get(credential.nonceId)
    if (previous !== undefined) {
      return previous.verified.signed.credential.equals(credential.signed.credential)
        ? this.reject('REPLAY', `credential already processed (at ${describeEntry(previous)})`, source)
        : this.reject('NONCE_REUSED', `nonce ${credential.nonceId} already used (at ${describeEntry(previous)})`, source)
    }
    const entry = makeEntry(credential, source)
    if (this.positions.has(entry.positionId)) {
      return this.reject('INVALID_SOURCE', `position ${describeEntry(entry)} already holds a credential`, source)
    }

    const last = this.entries[this.entries.length - 1]
    const inOrder = last === undefined || compareEntries(last, entry) < 0
    const result = (inOrder && this.excluded.size === 0 ? this.appendInOrder(entry) : null) ?? this.insertAndFold(entry)
    return this.finish(entry, result, source)
  }

  /** Fast path: `entry` comes after every retained credential. Null when it needs a full evaluation. */
  private appendInOrder (entry: Entry): { outcome: Outcome, changes: PartyChange[] } | null {
    if (entry.body.kind === 'key-remove') {
      // A cut-off that bites credentials already accepted (they are concurrent with the removal) needs a re-fold.
      const member = this.model.members.get(entry.ids.subject)
      if (member !== undefined && member.removal === null) {
        for (const feedId of member.feeds) {
          const max = this.model.maxCarried.get(feedId)
          if (max !== undefined && max >= (entry.ids.cutoffs.get(feedId) ?? 0)) return null
        }
      }
    }
    const outcome = step(this.model, entry, this.excluded)
    return { outcome, changes: outcome.status === 'accepted' ? outcome.changes : [] }
  }

  /** Slow path: evaluate every retained credential again with `entry` among them. */
  private insertAndFold (entry: Entry): { outcome: Outcome, changes: PartyChange[] } {
    const entries = this.entries.slice()
    let i = entries.length
    while (i > 0 && compareEntries(entries[i - 1], entry) > 0) i--
    entries.splice(i, 0, entry)
    const result = fold(entries, this.model.pinnedGenesis)
    const outcome = result.outcomes.get(entry) as Outcome
    if (outcome.status === 'rejected') return { outcome, changes: [] } // a rejected credential changes nothing
    log('re-evaluated %d credentials (%s arrived out of order)', entries.length, describeEntry(entry))

    const before = this.model
    const kept: Entry[] = []
    this.outcomes.clear()
    for (const e of entries) {
      const o = result.outcomes.get(e) as Outcome
      if (o.status === 'rejected') {
        // Valid before, but no longer valid now that an earlier concurrent credential is known: dropped, exactly
        // as if it had arrived after that credential.
        if (e !== entry) {
          this.nonces.delete(e.verified.nonceId)
          this.positions.delete(e.positionId)
        }
        continue
      }
      kept.push(e)
      this.outcomes.set(e, o.status)
    }
    this.entries = kept
    this.model = result.model
    this.excluded = result.excluded
    return { outcome, changes: diff(before, result.model) }
  }

  private finish (entry: Entry, result: { outcome: Outcome, changes: PartyChange[] }, source: CredentialSource): ProcessResult {
    const { outcome, changes } = result
    if (outcome.status === 'rejected') return this.reject(outcome.reason, outcome.detail, source)
    if (!this.outcomes.has(entry)) {
      // Fast path: the fold did not run, so record the entry here.
      this.entries.push(entry)
      this.outcomes.set(entry, outcome.status)
    }
    this.nonces.set(entry.verified.nonceId, entry)
    this.positions.add(entry.positionId)
    if (outcome.status === 'held') {
      this.counters.held++
      log('held %s at %s: %s', entry.body.kind, describeEntry(entry), outcome.detail)
      this.emit('held', { reason: outcome.reason, detail: outcome.detail, source })
    } else {
      this.counters.accepted++
    }
    this.emitChanges(changes)
    return outcome.status === 'held'
      ? { status: 'held', reason: outcome.reason, detail: outcome.detail, changes }
      : { status: 'accepted', changes }
  }

  private emitChanges (changes: readonly PartyChange[]): void {
    if (changes.length === 0) return
    for (const change of changes) (this.emit as (name: string, change: PartyChange) => boolean)(change.type, change)
    this.emit('change', changes)
  }

  private reject (reason: RejectReason, detail: string, source: CredentialSource): ProcessResult {
    this.counters.rejected++
    this.counters.byReason[reason] = (this.counters.byReason[reason] ?? 0) + 1
    log('rejected %s: %s', reason, detail)
    this.emit('rejected', { reason, detail, source })
    return { status: 'rejected', reason, detail }
  }

  // --- queries ----------------------------------------------------------------------------------------------------

  /** True once the party genesis is processed. */
  get hasGenesis (): boolean {
    return this.model.genesis !== null
  }

  /** The creator's identity and the genesis feed, or null before the genesis. */
  get genesis (): { identityKey: Buffer, feedKey: Buffer } | null {
    const g = this.model.genesis
    return g === null ? null : { identityKey: g.identityKey, feedKey: g.feedKey }
  }

  /** The member's record (also for removed members), or undefined for a key that is no member. */
  getMember (identityKey: KeyLike): MemberInfo | undefined {
    const member = this.model.members.get(toId(identityKey))
    return member === undefined ? undefined : this.memberInfo(member)
  }

  /** True for an admitted member that was not removed. */
  isMember (identityKey: KeyLike): boolean {
    const member = this.model.members.get(toId(identityKey))
    return member !== undefined && member.removal === null
  }

  /** The role of an admitted, not removed member; undefined otherwise. */
  getRole (identityKey: KeyLike): Role | undefined {
    const member = this.model.members.get(toId(identityKey))
    return member === undefined || member.removal !== null ? undefined : member.role
  }

  /** Current members (removed ones too with `includeRemoved`), sorted by identity key. */
  listMembers (opts: { includeRemoved?: boolean } = {}): MemberInfo[] {
    return [...this.model.members.entries()]
      .filter(([, m]) => opts.includeRemoved === true || m.removal === null)
      .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([, m]) => this.memberInfo(m))
  }

  /** True for a feed admitted by a genesis or FeedAdmit (also when its owner was removed: see `getFeedCutoff`). */
  isFeedAdmitted (feedKey: KeyLike): boolean {
    return this.model.feeds.has(toId(feedKey))
  }

  /** The identity that owns the feed, or undefined for a feed that is not admitted. */
  getFeedOwner (feedKey: KeyLike): Buffer | undefined {
    const feed = this.model.feeds.get(toId(feedKey))
    return feed === undefined ? undefined : this.model.members.get(feed.owner)?.identityKey
  }

  /** How many blocks of the feed are valid when its owner was removed; undefined when the whole feed is valid. */
  getFeedCutoff (feedKey: KeyLike): number | undefined {
    return this.model.cutoff(toId(feedKey))
  }

  /** What to do with a block: process it, skip it (cut), or wait for the feed's admission. */
  blockStatus (feedKey: KeyLike, blockIndex: number): BlockStatus {
    const id = toId(feedKey)
    if (!this.model.feeds.has(id)) {
      // A feed whose admission is itself cut: none of its blocks counts, but its credentials are held as cut.
      return this.model.shadowFeeds.has(id) ? 'cut' : 'not-admitted'
    }
    const cutoff = this.model.cutoff(id)
    return cutoff !== undefined && blockIndex >= cutoff ? 'cut' : 'valid'
  }

  /** Every admitted feed with its owner and cut-off, sorted by feed key. */
  listFeeds (): FeedInfo[] {
    return [...this.model.feeds.entries()]
      .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .map(([id, feed]) => ({
        feedKey: feed.feedKey,
        identityKey: (this.model.members.get(feed.owner) as MemberRecord).identityKey,
        cutoff: this.model.cutoff(id) ?? null
      }))
  }

  /**
   * The cut-offs for removing `identityKey`: for each of its feeds, how many blocks we processed
   * (`processed(feedKey)`, e.g. the party timeframe's length for that feed). Feed them to `createKeyRemove`.
   */
  removalCutoffs (identityKey: KeyLike, processed: (feedKey: Buffer) => number): FeedCutoff[] {
    const member = this.model.members.get(toId(identityKey))
    if (member === undefined) return []
    return member.feeds.map((feedId) => {
      const feed = this.model.feeds.get(feedId) as FeedRecord
      return { feedKey: feed.feedKey, length: processed(feed.feedKey) }
    })
  }

  /** Counters since this object was created (not part of the snapshot). */
  get stats (): PartyStateStats {
    return { ...this.counters, byReason: { ...this.counters.byReason } }
  }

  /** Number of credentials retained (accepted or held). */
  get size (): number {
    return this.entries.length
  }

  private memberInfo (m: MemberRecord): MemberInfo {
    return {
      identityKey: m.identityKey,
      role: m.role,
      displayName: m.displayName,
      admittedBy: m.admittedBy,
      removed: m.removal !== null,
      removedBy: m.removal?.by ?? null,
      feeds: m.feeds.map((id) => (this.model.feeds.get(id) as FeedRecord).feedKey)
    }
  }

  // --- snapshots --------------------------------------------------------------------------------------------------

  /** Every retained credential with its position, in order: restoring it gives exactly this state. */
  snapshot (): Uint8Array {
    return echo.PartyStateSnapshot.encode({
      version: SNAPSHOT_VERSION,
      partyKey: this.partyKey,
      genesisFeedKey: this.genesisFeedKey,
      entries: this.entries.map((e) => ({
        credential: e.verified.signed,
        feedKey: e.feedKey,
        blockIndex: e.blockIndex,
        indexInBlock: e.indexInBlock,
        seq: e.seq
      }))
    }).finish()
  }

  /**
   * A PartyState equal to the one that made `snapshot`. Signatures are verified again unless `trusted` (a snapshot
   * read back from our own store). Throws InvalidSnapshotError for bytes that are not such a snapshot.
   */
  static restore (snapshot: Uint8Array, opts: { partyKey?: Uint8Array, trusted?: boolean } = {}): PartyState {
    let decoded: echo.PartyStateSnapshot
    try {
      decoded = echo.PartyStateSnapshot.decode(snapshot)
    } catch (err) {
      throw new InvalidSnapshotError(`does not decode: ${(err as Error).message}`)
    }
    if (decoded.version !== SNAPSHOT_VERSION) throw new InvalidSnapshotError(`version ${decoded.version}`)
    if (!(decoded.partyKey instanceof Uint8Array) || decoded.partyKey.byteLength !== PUBLIC_KEY_BYTES) {
      throw new InvalidSnapshotError('no party key')
    }
    if (opts.partyKey !== undefined && !Buffer.from(decoded.partyKey).equals(opts.partyKey)) {
      throw new InvalidSnapshotError(`snapshot of party ${keyToHex(decoded.partyKey)}`)
    }
    const pinned = decoded.genesisFeedKey?.byteLength === PUBLIC_KEY_BYTES ? decoded.genesisFeedKey : null
    const state = new PartyState(decoded.partyKey, { genesisFeedKey: pinned })
    const entries: Entry[] = []
    for (const [i, e] of decoded.entries.entries()) {
      const source: CredentialSource = {
        feedKey: e.feedKey ?? new Uint8Array(0),
        blockIndex: e.blockIndex ?? 0,
        indexInBlock: e.indexInBlock ?? 0,
        seq: Number(e.seq ?? 0)
      }
      const problem = sourceProblem(source)
      if (problem !== null) throw new InvalidSnapshotError(`entry ${i}: ${problem}`)
      const verified = opts.trusted === true
        ? trustedCredential(e.credential, state.partyKey)
        : verifyCredential(e.credential, state.partyKey)
      if (!verified.ok) throw new InvalidSnapshotError(`entry ${i}: ${verified.problem}: ${verified.detail}`)
      const entry = makeEntry(verified.credential, source)
      if (state.nonces.has(entry.verified.nonceId) || state.positions.has(entry.positionId)) {
        throw new InvalidSnapshotError(`entry ${i}: duplicate nonce or position`)
      }
      const previous = entries[entries.length - 1]
      if (previous !== undefined && compareEntries(previous, entry) >= 0) throw new InvalidSnapshotError(`entry ${i}: out of order`)
      entries.push(entry)
      state.nonces.set(entry.verified.nonceId, entry)
      state.positions.add(entry.positionId)
    }
    const result = fold(entries, state.model.pinnedGenesis)
    for (const entry of entries) {
      const outcome = result.outcomes.get(entry) as Outcome
      if (outcome.status === 'rejected') throw new InvalidSnapshotError(`entry at ${describeEntry(entry)} is not valid: ${outcome.reason}`)
      state.outcomes.set(entry, outcome.status)
    }
    state.entries = entries
    state.model = result.model
    state.excluded = result.excluded
    return state
  }
}

/** Restoring a trusted snapshot: the full stateless check except the signature verification (the slow part). */
function trustedCredential (signed: echo.ISignedCredential | null | undefined, partyKey: Buffer): ReturnType<typeof verifyCredential> {
  return verifyCredential(signed, partyKey, { skipSignatures: true })
}
