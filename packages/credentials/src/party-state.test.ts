import { echo } from '@echodb/proto'
import {
  createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove, createPartyGenesis, signingPayload
} from './credentials'
import { generateKeyPair, sign } from './keys'
import { InvalidSnapshotError, type PartyChange, PartyState, type ProcessResult } from './party-state'
import { type Message, World, extraFeed, hex, person, processAll, summary } from './test-fixtures/party-world'

function accepted (results: ProcessResult[]): void {
  for (const r of results) expect(r).toMatchObject({ status: 'accepted' })
}

/** A party: alice created it; bob is a writer with a feed; carol a reader. */
function setup () {
  const world = new World()
  const alice = person('alice')
  const bob = person('bob')
  const carol = person('carol')
  const state = world.state()
  const messages: Message[] = [
    ...world.genesis(alice),
    ...world.block(alice.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, role: 'writer' }),
      world.feedAdmit(bob),
      createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: carol.identity.publicKey, role: 'reader' })
    ])
  ]
  accepted(processAll(state, messages))
  return { world, alice, bob, carol, state, messages }
}

describe('PartyState: genesis', () => {
  test('admits the creator as admin and its feed; emits genesis, member and feed events', () => {
    const world = new World()
    const alice = person('alice')
    const state = world.state()
    const changes: PartyChange[] = []
    state.on('change', (c) => changes.push(...c))
    const admitted: Buffer[] = []
    state.on('member-admitted', (c) => admitted.push(c.identityKey))
    expect(state.hasGenesis).toBe(false)
    expect(state.blockStatus(alice.feedKey, 0)).toBe('not-admitted')

    const [result] = processAll(state, world.genesis(alice))
    expect(result.status).toBe('accepted')
    expect(state.hasGenesis).toBe(true)
    expect(hex(state.genesis?.identityKey)).toBe(hex(alice.identity.publicKey))
    expect(state.getRole(alice.identity.publicKey)).toBe('admin')
    expect(state.isFeedAdmitted(alice.feedKey)).toBe(true)
    expect(state.isFeedAdmitted(alice.feedId)).toBe(true)
    expect(hex(state.getFeedOwner(alice.feedKey))).toBe(hex(alice.identity.publicKey))
    expect(state.getFeedCutoff(alice.feedKey)).toBeUndefined()
    expect(state.blockStatus(alice.feedKey, 1000)).toBe('valid')
    expect(changes.map((c) => c.type)).toEqual(['genesis', 'member-admitted', 'feed-admitted'])
    expect(admitted.map(hex)).toEqual([hex(alice.identity.publicKey)])
  })

  test('a second genesis, a misplaced genesis and anything before the genesis are rejected', () => {
    const world = new World()
    const alice = person('alice')
    const bob = person('bob')
    const state = world.state()

    // Before the genesis.
    const early = world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'b' })])
    expect(processAll(state, early)[0]).toMatchObject({ status: 'rejected', reason: 'NO_GENESIS' })

    // Not the first message of the feed it admits.
    const misplaced = world.block(alice.feedKey, [createPartyGenesis({ party: world.party, identity: alice.identity, feed: alice.feed })])
    misplaced[0] = { ...misplaced[0], source: { ...misplaced[0].source, blockIndex: 3 } }
    expect(processAll(state, misplaced)[0]).toMatchObject({ status: 'rejected', reason: 'GENESIS_POSITION' })
    const elsewhere = world.block(bob.feedKey, [createPartyGenesis({ party: world.party, identity: alice.identity, feed: alice.feed })])
    elsewhere[0] = { ...elsewhere[0], source: { ...elsewhere[0].source, blockIndex: 0 } }
    expect(processAll(state, elsewhere)[0]).toMatchObject({ status: 'rejected', reason: 'GENESIS_POSITION' })

    accepted(processAll(state, [{ signed: createPartyGenesis({ party: world.party, identity: alice.identity, feed: alice.feed }), source: { feedKey: alice.feedKey, blockIndex: 0, indexInBlock: 0, seq: 0 } }]))
    const second = createPartyGenesis({ party: world.party, identity: bob.identity, feed: bob.feed })
    expect(state.process(second, { feedKey: bob.feedKey, blockIndex: 0, indexInBlock: 0, seq: 1 })).toMatchObject({ status: 'rejected', reason: 'GENESIS_EXISTS' })
    expect(state.listMembers()).toHaveLength(1)
    expect(state.stats).toMatchObject({ accepted: 1, rejected: 4, byReason: { NO_GENESIS: 1, GENESIS_POSITION: 2, GENESIS_EXISTS: 1 } })
  })

  test('with the genesis feed known, a genesis of any other feed is rejected, even one that comes first in order', () => {
    const world = new World()
    const alice = person('alice')
    const bob = person('bob')
    const state = new PartyState(world.partyKey, { genesisFeedKey: alice.feedKey })
    const rival = createPartyGenesis({ party: world.party, identity: bob.identity, feed: bob.feed })
    expect(state.process(rival, { feedKey: bob.feedKey, blockIndex: 0, indexInBlock: 0, seq: 0 })).toMatchObject({ status: 'rejected', reason: 'GENESIS_POSITION' })
    accepted(processAll(state, world.genesis(alice)))
    expect(state.process(rival, { feedKey: bob.feedKey, blockIndex: 0, indexInBlock: 0, seq: 0 })).toMatchObject({ status: 'rejected' })
    expect(hex(state.genesis?.identityKey)).toBe(hex(alice.identity.publicKey))
    const restored = PartyState.restore(state.snapshot())
    expect(hex(restored.genesisFeedKey)).toBe(alice.feedId)
  })

  test('a genesis of another party or signed without the party key is rejected', () => {
    const world = new World()
    const alice = person('alice')
    const other = generateKeyPair()
    const state = world.state()
    const wrongParty = createPartyGenesis({ party: other, identity: alice.identity, feed: alice.feed })
    expect(state.process(wrongParty, { feedKey: alice.feedKey, blockIndex: 0, indexInBlock: 0, seq: 0 })).toMatchObject({ status: 'rejected', reason: 'WRONG_PARTY' })
    // Party key claimed, but signed by someone else.
    const bytes = echo.Credential.encode({
      partyKey: world.partyKey,
      nonce: Buffer.alloc(16, 1),
      partyGenesis: { identityKey: alice.identity.publicKey, feedKey: alice.feedKey, feedSigner: alice.feed.publicKey }
    }).finish()
    const forged = {
      credential: bytes,
      signatures: [other, alice.identity, alice.feed].map((k, i) => ({
        key: i === 0 ? world.partyKey : k.publicKey,
        signature: sign(signingPayload(bytes), k.secretKey)
      }))
    }
    expect(state.process(forged, { feedKey: alice.feedKey, blockIndex: 0, indexInBlock: 0, seq: 0 })).toMatchObject({ status: 'rejected', reason: 'BAD_SIGNATURE' })
    expect(state.hasGenesis).toBe(false)
  })
})

