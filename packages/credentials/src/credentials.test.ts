import { echo } from '@echodb/proto'
import { feedKeyFromSigner } from '@echodb/feed-store'
import {
  CREDENTIAL_DOMAIN, createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove, createPartyGenesis,
  displayNameProblem, roleFromProto, roleToProto, signingPayload, verifyCredential
} from './credentials'
import { CredentialsError } from './errors'
import { generateKeyPair, keyPairSigner, sign, verify } from './keys'

const party = generateKeyPair()
const identity = generateKeyPair()
const feed = generateKeyPair()

describe('credential builders', () => {
  test('genesis names the creator and the hypercore key of its feed, signed by party, identity and feed', () => {
    const signed = createPartyGenesis({ party, identity, feed })
    const result = verifyCredential(signed, party.publicKey)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.credential.body).toEqual({
      kind: 'party-genesis',
      identityKey: identity.publicKey,
      feedKey: feedKeyFromSigner(feed.publicKey),
      feedSigner: feed.publicKey
    })
    expect(signed.signatures?.map((s) => Buffer.from(s.key as Uint8Array))).toEqual([party.publicKey, identity.publicKey, feed.publicKey])
  })

  test('signatures cover the domain prefix and the exact credential bytes', () => {
    const signed = createKeyAdmit({ partyKey: party.publicKey, admin: identity, identityKey: feed.publicKey, role: 'writer' })
    const bytes = signed.credential as Uint8Array
    const signature = signed.signatures?.[0].signature as Uint8Array
    expect(verify(Buffer.concat([CREDENTIAL_DOMAIN, bytes]), signature, identity.publicKey)).toBe(true)
    expect(verify(bytes, signature, identity.publicKey)).toBe(false)
    expect(signingPayload(bytes).subarray(0, CREDENTIAL_DOMAIN.byteLength).toString('latin1')).toBe('echo/credential/v1\0')
  })

  test('every builder produces a credential that verifies, with a fresh 16-byte nonce', () => {
    const partyKey = party.publicKey
    const all = [
      createPartyGenesis({ party, identity, feed }),
      createKeyAdmit({ partyKey, admin: keyPairSigner(identity), identityKey: feed.publicKey, role: 'reader' }),
      createFeedAdmit({ partyKey, identity, feed }),
      createKeyRemove({ partyKey, admin: identity, identityKey: feed.publicKey, cutoffs: [{ feedKey: party.publicKey, length: 3 }] }),
      createIdentityInfo({ partyKey, identity, displayName: 'Zoë 🐙' })
    ]
    const nonces = new Set<string>()
    for (const signed of all) {
      const result = verifyCredential(signed, partyKey)
      expect(result).toMatchObject({ ok: true })
      if (result.ok) {
        expect(result.credential.nonce.byteLength).toBe(16)
        nonces.add(result.credential.nonceId)
      }
    }
    expect(nonces.size).toBe(all.length)
  })

  test('builders refuse bad arguments with typed errors', () => {
    expect(() => createKeyAdmit({ partyKey: Buffer.alloc(31), admin: identity, identityKey: feed.publicKey, role: 'admin' })).toThrow(CredentialsError)
    expect(() => createKeyAdmit({ partyKey: party.publicKey, admin: identity, identityKey: feed.publicKey, role: 'owner' as 'admin' })).toThrow(/unknown role/)
    expect(() => createIdentityInfo({ partyKey: party.publicKey, identity, displayName: 'a\nb' })).toThrow(/control/)
    expect(() => createKeyRemove({ partyKey: party.publicKey, admin: identity, identityKey: feed.publicKey, cutoffs: [{ feedKey: feed.publicKey, length: -1 }] })).toThrow(/uint32/)
    expect(() => createFeedAdmit({ partyKey: party.publicKey, identity: { publicKey: identity.publicKey, secretKey: feed.secretKey }, feed })).toThrow(/does not belong/)
  })

  test('roles map to the wire enum and back', () => {
    for (const role of ['admin', 'writer', 'reader'] as const) expect(roleFromProto(roleToProto(role))).toBe(role)
    expect(roleFromProto(echo.Role.ROLE_UNSPECIFIED)).toBeUndefined()
    expect(roleFromProto(42)).toBeUndefined()
  })

  test('display names: up to 128 characters, no control characters', () => {
    expect(displayNameProblem('')).toBeNull()
    expect(displayNameProblem('x'.repeat(128))).toBeNull()
    expect(displayNameProblem('🐙'.repeat(128))).toBeNull()
    expect(displayNameProblem('x'.repeat(129))).toMatch(/longer/)
    expect(displayNameProblem('tab\there')).toMatch(/control/)
    expect(displayNameProblem(7)).toMatch(/string/)
  })
})

/** Re-signs `credential` with `signers` (for crafting credentials the builders refuse to make). */
function craft (credential: echo.Credential.$Properties, signers: Array<{ publicKey: Buffer, secretKey: Buffer }>): echo.ISignedCredential {
  const bytes = echo.Credential.encode(credential).finish()
  return { credential: bytes, signatures: signers.map((s) => ({ key: s.publicKey, signature: sign(signingPayload(bytes), s.secretKey) })) }
}

