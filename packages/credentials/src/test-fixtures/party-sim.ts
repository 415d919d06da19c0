// A small simulated party for property tests: people write blocks to their own feeds based on what THEY have read
// (their timeframe), and read each other's blocks in causal order, gated like echo-db's PartyProcessor.
import { echo } from '@echodb/proto'
import {
  type Role, type SignedCredential, createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove,
  createPartyGenesis
} from '../credentials'
import { type KeyPair, generateKeyPair, keyToHex } from '../keys'
import { type CredentialSource, PartyState, type ProcessResult } from '../party-state'
import { type Person, extraFeed, person, seededKeyPair } from './party-world'

export interface Block {
  readonly feedKey: Buffer
  readonly feedId: string
  readonly index: number
  readonly seq: number
  /** What the writer had processed: feed id -> blocks. */
  readonly timeframe: ReadonlyMap<string, number>
  readonly messages: SignedCredential[]
}

/** Deterministic PRNG (mulberry32), so that fast-check shrinks on a seed. */
export function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A peer's copy of the party: its PartyState and how many blocks of each feed it has read. */
export class Replica {
  readonly processed = new Map<string, number>()
  onResult: ((result: ProcessResult, state: PartyState) => void) | null = null

  constructor (readonly state: PartyState, readonly genesisFeedId: string) {}

  /** Causal order, and the PartyProcessor's gate: a feed that is not admitted waits. */
  canRead (block: Block): boolean {
    if ((this.processed.get(block.feedId) ?? 0) !== block.index) return false
    for (const [feed, length] of block.timeframe) {
      if (feed !== block.feedId && (this.processed.get(feed) ?? 0) < length) return false
    }
    if (!this.state.hasGenesis) return block.feedId === this.genesisFeedId && block.index === 0
    return this.state.blockStatus(block.feedId, block.index) !== 'not-admitted'
  }

  read (block: Block): void {
    block.messages.forEach((signed, indexInBlock) => {
      const source: CredentialSource = { feedKey: block.feedKey, blockIndex: block.index, indexInBlock, seq: block.seq }
      const result = this.state.process(signed, source)
      this.onResult?.(result, this.state)
    })
    this.processed.set(block.feedId, block.index + 1)
  }

  /** Reads every readable block of `blocks`, choosing randomly among the readable ones. Returns how many. */
  readAll (blocks: readonly Block[], random: () => number, limit = Infinity): number {
    let count = 0
    while (count < limit) {
      const readable = blocks.filter((b) => this.canRead(b))
      if (readable.length === 0) break
      this.read(readable[Math.floor(random() * readable.length)])
      count++
    }
    return count
  }
}

interface Actor {
  readonly person: Person
  readonly replica: Replica
  length: number
}

/** One step of a scenario; the numbers pick actors, targets and options. */
export interface Op {
  readonly op: number
  readonly a: number
  readonly b: number
  readonly c: number
}

const ROLES: Role[] = ['admin', 'writer', 'reader']

/**
 * Runs a scenario of up to 7 people (index 0 creates the party) acting on their own partial views. Every op that
 * does not make sense in the actor's view (e.g. a non-admin admitting) is skipped, except the 'junk' op, which
 * writes credentials every replica must reject.
 */
export class PartySim {
  readonly party: KeyPair
  readonly people: Person[]
  private extraFeeds = 0
  readonly actors = new Map<number, Actor>()
  readonly blocks: Block[] = []
  private readonly random: () => number
  private readonly seed: number

  constructor (seed: number, size = 7) {
    this.random = rng(seed)
    this.seed = seed
    this.party = seededKeyPair(seed, 'party')
    this.people = Array.from({ length: size }, (_, i) => person(`p${i}`, seed))
    const creator = this.actor(0)
    this.write(creator, [createPartyGenesis({ party: this.party, identity: creator.person.identity, feed: creator.person.feed })])
  }

  get partyKey (): Buffer {
    return this.party.publicKey
  }

  get genesisFeedKey (): Buffer {
    return this.people[0].feedKey
  }

  newReplica (): Replica {
    return new Replica(new PartyState(this.partyKey, { genesisFeedKey: this.genesisFeedKey }), keyToHex(this.genesisFeedKey))
  }

  private actor (i: number): Actor {
    let actor = this.actors.get(i)
    if (actor === undefined) {
      actor = { person: this.people[i], replica: this.newReplica(), length: 0 }
      this.actors.set(i, actor)
    }
    return actor
  }

  /** The actor can write when its own feed is valid in its own view. */
  private canWrite (actor: Actor): boolean {
    const status = actor.replica.state.blockStatus(actor.person.feedKey, actor.length)
    return status === 'valid' || (status === 'cut' && actor.replica.state.isFeedAdmitted(actor.person.feedKey))
  }