describe('PartyState: admissions', () => {
  test('an admin admits members with roles; writers get feeds; queries answer', () => {
    const { alice, bob, carol, state } = setup()
    expect(state.getRole(bob.identity.publicKey)).toBe('writer')
    expect(state.getRole(carol.identity.publicKey)).toBe('reader')
    expect(state.isMember(carol.identity.publicKey)).toBe(true)
    expect(state.isFeedAdmitted(bob.feedKey)).toBe(true)
    expect(hex(state.getFeedOwner(bob.feedKey))).toBe(hex(bob.identity.publicKey))
    expect(hex(state.getMember(bob.identity.publicKey)?.admittedBy)).toBe(hex(alice.identity.publicKey))
    expect(state.getMember(bob.identity.publicKey)?.feeds.map(hex)).toEqual([bob.feedId])
    expect(state.listMembers()).toHaveLength(3)
    expect(state.listFeeds().map((f) => hex(f.feedKey)).sort()).toEqual([alice.feedId, bob.feedId].sort())
    expect(state.getRole(generateKeyPair().publicKey)).toBeUndefined()
    expect(state.getMember(generateKeyPair().publicKey)).toBeUndefined()
  })

  test('a writer or a stranger cannot admit; an admin credential must be in the admin\'s own feed', () => {
    const { world, alice, bob, state } = setup()
    const dave = person('dave')
    const stranger = generateKeyPair()
    const byWriter = createKeyAdmit({ partyKey: world.partyKey, admin: bob.identity, identityKey: dave.identity.publicKey, role: 'admin' })
    const byStranger = createKeyAdmit({ partyKey: world.partyKey, admin: stranger, identityKey: dave.identity.publicKey, role: 'admin' })
    const foreignCarrier = createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: dave.identity.publicKey, role: 'admin' })
    const results = [
      ...processAll(state, world.block(bob.feedKey, [byWriter, byStranger, foreignCarrier]))
    ]
    expect(results.map((r) => r.status === 'rejected' ? r.reason : r.status)).toEqual(['SIGNER_NOT_ADMIN', 'SIGNER_NOT_MEMBER', 'CARRIER_NOT_SIGNER'])
    expect(state.isMember(dave.identity.publicKey)).toBe(false)
  })

  test('a credential carried by a feed that is not admitted is rejected', () => {
    const { world, alice, state } = setup()
    const dave = person('dave')
    const admit = createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: dave.identity.publicKey, role: 'writer' })
    expect(processAll(state, world.block(dave.feedKey, [admit]))[0]).toMatchObject({ status: 'rejected', reason: 'CARRIER_NOT_ADMITTED' })
  })

  test('a member holds the highest role it was given: a lower admission changes nothing, a higher one promotes', () => {
    const { world, alice, bob, state } = setup()
    const lower = createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, role: 'reader' })
    expect(processAll(state, world.block(alice.feedKey, [lower]))[0]).toEqual({ status: 'accepted', changes: [] })
    expect(state.getRole(bob.identity.publicKey)).toBe('writer')
    const higher = createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, role: 'admin' })
    const [result] = processAll(state, world.block(alice.feedKey, [higher]))
    expect(result).toMatchObject({ status: 'accepted', changes: [{ type: 'member-role', role: 'admin', previous: 'writer' }] })
    expect(state.getRole(bob.identity.publicKey)).toBe('admin')
  })

  test('concurrent admissions of one person with different roles: the highest holds on every replica', () => {
    const { world, alice, state, messages } = setup()
    const eve = person('eve')
    const dave = person('dave')
    const eveAdmission = world.block(alice.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, role: 'admin' }),
      world.feedAdmit(eve)
    ])
    accepted(processAll(state, eveAdmission))
    const seq = 50
    const asReader = world.block(alice.feedKey, [createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: dave.identity.publicKey, role: 'reader' })], seq)
    const asWriter = world.block(eve.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: eve.identity, identityKey: dave.identity.publicKey, role: 'writer' }),
      world.feedAdmit(dave)
    ], seq)
    const other = world.state()
    accepted(processAll(other, [...messages, ...eveAdmission]))
    accepted(processAll(state, [...asReader, ...asWriter]))
    accepted(processAll(other, [...asWriter, ...asReader]))
    for (const s of [state, other]) {
      expect(s.getRole(dave.identity.publicKey)).toBe('writer')
      expect(s.isFeedAdmitted(dave.feedKey)).toBe(true)
    }
    expect(Buffer.from(state.snapshot()).equals(other.snapshot())).toBe(true)
  })

  test('replays and reused nonces are rejected', () => {
    const { world, alice, state, messages } = setup()
    const replay = messages[1]
    expect(processAll(state, world.block(alice.feedKey, [replay.signed]))[0]).toMatchObject({ status: 'rejected', reason: 'REPLAY' })
    // The same nonce on a different credential.
    const original = echo.Credential.decode(replay.signed.credential as Uint8Array)
    const bytes = echo.Credential.encode({ ...original, keyAdmit: { ...original.keyAdmit, role: echo.Role.ROLE_ADMIN } }).finish()
    const reused = { credential: bytes, signatures: [{ key: alice.identity.publicKey, signature: sign(signingPayload(bytes), alice.identity.secretKey) }] }
    expect(processAll(state, world.block(alice.feedKey, [reused]))[0]).toMatchObject({ status: 'rejected', reason: 'NONCE_REUSED' })
  })

  test('feeds: readers and non-members cannot have one; a feed belongs to one member', () => {
    const { world, alice, bob, carol, state } = setup()
    const dave = person('dave')
    const results = processAll(state, world.block(alice.feedKey, [
      world.feedAdmit(carol),
      world.feedAdmit(dave),
      createFeedAdmit({ partyKey: world.partyKey, identity: alice.identity, feed: bob.feed }),
      world.feedAdmit(bob) // the same feed again for its owner: nothing changes
    ]))
    expect(results.map((r) => r.status === 'rejected' ? r.reason : r.status)).toEqual(['READER_CANNOT_WRITE', 'NOT_A_MEMBER', 'FEED_ALREADY_ADMITTED', 'accepted'])
    expect(state.isFeedAdmitted(carol.feedKey)).toBe(false)
    expect(hex(state.getFeedOwner(bob.feedKey))).toBe(hex(bob.identity.publicKey))
  })

  test('a member adds a second feed from its own feed', () => {
    const { world, bob, state } = setup()
    const second = extraFeed(bob)
    accepted(processAll(state, world.block(bob.feedKey, [createFeedAdmit({ partyKey: world.partyKey, identity: bob.identity, feed: second.feed })])))
    expect(state.getMember(bob.identity.publicKey)?.feeds.map(hex)).toEqual([bob.feedId, second.feedId])
  })

  test('display names: the latest in order holds, whatever the arrival order', () => {
    const { world, bob, state, messages } = setup()
    const late = world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'Bob' })], 10)
    const early = world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'Bobby' })], 5)
    // Positions are what they are; arrival order differs between the two replicas.
    const other = new PartyState(world.partyKey)
    accepted(processAll(other, messages))
    accepted(processAll(state, [...early, ...late]))
    accepted(processAll(other, [...late, ...early]))
    expect(state.getMember(bob.identity.publicKey)?.displayName).toBe('Bob')
    expect(other.getMember(bob.identity.publicKey)?.displayName).toBe('Bob')
    expect(Buffer.from(other.snapshot()).equals(state.snapshot())).toBe(true)
    accepted(processAll(state, world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: '' })], 11)))
    expect(state.getMember(bob.identity.publicKey)?.displayName).toBeNull()
  })

  test('identity info of a stranger is rejected', () => {
    const { world, alice, state } = setup()
    const dave = person('dave')
    const info = createIdentityInfo({ partyKey: world.partyKey, identity: dave.identity, displayName: 'Mallory' })
    expect(processAll(state, world.block(alice.feedKey, [info]))[0]).toMatchObject({ status: 'rejected', reason: 'NOT_A_MEMBER' })
  })
})

