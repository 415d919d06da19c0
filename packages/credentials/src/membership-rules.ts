// The rules of party membership, as pure functions over an ordered list of credentials. PartyState (party-state.ts)
// keeps the list and the resulting model; this file decides what each credential does.
import type { CredentialBody, Role, VerifiedCredential } from './credentials'
import { keyToHex, hexToKey } from './keys'
import type { CredentialSource, HeldReason, PartyChange, RejectReason } from './party-state'

/** A credential PartyState holds, with the position it was read at. */
export interface Entry {
  readonly verified: VerifiedCredential
  readonly body: CredentialBody
  readonly feedKey: Buffer
  readonly feedId: string
  readonly blockIndex: number
  readonly indexInBlock: number
  readonly seq: number
  readonly positionId: string
  /** Hex of the keys the rules look up, computed once (re-evaluations look them up many times). */
  readonly ids: {
    readonly subject: string
    readonly signer: string
    readonly feed: string
    readonly cutoffs: ReadonlyMap<string, number>
  }
}

const NO_CUTOFFS: ReadonlyMap<string, number> = new Map()

export function makeEntry (verified: VerifiedCredential, source: CredentialSource): Entry {
  const feedKey = Buffer.from(source.feedKey)
  const feedId = feedKey.toString('hex')
  return {
    verified,
    body: verified.body,
    feedKey,
    feedId,
    blockIndex: source.blockIndex,
    indexInBlock: source.indexInBlock,
    seq: source.seq,
    positionId: `${feedId}:${source.blockIndex}:${source.indexInBlock}`,
    ids: idsOf(verified.body)
  }
}

function idsOf (body: CredentialBody): Entry['ids'] {
  const subject = keyToHex(body.identityKey)
  switch (body.kind) {
    case 'party-genesis':
    case 'feed-admit':
      return { subject, signer: '', feed: keyToHex(body.feedKey), cutoffs: NO_CUTOFFS }
    case 'key-admit':
      return { subject, signer: keyToHex(body.signerKey), feed: '', cutoffs: NO_CUTOFFS }
    case 'key-remove':
      return { subject, signer: keyToHex(body.signerKey), feed: '', cutoffs: new Map(body.cutoffs.map((c) => [keyToHex(c.feedKey), c.length])) }
    case 'identity-info':
      return { subject, signer: '', feed: '', cutoffs: NO_CUTOFFS }
  }
}

/** The order of PROTOCOL.md §4: seq, feed key, block index, index in block. */
export function compareEntries (a: Entry, b: Entry): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1
  if (a.feedId !== b.feedId) return a.feedId < b.feedId ? -1 : 1
  if (a.blockIndex !== b.blockIndex) return a.blockIndex < b.blockIndex ? -1 : 1
  if (a.indexInBlock !== b.indexInBlock) return a.indexInBlock < b.indexInBlock ? -1 : 1
  return 0
}

export function describeEntry (entry: Entry): string {
  return `${entry.feedId.slice(0, 8)}@${entry.blockIndex}/${entry.indexInBlock}`
}

export interface MemberRecord {
  readonly identityKey: Buffer
  /** The highest role any counting admission gave. */
  role: Role
  readonly admittedBy: Buffer | null
  removal: { readonly by: Buffer, readonly cutoffs: ReadonlyMap<string, number>, readonly entry: Entry } | null
  displayName: string | null
  readonly feeds: string[]
}

export interface FeedRecord {
  readonly feedKey: Buffer
  readonly owner: string
}

export type Outcome =
  | { status: 'accepted', changes: PartyChange[] }
  | { status: 'held', reason: HeldReason, detail: string }
  | { status: 'rejected', reason: RejectReason, detail: string }

