// Fuzzing PartyState.process: random, mutated, replayed and validly signed but unauthorised credentials at random
// positions. It must never throw, and a rejected input must leave the state exactly as it was (snapshot bytes).
import fc from 'fast-check'
import { feedKeyFromSigner } from '@echodb/feed-store'
import {
  createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove, createPartyGenesis, type Role,
  type SignedCredential
} from './credentials'
import { generateKeyPair, type KeyPair } from './keys'
import { PartyState, type CredentialSource, type ProcessResult } from './party-state'
import { byteEdits, mutate } from '@echodb/feed-store/testing'

interface Person { identity: KeyPair, feed: KeyPair, feedKey: Buffer }

const party = generateKeyPair()
const partyKey = party.publicKey
const person = (): Person => {
  const feed = generateKeyPair()
  return { identity: generateKeyPair(), feed, feedKey: feedKeyFromSigner(feed.publicKey) }
}
// alice created the party; bob is a writer with a feed; carol a reader; mallory and a stranger are no members.
const [alice, bob, carol, mallory] = [person(), person(), person(), person()]
const people = [alice, bob, carol, mallory]

/** The party everyone starts from, with the positions its credentials were read at. */
function baseline (): { log: Array<{ signed: SignedCredential, source: CredentialSource }>, next: Map<string, number>, seq: number } {
  const log: Array<{ signed: SignedCredential, source: CredentialSource }> = []
  const at = (feedKey: Buffer, blockIndex: number, indexInBlock: number, seq: number): CredentialSource => ({ feedKey, blockIndex, indexInBlock, seq })
  log.push({ signed: createPartyGenesis({ party, identity: alice.identity, feed: alice.feed }), source: at(alice.feedKey, 0, 0, 0) })
  log.push({ signed: createKeyAdmit({ partyKey, admin: alice.identity, identityKey: bob.identity.publicKey, role: 'writer' }), source: at(alice.feedKey, 1, 0, 1) })
  log.push({ signed: createFeedAdmit({ partyKey, identity: bob.identity, feed: bob.feed }), source: at(alice.feedKey, 1, 1, 1) })
  log.push({ signed: createKeyAdmit({ partyKey, admin: alice.identity, identityKey: carol.identity.publicKey, role: 'reader' }), source: at(alice.feedKey, 1, 2, 1) })
  log.push({ signed: createIdentityInfo({ partyKey, identity: bob.identity, displayName: 'Bob' }), source: at(bob.feedKey, 0, 0, 2) })
  return { log, next: new Map([[alice.feedKey.toString('hex'), 2], [bob.feedKey.toString('hex'), 1]]), seq: 3 }
}
const BASE = baseline()

function freshState (): PartyState {
  const state = new PartyState(partyKey, { genesisFeedKey: alice.feedKey })
  for (const { signed, source } of BASE.log) expect(state.process(signed, source).status).toBe('accepted')
  return state
}

const editsArb = byteEdits(4)


const ROLES: Role[] = ['admin', 'writer', 'reader']

/** A recipe for one hostile (or, by chance, legitimate) credential; built inside the property (signing is not pure). */
type Recipe =
  | { kind: 'random', credential: Uint8Array, signatures: Array<{ key: Uint8Array, signature: Uint8Array }> }
  | { kind: 'mutated-body' | 'mutated-signature', from: number, edits: Array<[number, number, number]> }
  | { kind: 'replay', from: number }
  | { kind: 'key-admit', signer: number, subject: number, role: number }
  | { kind: 'feed-admit', identity: number, feedOf: number }
  | { kind: 'key-remove', signer: number, subject: number, cutoff: number }
  | { kind: 'identity-info', signer: number, subject: number }
  | { kind: 'genesis', identity: number }

const who = fc.integer({ min: 0, max: people.length - 1 })
const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  fc.record({
    kind: fc.constant('random' as const),
    credential: fc.uint8Array({ maxLength: 160 }),
    signatures: fc.array(fc.record({ key: fc.uint8Array({ minLength: 30, maxLength: 33 }), signature: fc.uint8Array({ minLength: 63, maxLength: 65 }) }), { maxLength: 3 })
  }),
  fc.record({ kind: fc.constantFrom('mutated-body' as const, 'mutated-signature' as const), from: fc.nat(), edits: editsArb }),
  fc.record({ kind: fc.constant('replay' as const), from: fc.nat() }),
  fc.record({ kind: fc.constant('key-admit' as const), signer: who, subject: who, role: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('feed-admit' as const), identity: who, feedOf: who }),
  fc.record({ kind: fc.constant('key-remove' as const), signer: who, subject: who, cutoff: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('identity-info' as const), signer: who, subject: who }),
  fc.record({ kind: fc.constant('genesis' as const), identity: who })
)

