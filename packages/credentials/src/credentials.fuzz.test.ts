// Fuzzing credential decoding and verification: what a hostile peer's Envelope bytes reach before PartyState.
import fc from 'fast-check'
import { echo } from '@echodb/proto'
import { feedKeyFromSigner } from '@echodb/feed-store'
import {
  createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove, createPartyGenesis, verifyCredential,
  type SignedCredential
} from './credentials'
import { generateKeyPair } from './keys'
import { byteEdits, mutate } from '@echodb/feed-store/testing'

const party = generateKeyPair()
const alice = generateKeyPair()
const feed = generateKeyPair()
const bob = generateKeyPair()

/** One valid credential of every kind, all for `party`. */
const valid: SignedCredential[] = [
  createPartyGenesis({ party, identity: alice, feed }),
  createKeyAdmit({ partyKey: party.publicKey, admin: alice, identityKey: bob.publicKey, role: 'writer' }),
  createFeedAdmit({ partyKey: party.publicKey, identity: bob, feed: generateKeyPair() }),
  createKeyRemove({ partyKey: party.publicKey, admin: alice, identityKey: bob.publicKey, cutoffs: [{ feedKey: feedKeyFromSigner(feed.publicKey), length: 3 }] }),
  createIdentityInfo({ partyKey: party.publicKey, identity: bob, displayName: 'Bob' })
]

const editsArb = byteEdits(4)


/** verifyCredential must answer, never throw. */
function verify (signed: SignedCredential | null | undefined): ReturnType<typeof verifyCredential> {
  let result: ReturnType<typeof verifyCredential> | undefined
  expect(() => { result = verifyCredential(signed, party.publicKey) }).not.toThrow()
  return result!
}

test('every valid credential verifies (the baseline the mutations start from)', () => {
  for (const signed of valid) expect(verify(signed)).toMatchObject({ ok: true })
})

test('random credential shapes never throw and never verify', () => {
  const signature = fc.record({ key: fc.option(fc.uint8Array({ maxLength: 40 })), signature: fc.option(fc.uint8Array({ maxLength: 80 })) })
  fc.assert(fc.property(
    fc.record({ credential: fc.option(fc.uint8Array({ maxLength: 200 })), signatures: fc.option(fc.array(fc.option(signature), { maxLength: 4 })) }),
    (shape) => {
      expect(verify(shape as SignedCredential).ok).toBe(false)
    }
  ), { numRuns: 2000 })
})

test('a valid credential with any byte of its body changed no longer verifies', () => {
  fc.assert(fc.property(fc.constantFrom(...valid), editsArb, (signed, edits) => {
    const bytes = mutate(signed.credential as Uint8Array, edits)
    fc.pre(!bytes.equals(Buffer.from(signed.credential as Uint8Array)))
    expect(verify({ credential: bytes, signatures: signed.signatures }).ok).toBe(false)
  }), { numRuns: 1000 })
})

test('a valid credential with a signature or signer key changed, dropped, repeated or added no longer verifies', () => {
  fc.assert(fc.property(fc.constantFrom(...valid), fc.nat(), editsArb, fc.integer({ min: 0, max: 4 }), (signed, which, edits, how) => {
    const signatures: Array<{ key: Buffer, signature: Buffer }> = signed.signatures!.map((s) => ({ key: Buffer.from(s.key as Uint8Array), signature: Buffer.from(s.signature as Uint8Array) }))
    const at = which % signatures.length
    if (how === 0) signatures[at].signature = mutate(signatures[at].signature, edits)
    else if (how === 1) signatures[at].key = mutate(signatures[at].key, edits)
    else if (how === 2) signatures.splice(at, 1)
    else if (how === 3) signatures.push(signatures[at])
    else signatures.push({ key: generateKeyPair().publicKey, signature: Buffer.alloc(64, 1) })
    fc.pre(how >= 2 || !signatures[at].signature.equals(Buffer.from(signed.signatures![at].signature as Uint8Array)) ||
      !signatures[at].key.equals(Buffer.from(signed.signatures![at].key as Uint8Array)))
    expect(verify({ credential: signed.credential, signatures }).ok).toBe(false)
  }), { numRuns: 1000 })
})

test('random and mutated Envelope bytes decode or throw; whatever decodes is judged without throwing', () => {
  const envelopes = valid.map((credential) => echo.Envelope.encode({ credential }).finish())
  const bytesArb = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.constantFrom(...envelopes), editsArb).map(([bytes, edits]) => mutate(bytes, edits))
  )
  fc.assert(fc.property(bytesArb, (bytes) => {
    let envelope: echo.Envelope
    try {
      envelope = echo.Envelope.decode(bytes)
    } catch (err) {
      expect(err).toBeInstanceOf(Error)
      return
    }
    if (envelope.credential != null) {
      const result = verify(envelope.credential)
      // Only an untouched credential can still verify (the edit fell outside it, e.g. in an unknown field).
      if (result.ok) expect(valid.some((v) => Buffer.from(v.credential as Uint8Array).equals(Buffer.from(envelope.credential!.credential as Uint8Array)))).toBe(true)
    }
  }), { numRuns: 2000 })
})