/** The membership state after evaluating a list of credentials in order. */
export class Model {
  genesis: { identityKey: Buffer, feedKey: Buffer, feedId: string } | null = null
  readonly members = new Map<string, MemberRecord>()
  readonly feeds = new Map<string, FeedRecord>()
  // What held credentials would have established: a credential that relies on them is held too, not rejected.
  readonly shadowMembers = new Map<string, Role>()
  readonly shadowFeeds = new Map<string, string>()
  /** Largest block index of an accepted credential carried by each feed: tells whether a new cut-off bites. */
  readonly maxCarried = new Map<string, number>()

  /** `pinnedGenesis`: the genesis feed (hex) the owner expects, or null to take the first genesis in order. */
  constructor (readonly pinnedGenesis: string | null) {}

  cutoff (feedId: string): number | undefined {
    const feed = this.feeds.get(feedId)
    if (feed === undefined) return undefined
    const removal = this.members.get(feed.owner)?.removal
    if (removal == null) return undefined
    return removal.cutoffs.get(feedId) ?? 0
  }
}

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 }

function atLeast (role: Role | null | undefined, min: Role): boolean {
  return role != null && RANK[role] >= RANK[min]
}

/**
 * Collects what is wrong with a credential. A "held" failure is one that only a removal or a held credential
 * causes: if that removal or credential stops counting one day (a concurrent removal cuts it), the credential
 * becomes valid, so PartyState keeps it. Any other failure rejects it.
 */
class Verdict {
  hard: { reason: RejectReason, detail: string } | null = null
  held: { reason: HeldReason, detail: string } | null = null

  reject (reason: RejectReason, detail: string): void {
    this.hard ??= { reason, detail }
  }

  hold (reason: HeldReason, detail: string): void {
    this.held ??= { reason, detail }
  }

  /** Needs `id` to hold at least `min`, as a member (held when only a held credential gives it). */
  needRole (model: Model, id: string, min: Role, reason: RejectReason, what: string): void {
    const role = model.members.get(id)?.role
    if (atLeast(role, min)) return
    if (atLeast(model.shadowMembers.get(id), min)) this.hold('DEPENDS_ON_CUT', `${what} ${id} is ${min} only through a held credential`)
    else this.reject(reason, `${what} ${id} is ${role ?? 'not a member'}`)
  }

  /** `id` must not be removed (`unremoved` names a member whose removal is ignored). */
  notRemoved (model: Model, id: string, unremoved: string | null, what: string): void {
    if (id !== unremoved && model.members.get(id)?.removal != null) this.hold('REMOVED', `${what} ${id} was removed`)
  }
}

function checkAdminSigner (v: Verdict, model: Model, id: string, carrierOwner: string, unremoved: string | null): void {
  v.needRole(model, id, 'admin', model.members.has(id) || model.shadowMembers.has(id) ? 'SIGNER_NOT_ADMIN' : 'SIGNER_NOT_MEMBER', 'signer')
  v.notRemoved(model, id, unremoved, 'signer')
  if (carrierOwner !== id) v.reject('CARRIER_NOT_SIGNER', `carried by a feed of ${carrierOwner}, signed by ${id}`)
}

function check (model: Model, entry: Entry, carrierOwner: string, unremoved: string | null): Verdict {
  const v = new Verdict()
  const { subject, signer, feed } = entry.ids
  switch (entry.body.kind) {
    case 'party-genesis':
      break
    case 'key-admit':
      checkAdminSigner(v, model, signer, carrierOwner, unremoved)
      v.notRemoved(model, subject, unremoved, 'member') // removed for good
      break
    case 'feed-admit': {
      const owner = model.feeds.get(feed)?.owner
      if (owner !== undefined && owner !== subject) v.reject('FEED_ALREADY_ADMITTED', `feed ${feed} belongs to ${owner}`)
      const known = model.members.has(subject) || model.shadowMembers.has(subject)
      v.needRole(model, subject, 'writer', known ? 'READER_CANNOT_WRITE' : 'NOT_A_MEMBER', 'owner')
      v.notRemoved(model, subject, unremoved, 'owner')
      break
    }
    case 'key-remove': {
      checkAdminSigner(v, model, signer, carrierOwner, unremoved)
      v.needRole(model, subject, 'reader', 'NOT_A_MEMBER', 'member')
      for (const feedId of entry.ids.cutoffs.keys()) {
        const owner = model.feeds.get(feedId)?.owner ?? model.shadowFeeds.get(feedId)
        if (owner !== subject) v.reject('CUTOFF_NOT_MEMBER_FEED', `feed ${feedId} is not a feed of ${subject}`)
      }
      const genesisFeed = model.genesis?.feedId
      if (genesisFeed !== undefined && model.feeds.get(genesisFeed)?.owner === subject) {
        const kept = entry.ids.cutoffs.get(genesisFeed) ?? 0
        if (kept < 1) v.reject('GENESIS_CUT', 'the genesis feed cannot be cut below 1 block')
      }
      break
    }
    case 'identity-info':
      v.needRole(model, subject, 'reader', 'NOT_A_MEMBER', 'member')
      v.notRemoved(model, subject, unremoved, 'member')
      break
  }
  return v
}