  private write (actor: Actor, messages: SignedCredential[]): void {
    const timeframe = new Map(actor.replica.processed)
    const own = actor.person.feedId
    let seq = actor.length
    for (const [feed, length] of timeframe) if (feed !== own) seq += length
    const block: Block = { feedKey: actor.person.feedKey, feedId: own, index: actor.length, seq, timeframe, messages }
    actor.length++
    this.blocks.push(block)
    actor.replica.read(block) // a writer reads its own block at once
  }

  run (ops: readonly Op[]): void {
    for (const op of ops) this.apply(op)
  }

  private apply ({ op, a, b, c }: Op): void {
    const n = this.people.length
    const known = [...this.actors.keys()]
    const actor = this.actor(known[a % known.length])
    const view = actor.replica.state
    const me = actor.person.identity.publicKey
    switch (op % 6) {
      case 0: { // admit someone (a greeter writes KeyAdmit, the invitee's FeedAdmit and maybe its name)
        if (!this.canWrite(actor) || view.getRole(me) !== 'admin') return
        const target = this.people[b % n]
        const role = ROLES[c % 3]
        const messages = [createKeyAdmit({ partyKey: this.partyKey, admin: actor.person.identity, identityKey: target.identity.publicKey, role })]
        if (role !== 'reader') messages.push(createFeedAdmit({ partyKey: this.partyKey, identity: target.identity, feed: target.feed }))
        if (c % 2 === 0) messages.push(createIdentityInfo({ partyKey: this.partyKey, identity: target.identity, displayName: `${target.name}-${c}` }))
        this.write(actor, messages)
        this.actor(b % n)
        return
      }
      case 1: { // remove someone, cutting its feeds where this actor has read them
        if (!this.canWrite(actor) || view.getRole(me) !== 'admin') return
        const members = view.listMembers()
        if (members.length === 0) return
        const target = members[b % members.length].identityKey
        const cutoffs = view.removalCutoffs(target, (feedKey) => actor.replica.processed.get(keyToHex(feedKey)) ?? 0)
        if (cutoffs.some((cut) => this.genesisFeedKey.equals(cut.feedKey) && cut.length === 0)) return
        this.write(actor, [createKeyRemove({ partyKey: this.partyKey, admin: actor.person.identity, identityKey: target, cutoffs })])
        return
      }
      case 2: { // change one's display name
        if (!this.canWrite(actor) || view.getRole(me) === undefined) return
        this.write(actor, [createIdentityInfo({ partyKey: this.partyKey, identity: actor.person.identity, displayName: `${actor.person.name}:${c % 5}` })])
        return
      }
      case 3: { // read some of what others wrote
        actor.replica.readAll(this.blocks, this.random, 1 + (b % 6))
        return
      }
      case 4: { // junk every replica must reject
        if (!this.canWrite(actor)) return
        // A replay of something this actor has read (so it comes first in every causal order), a forged signature,
        // another party's credential, garbage, and an admission signed by a stranger.
        const read = this.blocks.filter((block) => block.index < (actor.replica.processed.get(block.feedId) ?? 0))
        const earlier = read[b % read.length].messages[0]
        const forged = { credential: createIdentityInfo({ partyKey: this.partyKey, identity: actor.person.identity, displayName: 'forged' }).credential, signatures: earlier.signatures }
        const otherParty = createIdentityInfo({ partyKey: generateKeyPair().publicKey, identity: actor.person.identity, displayName: 'elsewhere' })
        const stranger = createKeyAdmit({ partyKey: this.partyKey, admin: generateKeyPair(), identityKey: this.people[c % n].identity.publicKey, role: 'admin' })
        this.write(actor, [earlier, forged, otherParty, { credential: Buffer.from([8, c % 256]) }, stranger])
        return
      }
      case 5: { // a writer adds a second feed from its first
        if (!this.canWrite(actor) || !['admin', 'writer'].includes(view.getRole(me) ?? '')) return
        const second = extraFeed(actor.person, this.seed, this.extraFeeds++)
        this.write(actor, [createFeedAdmit({ partyKey: this.partyKey, identity: actor.person.identity, feed: second.feed })])
      }
    }
  }

  /** Everyone reads everything it can. */
  settle (): void {
    for (const actor of this.actors.values()) actor.replica.readAll(this.blocks, this.random)
  }

  get actorReplicas (): Replica[] {
    return [...this.actors.values()].map((a) => a.replica)
  }

  /** A fresh replica that reads every block in a random causal order. */
  replay (seed: number, onResult?: Replica['onResult']): Replica {
    const replica = this.newReplica()
    replica.onResult = onResult ?? null
    replica.readAll(this.blocks, rng(seed))
    return replica
  }
}

export function encodeCredential (signed: SignedCredential): Uint8Array {
  return echo.SignedCredential.encode(signed).finish()
}
