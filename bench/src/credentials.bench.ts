/**
 * Credentials benchmarks (issue 3 sets no targets; these say what membership costs): PartyState processing in
 * order and with concurrent (out-of-order) arrivals, snapshot restore, and one invitation handshake with the
 * default key-derivation cost.
 */
import { feedKeyFromSigner } from '@echodb/feed-store'
import {
  type CredentialSource, DEFAULT_KDF, Greeter, PartyState, type SignedCredential, acceptInvitation, createChannelPair,
  createFeedAdmit, createIdentityInfo, createKeyAdmit, createPartyGenesis, generateKeyPair
} from '@echodb/credentials'
import type { Suite } from './figure'
import { timeMs } from './measure'

const MEMBERS = 1000

interface Message { signed: SignedCredential, source: CredentialSource }

/** A party of MEMBERS writers, each admitted (KeyAdmit + FeedAdmit) in its own block, then named from its feed. */
function party (): { partyKey: Buffer, genesisFeedKey: Buffer, messages: Message[] } {
  const partyPair = generateKeyPair()
  const creator = generateKeyPair()
  const creatorFeed = generateKeyPair()
  const creatorFeedKey = feedKeyFromSigner(creatorFeed.publicKey)
  const partyKey = partyPair.publicKey
  const messages: Message[] = [{
    signed: createPartyGenesis({ party: partyPair, identity: creator, feed: creatorFeed }),
    source: { feedKey: creatorFeedKey, blockIndex: 0, indexInBlock: 0, seq: 0 }
  }]
  for (let i = 1; i <= MEMBERS; i++) {
    const identity = generateKeyPair()
    const feed = generateKeyPair()
    messages.push(
      { signed: createKeyAdmit({ partyKey, admin: creator, identityKey: identity.publicKey, role: 'writer' }), source: { feedKey: creatorFeedKey, blockIndex: i, indexInBlock: 0, seq: i } },
      { signed: createFeedAdmit({ partyKey, identity, feed }), source: { feedKey: creatorFeedKey, blockIndex: i, indexInBlock: 1, seq: i } },
      { signed: createIdentityInfo({ partyKey, identity, displayName: `member ${i}` }), source: { feedKey: feedKeyFromSigner(feed.publicKey), blockIndex: 0, indexInBlock: 0, seq: MEMBERS + i } }
    )
  }
  return { partyKey, genesisFeedKey: creatorFeedKey, messages }
}

export const suite: Suite = {
  name: 'credentials',
  async run (report) {
    const { partyKey, genesisFeedKey, messages } = party()

    // In order (by seq): every credential comes after the ones already processed.
    const sorted = [...messages].sort((a, b) => a.source.seq - b.source.seq)
    const state = new PartyState(partyKey, { genesisFeedKey })
    const inOrder = await timeMs(async () => {
      for (const m of sorted) state.process(m.signed, m.source)
    })
    if (state.listMembers().length !== MEMBERS + 1) throw new Error('bench party is not what it should be')
    report({ name: 'credentials.party-state.process', value: messages.length / (inOrder / 1000), unit: 'credentials/s', better: 'higher' })

    // Concurrent writers: the names (from the members' own feeds) arrive interleaved with the admissions, each one
    // "in the past" of what was processed, so PartyState re-evaluates the party every time.
    const interleaved: Message[] = [messages[0]]
    for (let i = 1; i <= MEMBERS; i++) interleaved.push(messages[3 * i - 2], messages[3 * i - 1])
    const names = messages.filter((_, i) => i > 0 && i % 3 === 0)
    const firstNames = names.slice(0, 200)
    const reordered = new PartyState(partyKey, { genesisFeedKey })
    for (const m of interleaved) reordered.process(m.signed, m.source)
    for (const m of names.slice(200)) reordered.process(m.signed, m.source)
    const outOfOrder = await timeMs(async () => {
      // These come before names already processed (lower seq): each one is a full re-evaluation.
      for (const m of firstNames) reordered.process(m.signed, m.source)
    })
    report({ name: 'credentials.party-state.out-of-order', value: firstNames.length / (outOfOrder / 1000), unit: 'credentials/s', better: 'higher' })

    const snapshot = state.snapshot()
    const restore = await timeMs(async () => PartyState.restore(snapshot))
    report({ name: 'credentials.party-state.restore-1k-members', value: restore, unit: 'ms', better: 'lower' })
    const trusted = await timeMs(async () => PartyState.restore(snapshot, { trusted: true }))
    report({ name: 'credentials.party-state.restore-1k-members.trusted', value: trusted, unit: 'ms', better: 'lower' })

    // One handshake over an in-memory channel with the default (interactive) scrypt cost.
    const creator = generateKeyPair()
    const creatorFeed = generateKeyPair()
    const partyPair = generateKeyPair()
    const tiny = new PartyState(partyPair.publicKey)
    tiny.process(createPartyGenesis({ party: partyPair, identity: creator, feed: creatorFeed }), { feedKey: feedKeyFromSigner(creatorFeed.publicKey), blockIndex: 0, indexInBlock: 0, seq: 0 })
    const greeterKey = generateKeyPair().publicKey
    const greeter = new Greeter({ partyKey: partyPair.publicKey, identity: creator, state: tiny, channelKey: greeterKey, kdf: DEFAULT_KDF, admit: async () => {} })
    const invitation = await greeter.createInvitation()
    const handshake = await timeMs(async () => {
      const [g, i] = createChannelPair(greeterKey, generateKeyPair().publicKey)
      await Promise.all([
        greeter.serve(g),
        acceptInvitation(i, invitation.code, invitation.secret, { identity: generateKeyPair(), feed: generateKeyPair() })
      ])
    })
    report({ name: 'credentials.handshake.memory', value: handshake, unit: 'ms', better: 'lower' })
  }
}