/** Records what a held credential would have established, so that credentials relying on it are held too. */
function shadow (model: Model, entry: Entry): void {
  const body = entry.body
  const { subject, feed } = entry.ids
  if (body.kind === 'key-admit') {
    const current = model.shadowMembers.get(subject) ?? model.members.get(subject)?.role
    if (!atLeast(current, body.role)) model.shadowMembers.set(subject, body.role)
  } else if (body.kind === 'feed-admit') {
    if (!model.feeds.has(feed) && !model.shadowFeeds.has(feed)) model.shadowFeeds.set(feed, subject)
  }
}

/** Evaluates `entry` against `model` (the state of every credential before it) and applies it when accepted. */
export function step (model: Model, entry: Entry, excluded: ReadonlySet<Entry>): Outcome {
  const body = entry.body
  if (body.kind === 'party-genesis') return stepGenesis(model, entry, body)
  if (model.genesis === null) return { status: 'rejected', reason: 'NO_GENESIS', detail: `${body.kind} before the genesis` }

  // The feed that carries the credential must be admitted, and the position within its cut-off.
  let carrier: { reason: HeldReason, detail: string } | null = null
  let carrierOwner = model.feeds.get(entry.feedId)?.owner
  if (carrierOwner === undefined) {
    carrierOwner = model.shadowFeeds.get(entry.feedId)
    if (carrierOwner === undefined) {
      return { status: 'rejected', reason: 'CARRIER_NOT_ADMITTED', detail: `feed ${entry.feedId} is not admitted` }
    }
    carrier = { reason: 'DEPENDS_ON_CUT', detail: `feed ${entry.feedId} is admitted only by a held credential` }
  } else {
    const cutoff = model.cutoff(entry.feedId)
    if (excluded.has(entry) || (cutoff !== undefined && entry.blockIndex >= cutoff)) {
      carrier = { reason: 'BEYOND_CUTOFF', detail: `block ${entry.blockIndex} of feed ${entry.feedId} is beyond its cut-off` }
    }
  }

  // Beyond its cut-off, a credential is judged as if its feed owner's removal did not count: it is held when it
  // would be valid without that removal.
  const v = check(model, entry, carrierOwner, carrier?.reason === 'BEYOND_CUTOFF' ? carrierOwner : null)
  if (v.hard !== null) return { status: 'rejected', reason: v.hard.reason, detail: v.hard.detail }
  const held = carrier ?? v.held
  if (held !== null) {
    shadow(model, entry)
    return { status: 'held', reason: held.reason, detail: held.detail }
  }
  const changes = apply(model, body, entry)
  const max = model.maxCarried.get(entry.feedId)
  if (max === undefined || entry.blockIndex > max) model.maxCarried.set(entry.feedId, entry.blockIndex)
  return { status: 'accepted', changes }
}