function build (recipe: Recipe): SignedCredential {
  const log = BASE.log
  switch (recipe.kind) {
    case 'random': return { credential: recipe.credential, signatures: recipe.signatures }
    case 'mutated-body': {
      const original = log[recipe.from % log.length].signed
      return { credential: mutate(original.credential as Uint8Array, recipe.edits), signatures: original.signatures }
    }
    case 'mutated-signature': {
      const original = log[recipe.from % log.length].signed
      const signatures = original.signatures!.map((s, i) => i === 0 ? { key: s.key, signature: mutate(s.signature as Uint8Array, recipe.edits) } : s)
      return { credential: original.credential, signatures }
    }
    case 'replay': return log[recipe.from % log.length].signed
    case 'key-admit':
      return createKeyAdmit({ partyKey, admin: people[recipe.signer].identity, identityKey: people[recipe.subject].identity.publicKey, role: ROLES[recipe.role] })
    case 'feed-admit': {
      // Signed by the claimed identity and by a feed key: another person's feed, or a brand-new one.
      const feed = recipe.feedOf === recipe.identity ? generateKeyPair() : people[recipe.feedOf].feed
      return createFeedAdmit({ partyKey, identity: people[recipe.identity].identity, feed })
    }
    case 'key-remove':
      return createKeyRemove({ partyKey, admin: people[recipe.signer].identity, identityKey: people[recipe.subject].identity.publicKey, cutoffs: [{ feedKey: people[recipe.subject].feedKey, length: recipe.cutoff }] })
    case 'identity-info': {
      // Signed by `signer` but naming `subject`: only the subject's own signature may name it.
      const signed = createIdentityInfo({ partyKey, identity: people[recipe.signer].identity, displayName: 'renamed' })
      if (recipe.signer === recipe.subject) return signed
      return { credential: signed.credential, signatures: [{ key: people[recipe.subject].identity.publicKey, signature: signed.signatures![0].signature }] }
    }
    case 'genesis': return createPartyGenesis({ party, identity: people[recipe.identity].identity, feed: generateKeyPair() })
  }
}

/** Where the credential claims to come from: the next free position of a member's feed, a random feed, or nonsense. */
const sourceArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('next' as const), feed: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('anywhere' as const), feedKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), blockIndex: fc.nat(), indexInBlock: fc.nat(5), seq: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.record({
    kind: fc.constant('nonsense' as const),
    feedKey: fc.uint8Array({ maxLength: 40 }),
    blockIndex: fc.oneof(fc.integer(), fc.double()),
    indexInBlock: fc.oneof(fc.integer(), fc.constant(NaN)),
    seq: fc.oneof(fc.integer(), fc.constant(Infinity), fc.constant(-1))
  }) }
)

test('PartyState never throws on hostile input, and a rejected credential leaves the snapshot byte-identical', () => {
  fc.assert(fc.property(fc.array(fc.tuple(recipeArb, sourceArb), { minLength: 1, maxLength: 12 }), (steps) => {
    const state = freshState()
    const next = new Map(BASE.next)
    let seq = BASE.seq
    const outcomes: string[] = []
    for (const [recipe, where] of steps) {
      const signed = build(recipe)
      let source: CredentialSource
      if (where.kind === 'next') {
        const feedKey = [alice, bob][where.feed].feedKey
        const id = feedKey.toString('hex')
        const blockIndex = next.get(id) ?? 0
        next.set(id, blockIndex + 1)
        source = { feedKey, blockIndex, indexInBlock: 0, seq: seq++ }
      } else {
        source = { feedKey: where.feedKey, blockIndex: where.blockIndex, indexInBlock: where.indexInBlock, seq: where.seq } as CredentialSource
      }
      const before = Buffer.from(state.snapshot())
      const members = JSON.stringify(state.listMembers({ includeRemoved: true }))
      const rejectedBefore = state.stats.rejected
      let result: ProcessResult | undefined
      expect(() => { result = state.process(signed, source) }).not.toThrow()
      outcomes.push(result!.status)
      if (result!.status === 'rejected') {
        expect(typeof result!.reason).toBe('string')
        expect(Buffer.from(state.snapshot()).equals(before)).toBe(true)
        expect(JSON.stringify(state.listMembers({ includeRemoved: true }))).toBe(members)
        expect(state.stats.rejected).toBe(rejectedBefore + 1)
      }
    }
    // Whatever was accepted or held, the state is one its own snapshot restores exactly (signatures checked again).
    const snapshot = state.snapshot()
    expect(Buffer.from(PartyState.restore(snapshot, { partyKey }).snapshot()).equals(Buffer.from(snapshot))).toBe(true)
  }), { numRuns: 300 })
})

test('credentials of the baseline replayed anywhere are rejected, and nobody but an admin changes membership', () => {
  fc.assert(fc.property(fc.nat(), sourceArb, (from, where) => {
    const state = freshState()
    const before = Buffer.from(state.snapshot())
    const { signed } = BASE.log[from % BASE.log.length]
    const source = where.kind === 'next'
      ? { feedKey: [alice, bob][where.feed].feedKey, blockIndex: 99, indexInBlock: 0, seq: 99 }
      : { feedKey: where.feedKey, blockIndex: where.blockIndex, indexInBlock: where.indexInBlock, seq: where.seq } as CredentialSource
    const result = state.process(signed, source)
    expect(result.status).toBe('rejected')
    expect(Buffer.from(state.snapshot()).equals(before)).toBe(true)
  }), { numRuns: 200 })

  // Validly signed admissions and removals by each non-admin are refused, whatever they name.
  for (const signer of [bob, carol, mallory]) {
    for (const subject of people) {
      for (const signed of [
        createKeyAdmit({ partyKey, admin: signer.identity, identityKey: subject.identity.publicKey, role: 'admin' }),
        createKeyRemove({ partyKey, admin: signer.identity, identityKey: subject.identity.publicKey, cutoffs: [] })
      ]) {
        const state = freshState()
        const before = Buffer.from(state.snapshot())
        const result = state.process(signed, { feedKey: signer.feedKey, blockIndex: 5, indexInBlock: 0, seq: 10 })
        expect(result.status).toBe('rejected')
        expect(Buffer.from(state.snapshot()).equals(before)).toBe(true)
      }
    }
  }
})