describe('PartyState: removal and cut-offs', () => {
  test('a removal cuts the member\'s feeds where the remover says, and its later credentials', () => {
    const { world, alice, bob, state } = setup()
    world.skip(bob.feedKey, 4) // bob wrote blocks 0..3 (items)
    const events: PartyChange[] = []
    state.on('change', (c) => events.push(...c))
    const remove = createKeyRemove({
      partyKey: world.partyKey,
      admin: alice.identity,
      identityKey: bob.identity.publicKey,
      cutoffs: state.removalCutoffs(bob.identity.publicKey, (feedKey) => world.length(feedKey))
    })
    accepted(processAll(state, world.block(alice.feedKey, [remove])))
    expect(events.map((e) => e.type)).toEqual(['member-removed', 'feed-cutoff'])
    expect(events[1]).toMatchObject({ type: 'feed-cutoff', length: 4, previous: null })
    expect(state.isMember(bob.identity.publicKey)).toBe(false)
    expect(state.getRole(bob.identity.publicKey)).toBeUndefined()
    expect(state.getMember(bob.identity.publicKey)).toMatchObject({ removed: true, role: 'writer' })
    expect(state.listMembers().map((m) => hex(m.identityKey))).not.toContain(hex(bob.identity.publicKey))
    expect(state.getFeedCutoff(bob.feedKey)).toBe(4)
    expect(state.blockStatus(bob.feedKey, 3)).toBe('valid')
    expect(state.blockStatus(bob.feedKey, 4)).toBe('cut')
    expect(state.isFeedAdmitted(bob.feedKey)).toBe(true)

    // bob keeps writing after the cut: held as cut, never applied.
    const late = world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'still here' })])
    expect(late[0].source.blockIndex).toBe(4)
    expect(processAll(state, late)[0]).toMatchObject({ status: 'held', reason: 'BEYOND_CUTOFF' })
    expect(state.getMember(bob.identity.publicKey)?.displayName).toBeNull()

    // Credentials about bob from elsewhere: he is removed.
    const results = processAll(state, world.block(alice.feedKey, [
      createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'x' }),
      createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, role: 'writer' }),
      createFeedAdmit({ partyKey: world.partyKey, identity: bob.identity, feed: extraFeed(bob).feed })
    ]))
    // Held, not applied: they would count only if the removal stopped counting.
    expect(results.map((r) => r.status === 'held' ? r.reason : r.status)).toEqual(['REMOVED', 'REMOVED', 'REMOVED'])
    expect(state.getMember(bob.identity.publicKey)).toMatchObject({ removed: true, displayName: null })
  })

  test('a removed admin can no longer admit or remove', () => {
    const { world, alice, bob, state } = setup()
    const eve = person('eve')
    accepted(processAll(state, world.block(alice.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, role: 'admin' }),
      world.feedAdmit(eve)
    ])))
    accepted(processAll(state, world.block(alice.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, cutoffs: [{ feedKey: eve.feedKey, length: 5 }] })
    ])))
    // Within the cut-off but after the removal in order: the signer is removed.
    world.skip(eve.feedKey, 2)
    const dave = person('dave')
    const results = processAll(state, world.block(eve.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: eve.identity, identityKey: dave.identity.publicKey, role: 'admin' }),
      createKeyRemove({ partyKey: world.partyKey, admin: eve.identity, identityKey: bob.identity.publicKey, cutoffs: [] })
    ]))
    expect(results.map((r) => r.status === 'held' ? r.reason : r.status)).toEqual(['REMOVED', 'REMOVED'])
    world.skip(eve.feedKey, 5)
    expect(processAll(state, world.block(eve.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: eve.identity, identityKey: dave.identity.publicKey, role: 'admin' })
    ]))[0]).toMatchObject({ status: 'held', reason: 'BEYOND_CUTOFF' })
    expect(state.isMember(dave.identity.publicKey)).toBe(false)
    expect(state.isMember(bob.identity.publicKey)).toBe(true)
  })

  test('bad removals: a stranger, a feed that is not the member\'s, the genesis cut to 0', () => {
    const { world, alice, bob, state } = setup()
    const dave = person('dave')
    const results = processAll(state, world.block(alice.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: dave.identity.publicKey, cutoffs: [] }),
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, cutoffs: [{ feedKey: alice.feedKey, length: 1 }] }),
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: alice.identity.publicKey, cutoffs: [] }),
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: alice.identity.publicKey, cutoffs: [{ feedKey: alice.feedKey, length: 0 }] }),
      createKeyRemove({ partyKey: world.partyKey, admin: bob.identity, identityKey: alice.identity.publicKey, cutoffs: [{ feedKey: alice.feedKey, length: 1 }] })
    ]))
    expect(results.map((r) => r.status === 'rejected' ? r.reason : r.status)).toEqual([
      'NOT_A_MEMBER', 'CUTOFF_NOT_MEMBER_FEED', 'GENESIS_CUT', 'GENESIS_CUT', 'SIGNER_NOT_ADMIN'
    ])
    expect(state.listMembers()).toHaveLength(3)
  })

  test('the cut-off is applied identically on every replica, whatever arrived first', () => {
    // alice removes bob, who meanwhile (concurrently) writes a display name, a second feed and an admission of his
    // own (he was made admin). Replica 1 reads bob's blocks before the removal; replica 2 after it.
    const { world, alice, bob, state, messages } = setup()
    const promote = world.block(alice.feedKey, [createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: person('x').identity.publicKey, role: 'reader' })])
    accepted(processAll(state, promote))
    const second = extraFeed(bob)
    const dave = person('dave')
    world.skip(bob.feedKey, 2) // blocks 0..1 alice has processed
    const bobsConcurrent = [
      ...world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'B' })], 20),
      ...world.block(bob.feedKey, [createFeedAdmit({ partyKey: world.partyKey, identity: bob.identity, feed: second.feed })], 21)
    ]
    const removal = world.block(alice.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, cutoffs: [{ feedKey: bob.feedKey, length: 2 }] })
    ], 19)
    // dave is admitted by alice later, causally after the removal.
    const after = world.block(alice.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: dave.identity.publicKey, role: 'writer' }),
      world.feedAdmit(dave)
    ], 30)

    const r1 = state
    const r1Results = processAll(r1, [...bobsConcurrent, ...removal, ...after])
    expect(r1Results.slice(0, 2).map((r) => r.status)).toEqual(['accepted', 'accepted'])
    expect(r1Results[2]).toMatchObject({ status: 'accepted' })
    const revoked = (r1Results[2] as { changes: readonly PartyChange[] }).changes
    expect(revoked.map((c) => c.type)).toEqual(expect.arrayContaining(['member-removed', 'identity-info', 'feed-revoked', 'feed-cutoff']))

    const r2 = new PartyState(world.partyKey)
    accepted(processAll(r2, [...messages, ...promote]))
    const r2Results = processAll(r2, [...removal, ...bobsConcurrent, ...after])
    expect(r2Results.map((r) => r.status)).toEqual(['accepted', 'held', 'held', 'accepted', 'accepted'])

    for (const r of [r1, r2]) {
      expect(r.getFeedCutoff(bob.feedKey)).toBe(2)
      expect(r.blockStatus(bob.feedKey, 1)).toBe('valid')
      expect(r.blockStatus(bob.feedKey, 2)).toBe('cut')
      expect(r.blockStatus(second.feedKey, 0)).toBe('cut') // its admission is itself cut
      expect(r.isFeedAdmitted(second.feedKey)).toBe(false)
      expect(r.getMember(bob.identity.publicKey)?.displayName).toBeNull()
      expect(r.getRole(dave.identity.publicKey)).toBe('writer')
    }
    expect(summary(r1)).toEqual(summary(r2))
    expect(Buffer.from(r1.snapshot()).equals(r2.snapshot())).toBe(true)
  })

  test('an admission by an admin removed concurrently is cut, and so is everything that depended on it', () => {
    const world = new World()
    const alice = person('alice')
    const eve = person('eve')
    const dave = person('dave')
    const base = [
      ...world.genesis(alice),
      ...world.block(alice.feedKey, [
        createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, role: 'admin' }),
        world.feedAdmit(eve)
      ], 1)
    ]
    // eve (block 0 of her feed) admits dave; concurrently alice removes eve having seen none of eve's blocks.
    const evesAdmit = world.block(eve.feedKey, [
      createKeyAdmit({ partyKey: world.partyKey, admin: eve.identity, identityKey: dave.identity.publicKey, role: 'writer' }),
      world.feedAdmit(dave)
    ], 2)
    const davesInfo = world.block(dave.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: dave.identity, displayName: 'D' })], 3)
    const removal = world.block(alice.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, cutoffs: [{ feedKey: eve.feedKey, length: 0 }] })
    ], 2)

    const orders = [
      [...evesAdmit, ...davesInfo, ...removal],
      [...removal, ...evesAdmit, ...davesInfo],
      [...evesAdmit, ...removal, ...davesInfo]
    ]
    const results: string[][] = []
    const states = orders.map((order) => {
      const s = world.state()
      accepted(processAll(s, base))
      results.push(processAll(s, order).map((r) => r.status === 'accepted' ? r.status : `${r.status}:${r.reason}`))
      return s
    })
    // Removal first: eve's admission is beyond her cut-off, and dave's name depends on it.
    expect(results[1]).toEqual(['accepted', 'held:BEYOND_CUTOFF', 'held:BEYOND_CUTOFF', 'held:DEPENDS_ON_CUT'])
    // Removal last: all accepted at first; the removal then revokes dave and his feed.
    expect(results[0]).toEqual(['accepted', 'accepted', 'accepted', 'accepted'])
    for (const s of states) {
      expect(s.isMember(dave.identity.publicKey)).toBe(false)
      expect(s.getMember(dave.identity.publicKey)).toBeUndefined()
      expect(s.blockStatus(dave.feedKey, 0)).toBe('cut')
      expect(s.isMember(eve.identity.publicKey)).toBe(false)
      expect(Buffer.from(s.snapshot()).equals(states[0].snapshot())).toBe(true)
    }
  })

  test('two admins removing each other concurrently: the first in order wins everywhere', () => {
    const world = new World()
    const alice = person('alice')
    const eve = person('eve')
    const base = [
      ...world.genesis(alice),
      ...world.block(alice.feedKey, [
        createKeyAdmit({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, role: 'admin' }),
        world.feedAdmit(eve)
      ], 1)
    ]
    const aliceRemovesEve = world.block(alice.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: eve.identity.publicKey, cutoffs: [{ feedKey: eve.feedKey, length: 0 }] })
    ], 2)
    // Concurrent (neither had read the other's), eve's comes later in order (she had read more of something else).
    const eveRemovesAlice = world.block(eve.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: eve.identity, identityKey: alice.identity.publicKey, cutoffs: [{ feedKey: alice.feedKey, length: 2 }] })
    ], 3)
    const a = world.state()
    const b = world.state()
    accepted(processAll(a, [...base, ...aliceRemovesEve]))
    processAll(a, eveRemovesAlice)
    accepted(processAll(b, [...base, ...eveRemovesAlice]))
    const changes: string[] = []
    b.on('change', (c) => changes.push(...c.map((x) => x.type)))
    processAll(b, aliceRemovesEve)
    // b had applied eve's removal of alice; alice's removal of eve comes first in order and cuts it.
    expect(changes).toEqual(expect.arrayContaining(['member-restored', 'member-removed', 'feed-cutoff']))
    expect(summary(a)).toEqual(summary(b))
    expect(Buffer.from(a.snapshot()).equals(b.snapshot())).toBe(true)
    expect(a.isMember(alice.identity.publicKey)).toBe(true)
    expect(a.isMember(eve.identity.publicKey)).toBe(false)
    expect(a.stats.held).toBe(1) // eve's removal of alice, beyond eve's cut-off
  })
})