function stepGenesis (model: Model, entry: Entry, body: Extract<CredentialBody, { kind: 'party-genesis' }>): Outcome {
  if (model.genesis !== null) return { status: 'rejected', reason: 'GENESIS_EXISTS', detail: 'the party already has a genesis' }
  const feedId = entry.ids.feed
  if (model.pinnedGenesis !== null && feedId !== model.pinnedGenesis) {
    return { status: 'rejected', reason: 'GENESIS_POSITION', detail: `genesis of feed ${feedId}, expected ${model.pinnedGenesis}` }
  }
  if (entry.feedId !== feedId || entry.blockIndex !== 0 || entry.indexInBlock !== 0) {
    return { status: 'rejected', reason: 'GENESIS_POSITION', detail: `genesis at ${describeEntry(entry)}, not first in feed ${feedId}` }
  }
  model.genesis = { identityKey: body.identityKey, feedKey: body.feedKey, feedId }
  const identityId = entry.ids.subject
  model.members.set(identityId, { identityKey: body.identityKey, role: 'admin', admittedBy: null, removal: null, displayName: null, feeds: [feedId] })
  model.feeds.set(feedId, { feedKey: body.feedKey, owner: identityId })
  model.maxCarried.set(feedId, 0)
  return {
    status: 'accepted',
    changes: [
      { type: 'genesis', identityKey: body.identityKey, feedKey: body.feedKey },
      { type: 'member-admitted', identityKey: body.identityKey, role: 'admin', admittedBy: null },
      { type: 'feed-admitted', feedKey: body.feedKey, identityKey: body.identityKey }
    ]
  }
}

function apply (model: Model, body: Exclude<CredentialBody, { kind: 'party-genesis' }>, entry: Entry): PartyChange[] {
  switch (body.kind) {
    case 'key-admit': {
      const id = entry.ids.subject
      const member = model.members.get(id)
      if (member !== undefined) {
        // A member holds the highest role any admission gave it: a later, higher one promotes.
        if (atLeast(member.role, body.role)) return []
        const previous = member.role
        member.role = body.role
        return [{ type: 'member-role', identityKey: member.identityKey, role: body.role, previous }]
      }
      model.members.set(id, { identityKey: body.identityKey, role: body.role, admittedBy: body.signerKey, removal: null, displayName: null, feeds: [] })
      return [{ type: 'member-admitted', identityKey: body.identityKey, role: body.role, admittedBy: body.signerKey }]
    }
    case 'feed-admit': {
      const feedId = entry.ids.feed
      if (model.feeds.has(feedId)) return []
      const ownerId = entry.ids.subject
      model.feeds.set(feedId, { feedKey: body.feedKey, owner: ownerId })
      model.members.get(ownerId)?.feeds.push(feedId)
      return [{ type: 'feed-admitted', feedKey: body.feedKey, identityKey: body.identityKey }]
    }
    case 'key-remove': {
      const member = model.members.get(entry.ids.subject)
      if (member === undefined || member.removal !== null) return [] // removed already: the first removal holds
      const cutoffs = entry.ids.cutoffs
      member.removal = { by: body.signerKey, cutoffs, entry }
      const changes: PartyChange[] = [{ type: 'member-removed', identityKey: member.identityKey, removedBy: body.signerKey }]
      for (const feedId of member.feeds) {
        const feed = model.feeds.get(feedId) as FeedRecord
        changes.push({ type: 'feed-cutoff', feedKey: feed.feedKey, identityKey: member.identityKey, length: cutoffs.get(feedId) ?? 0, previous: null })
      }
      return changes
    }
    case 'identity-info': {
      const member = model.members.get(entry.ids.subject)
      if (member === undefined) return []
      const name = body.displayName === '' ? null : body.displayName
      if (member.displayName === name) return []
      member.displayName = name
      return [{ type: 'identity-info', identityKey: member.identityKey, displayName: name }]
    }
  }
}

/** A removal written to a feed of the member it removes (a member leaving) is not cut by its own cut-off. */
function removesItsCarrier (model: Model, entry: Entry): boolean {
  const owner = model.feeds.get(entry.feedId)?.owner
  return owner !== undefined && model.members.get(owner)?.removal?.entry === entry
}