describe('verifyCredential rejects, with a reason', () => {
  const partyKey = party.publicKey
  const nonce = Buffer.alloc(16, 7)

  test.each([
    ['MALFORMED', () => null],
    ['MALFORMED', () => ({ credential: Buffer.from([0xff, 0xff, 0xff]), signatures: [] })],
    ['MALFORMED', () => craft({ partyKey, nonce }, [identity])],
    ['WRONG_PARTY', () => createKeyAdmit({ partyKey: identity.publicKey, admin: identity, identityKey: feed.publicKey, role: 'writer' })],
    ['BAD_KEY', () => craft({ partyKey: Buffer.alloc(5), nonce, keyAdmit: { identityKey: feed.publicKey, role: 1 } }, [identity])],
    ['BAD_NONCE', () => craft({ partyKey, nonce: Buffer.alloc(8), keyAdmit: { identityKey: feed.publicKey, role: 1 } }, [identity])],
    ['BAD_NONCE', () => craft({ partyKey, nonce: Buffer.alloc(65), keyAdmit: { identityKey: feed.publicKey, role: 1 } }, [identity])],
    ['BAD_KEY', () => craft({ partyKey, nonce, keyAdmit: { identityKey: Buffer.alloc(33), role: 1 } }, [identity])],
    ['INVALID_ROLE', () => craft({ partyKey, nonce, keyAdmit: { identityKey: feed.publicKey, role: 0 } }, [identity])],
    ['INVALID_ROLE', () => craft({ partyKey, nonce, keyAdmit: { identityKey: feed.publicKey, role: 9 as echo.Role } }, [identity])],
    ['WRONG_SIGNERS', () => craft({ partyKey, nonce, keyAdmit: { identityKey: feed.publicKey, role: 1 } }, [identity, feed])],
    ['WRONG_SIGNERS', () => craft({ partyKey, nonce, keyAdmit: { identityKey: feed.publicKey, role: 1 } }, [])],
    ['WRONG_SIGNERS', () => craft({ partyKey, nonce, identityInfo: { identityKey: identity.publicKey, displayName: 'x' } }, [feed])],
    ['WRONG_SIGNERS', () => {
      const f = { identityKey: identity.publicKey, feedKey: feedKeyFromSigner(feed.publicKey), feedSigner: feed.publicKey }
      return craft({ partyKey, nonce, feedAdmit: f }, [identity, identity])
    }],
    ['WRONG_SIGNERS', () => {
      const f = { identityKey: identity.publicKey, feedKey: feedKeyFromSigner(feed.publicKey), feedSigner: feed.publicKey }
      return craft({ partyKey, nonce, feedAdmit: f }, [identity])
    }],
    ['FEED_SIGNER_MISMATCH', () => {
      const f = { identityKey: identity.publicKey, feedKey: feed.publicKey, feedSigner: feed.publicKey }
      return craft({ partyKey, nonce, feedAdmit: f }, [identity, feed])
    }],
    ['FEED_SIGNER_MISMATCH', () => {
      const g = { identityKey: identity.publicKey, feedKey: feedKeyFromSigner(identity.publicKey), feedSigner: feed.publicKey }
      return craft({ partyKey, nonce, partyGenesis: g }, [party, identity, feed])
    }],
    ['BAD_SIGNATURE', () => {
      const signed = createIdentityInfo({ partyKey, identity, displayName: 'x' })
      const sig = Buffer.from(signed.signatures?.[0].signature as Uint8Array)
      sig[10] ^= 1
      return { credential: signed.credential, signatures: [{ key: identity.publicKey, signature: sig }] }
    }],
    ['BAD_SIGNATURE', () => {
      const signed = createIdentityInfo({ partyKey, identity, displayName: 'x' })
      return { credential: signed.credential, signatures: [{ key: identity.publicKey, signature: Buffer.alloc(12) }] }
    }],
    ['BAD_SIGNATURE', () => {
      // The signature of another credential does not cover these bytes.
      const a = createIdentityInfo({ partyKey, identity, displayName: 'a' })
      const b = createIdentityInfo({ partyKey, identity, displayName: 'b' })
      return { credential: a.credential, signatures: b.signatures }
    }],
    ['INVALID_NAME', () => craft({ partyKey, nonce, identityInfo: { identityKey: identity.publicKey, displayName: 'bell\u0007' } }, [identity])],
    ['INVALID_CUTOFF', () => craft({
      partyKey,
      nonce,
      keyRemove: { identityKey: feed.publicKey, cutoffs: [{ feedKey: party.publicKey, length: 1 }, { feedKey: party.publicKey, length: 2 }] }
    }, [identity])],
    ['INVALID_CUTOFF', () => craft({ partyKey, nonce, keyRemove: { identityKey: feed.publicKey, cutoffs: [{ feedKey: Buffer.alloc(3), length: 1 }] } }, [identity])]
  ])('%s', (problem, make) => {
    const result = verifyCredential(make() as echo.ISignedCredential, partyKey)
    expect(result).toMatchObject({ ok: false, problem })
  })

  test('a signature list holding null or junk does not throw', () => {
    const signed = createIdentityInfo({ partyKey, identity, displayName: 'x' })
    expect(verifyCredential({ credential: signed.credential, signatures: [null as unknown as echo.ISignature] }, partyKey)).toMatchObject({ ok: false, problem: 'WRONG_SIGNERS' })
    expect(verifyCredential({ credential: signed.credential }, partyKey)).toMatchObject({ ok: false, problem: 'WRONG_SIGNERS' })
  })
})