describe('PartyState: bad input', () => {
  test('malformed sources are rejected; one position holds one credential', () => {
    const { world, alice, state } = setup()
    const info = createIdentityInfo({ partyKey: world.partyKey, identity: alice.identity, displayName: 'A' })
    const good = { feedKey: alice.feedKey, blockIndex: 5, indexInBlock: 0, seq: 9 }
    for (const source of [
      null,
      { ...good, feedKey: Buffer.alloc(3) },
      { ...good, blockIndex: -1 },
      { ...good, indexInBlock: 1.5 },
      { ...good, seq: Number.NaN }
    ]) {
      expect(state.process(info, source as typeof good)).toMatchObject({ status: 'rejected', reason: 'INVALID_SOURCE' })
    }
    expect(state.process(info, good).status).toBe('accepted')
    const other = createIdentityInfo({ partyKey: world.partyKey, identity: alice.identity, displayName: 'B' })
    expect(state.process(other, good)).toMatchObject({ status: 'rejected', reason: 'INVALID_SOURCE' })
  })

  test('every rejection is counted, emitted and leaves the snapshot byte-identical', () => {
    const { world, alice, bob, state, messages } = setup()
    const rejections: string[] = []
    state.on('rejected', (r) => rejections.push(r.reason))
    const before = Buffer.from(state.snapshot())
    const junk: Array<[echo.ISignedCredential, Message['source']]> = [
      [messages[1].signed, messages[1].source],
      [{ credential: Buffer.from('garbage') }, { feedKey: alice.feedKey, blockIndex: 7, indexInBlock: 0, seq: 7 }],
      [createKeyAdmit({ partyKey: world.partyKey, admin: bob.identity, identityKey: bob.identity.publicKey, role: 'admin' }), { feedKey: bob.feedKey, blockIndex: 0, indexInBlock: 0, seq: 3 }],
      [createIdentityInfo({ partyKey: generateKeyPair().publicKey, identity: bob.identity, displayName: 'x' }), { feedKey: bob.feedKey, blockIndex: 0, indexInBlock: 1, seq: 3 }],
      [{} as echo.ISignedCredential, { feedKey: bob.feedKey, blockIndex: 0, indexInBlock: 2, seq: 3 }]
    ]
    for (const [signed, source] of junk) expect(state.process(signed, source).status).toBe('rejected')
    expect(Buffer.from(state.snapshot()).equals(before)).toBe(true)
    expect(rejections).toEqual(['REPLAY', 'MALFORMED', 'SIGNER_NOT_ADMIN', 'WRONG_PARTY', 'MALFORMED'])
    expect(state.stats.rejected).toBe(5)
  })
})