export interface FoldResult {
  readonly model: Model
  readonly outcomes: Map<Entry, Outcome>
  readonly excluded: Set<Entry>
}

/**
 * Evaluates `entries` (sorted) from scratch. A removal cuts its member's feeds for every credential, also for those
 * that come before it in the order (they are concurrent with it): such credentials are excluded and the fold runs
 * again, until no accepted credential lies beyond a cut-off. Exclusions only grow, so this ends.
 */
export function fold (entries: readonly Entry[], pinnedGenesis: string | null): FoldResult {
  const excluded = new Set<Entry>()
  for (;;) {
    const model = new Model(pinnedGenesis)
    const outcomes = new Map<Entry, Outcome>()
    for (const entry of entries) outcomes.set(entry, step(model, entry, excluded))
    let grew = false
    for (const entry of entries) {
      if (outcomes.get(entry)?.status !== 'accepted' || entry.body.kind === 'party-genesis') continue
      const cutoff = model.cutoff(entry.feedId)
      if (cutoff !== undefined && entry.blockIndex >= cutoff && !removesItsCarrier(model, entry)) {
        excluded.add(entry)
        grew = true
      }
    }
    if (!grew) return { model, outcomes, excluded }
  }
}

/** The changes between two models, for events after a re-evaluation. */
export function diff (before: Model, after: Model): PartyChange[] {
  const changes: PartyChange[] = []
  if (before.genesis === null && after.genesis !== null) {
    changes.push({ type: 'genesis', identityKey: after.genesis.identityKey, feedKey: after.genesis.feedKey })
  }
  for (const id of new Set([...before.members.keys(), ...after.members.keys()])) {
    const a = before.members.get(id)
    const b = after.members.get(id)
    if (a === undefined && b !== undefined) {
      changes.push({ type: 'member-admitted', identityKey: b.identityKey, role: b.role, admittedBy: b.admittedBy })
      if (b.displayName !== null) changes.push({ type: 'identity-info', identityKey: b.identityKey, displayName: b.displayName })
      if (b.removal !== null) changes.push({ type: 'member-removed', identityKey: b.identityKey, removedBy: b.removal.by })
    } else if (a !== undefined && b === undefined) {
      changes.push({ type: 'member-revoked', identityKey: a.identityKey })
    } else if (a !== undefined && b !== undefined) {
      if (a.role !== b.role) changes.push({ type: 'member-role', identityKey: b.identityKey, role: b.role, previous: a.role })
      if (a.displayName !== b.displayName) changes.push({ type: 'identity-info', identityKey: b.identityKey, displayName: b.displayName })
      if (a.removal === null && b.removal !== null) changes.push({ type: 'member-removed', identityKey: b.identityKey, removedBy: b.removal.by })
      if (a.removal !== null && b.removal === null) changes.push({ type: 'member-restored', identityKey: b.identityKey })
    }
  }
  for (const id of new Set([...before.feeds.keys(), ...after.feeds.keys()])) {
    const a = before.feeds.get(id)
    const b = after.feeds.get(id)
    const ca = a === undefined ? null : before.cutoff(id) ?? null
    const cb = b === undefined ? null : after.cutoff(id) ?? null
    if (a === undefined && b !== undefined) {
      const owner = hexToKey(b.owner)
      changes.push({ type: 'feed-admitted', feedKey: b.feedKey, identityKey: owner })
      if (cb !== null) changes.push({ type: 'feed-cutoff', feedKey: b.feedKey, identityKey: owner, length: cb, previous: null })
    } else if (a !== undefined && b === undefined) {
      changes.push({ type: 'feed-revoked', feedKey: a.feedKey, identityKey: hexToKey(a.owner) })
    } else if (a !== undefined && b !== undefined && ca !== cb) {
      changes.push({ type: 'feed-cutoff', feedKey: b.feedKey, identityKey: hexToKey(b.owner), length: cb, previous: ca })
    }
  }
  return changes
}
