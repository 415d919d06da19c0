// Test helpers: people with identity and feed keys, and blocks with real positions and order stamps.
import { feedKeyFromSigner } from '@echodb/feed-store'
import { type SignedCredential, createFeedAdmit, createPartyGenesis } from '../credentials'
import { type KeyPair, generateKeyPair, hash, keyToHex } from '../keys'
import { type CredentialSource, PartyState } from '../party-state'

export interface Person {
  readonly name: string
  readonly identity: KeyPair
  readonly feed: KeyPair
  readonly feedKey: Buffer
  readonly feedId: string
}

/** Key pairs derived from `seed` when given (reproducible property tests), random otherwise. */
export function seededKeyPair (seed: number | undefined, label: string): KeyPair {
  return seed === undefined ? generateKeyPair() : generateKeyPair(hash([Buffer.from(`${seed}/${label}`)]))
}

export function person (name: string, seed?: number): Person {
  const feed = seededKeyPair(seed, `${name}/feed`)
  const feedKey = feedKeyFromSigner(feed.publicKey)
  return { name, identity: seededKeyPair(seed, `${name}/identity`), feed, feedKey, feedId: keyToHex(feedKey) }
}

/** An extra feed for `p` (a second device, say). */
export function extraFeed (p: Person, seed?: number, n = 0): { feed: KeyPair, feedKey: Buffer, feedId: string } {
  const feed = seededKeyPair(seed, `${p.name}/feed-${n}`)
  const feedKey = feedKeyFromSigner(feed.publicKey)
  return { feed, feedKey, feedId: keyToHex(feedKey) }
}

export interface Message {
  readonly signed: SignedCredential
  readonly source: CredentialSource
}

/**
 * A party seen from outside: every block written gets the next block index of its feed and a seq that grows with
 * every block (the world is sequential unless a test gives its own seq).
 */
export class World {
  readonly party = generateKeyPair()
  readonly partyKey = this.party.publicKey
  private readonly lengths = new Map<string, number>()
  private seq = 0

  /** One block of `feedKey` holding `credentials`; `seq` overrides the world's clock (for concurrent blocks). */
  block (feedKey: Buffer, credentials: SignedCredential[], seq?: number): Message[] {
    const id = keyToHex(feedKey)
    const blockIndex = this.lengths.get(id) ?? 0
    this.lengths.set(id, blockIndex + 1)
    const s = seq ?? this.seq++
    return credentials.map((signed, indexInBlock) => ({ signed, source: { feedKey, blockIndex, indexInBlock, seq: s } }))
  }

  /** Skips `n` blocks of a feed (blocks that hold only items). */
  skip (feedKey: Buffer, n: number): void {
    const id = keyToHex(feedKey)
    this.lengths.set(id, (this.lengths.get(id) ?? 0) + n)
  }

  length (feedKey: Buffer): number {
    return this.lengths.get(keyToHex(feedKey)) ?? 0
  }

  /** The genesis block of a party created by `creator`. */
  genesis (creator: Person): Message[] {
    return this.block(creator.feedKey, [createPartyGenesis({ party: this.party, identity: creator.identity, feed: creator.feed })], 0)
  }

  feedAdmit (p: Person): SignedCredential {
    return createFeedAdmit({ partyKey: this.partyKey, identity: p.identity, feed: p.feed })
  }

  state (): PartyState {
    return new PartyState(this.partyKey)
  }
}

/** Processes messages in order; returns the results. */
export function processAll (state: PartyState, messages: Message[]): Array<ReturnType<PartyState['process']>> {
  return messages.map((m) => state.process(m.signed, m.source))
}

export function hex (key: Uint8Array | null | undefined): string | null {
  return key == null ? null : keyToHex(key)
}

/** A readable summary of a PartyState for equality assertions. */
export function summary (state: PartyState): unknown {
  return {
    genesis: state.genesis === null ? null : { identity: hex(state.genesis.identityKey), feed: hex(state.genesis.feedKey) },
    members: state.listMembers({ includeRemoved: true }).map((m) => ({
      identity: hex(m.identityKey),
      role: m.role,
      name: m.displayName,
      removed: m.removed,
      feeds: m.feeds.map(hex)
    })),
    feeds: state.listFeeds().map((f) => ({ feed: hex(f.feedKey), owner: hex(f.identityKey), cutoff: f.cutoff }))
  }
}