describe('PartyState: snapshots', () => {
  test('restore gives the same state and the same snapshot; trusted restore too', () => {
    const { world, alice, bob, state } = setup()
    world.skip(bob.feedKey, 3)
    processAll(state, world.block(alice.feedKey, [
      createKeyRemove({ partyKey: world.partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, cutoffs: [{ feedKey: bob.feedKey, length: 3 }] })
    ]))
    processAll(state, world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: bob.identity, displayName: 'late' })]))
    const bytes = state.snapshot()
    for (const restored of [PartyState.restore(bytes), PartyState.restore(bytes, { trusted: true, partyKey: world.partyKey })]) {
      expect(summary(restored)).toEqual(summary(state))
      expect(Buffer.from(restored.snapshot()).equals(bytes)).toBe(true)
      expect(restored.size).toBe(state.size)
      // It keeps working: replays are still known.
      expect(processAll(restored, world.block(bob.feedKey, [createIdentityInfo({ partyKey: world.partyKey, identity: alice.identity, displayName: 'x' })]))[0].status).toBe('held')
    }
  })

  test('restore refuses bytes that are not a snapshot of this party', () => {
    const { state } = setup()
    const bytes = Buffer.from(state.snapshot())
    expect(() => PartyState.restore(Buffer.from([0xff, 0xff]))).toThrow(InvalidSnapshotError)
    expect(() => PartyState.restore(bytes, { partyKey: generateKeyPair().publicKey })).toThrow(/snapshot of party/)
    const decoded = echo.PartyStateSnapshot.decode(bytes)
    const tampered = echo.PartyStateSnapshot.encode({ ...decoded, entries: [...decoded.entries].reverse() }).finish()
    expect(() => PartyState.restore(tampered)).toThrow(InvalidSnapshotError)
    const sig = decoded.entries[1].credential?.signatures?.[0].signature as Uint8Array
    sig[0] ^= 1
    expect(() => PartyState.restore(echo.PartyStateSnapshot.encode(decoded).finish())).toThrow(/BAD_SIGNATURE/)
    expect(() => PartyState.restore(echo.PartyStateSnapshot.encode({ ...decoded, version: 2 }).finish())).toThrow(/version/)
  })
})
