import { echo } from '@echodb/proto'
import { feedKeyFromSigner } from '@echodb/feed-store'
import { CredentialsError } from './errors'
import {
  PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type SignerLike, assertPublicKey, keyToHex, randomBytes, toSigner, verify
} from './keys'

/** A member's role in a party. */
export type Role = 'admin' | 'writer' | 'reader'

export const ROLES: readonly Role[] = ['admin', 'writer', 'reader']

/** The wire form of a credential, as carried in `echo.Envelope.credential`. */
export type SignedCredential = echo.ISignedCredential

/**
 * Every credential signature covers `CREDENTIAL_DOMAIN || credential bytes`. The prefix separates credential
 * signatures from anything else an identity or feed key signs (handshake transcripts, hypercore blocks).
 */
export const CREDENTIAL_DOMAIN = Buffer.from('echo/credential/v1\0', 'latin1')

/** Bytes of the nonce ECHO writes. Peers accept 16..64. */
export const NONCE_BYTES = 16
export const MIN_NONCE_BYTES = 16
export const MAX_NONCE_BYTES = 64
/** Longest display name, in characters (code points). */
export const MAX_DISPLAY_NAME = 128

export function roleToProto (role: Role): echo.Role {
  switch (role) {
    case 'admin': return echo.Role.ROLE_ADMIN
    case 'writer': return echo.Role.ROLE_WRITER
    case 'reader': return echo.Role.ROLE_READER
    default: throw new CredentialsError('INVALID_ROLE', `unknown role ${String(role)}`)
  }
}

/** undefined for ROLE_UNSPECIFIED and unknown values. */
export function roleFromProto (role: echo.Role | number | null | undefined): Role | undefined {
  switch (role) {
    case echo.Role.ROLE_ADMIN: return 'admin'
    case echo.Role.ROLE_WRITER: return 'writer'
    case echo.Role.ROLE_READER: return 'reader'
    default: return undefined
  }
}

/** The exact bytes every signature of a credential covers. */
export function signingPayload (credentialBytes: Uint8Array): Buffer {
  return Buffer.concat([CREDENTIAL_DOMAIN, credentialBytes])
}

function seal (credential: echo.Credential.$Properties, signers: SignerLike[]): SignedCredential {
  const bytes = echo.Credential.encode(credential).finish()
  const payload = signingPayload(bytes)
  return {
    credential: bytes,
    signatures: signers.map((s) => {
      const signer = toSigner(s)
      return { key: signer.publicKey, signature: signer.sign(payload) }
    })
  }
}

function newNonce (): Buffer {
  return randomBytes(NONCE_BYTES)
}

/**
 * The party genesis: the first message of the creator's first feed (block 0, index 0). Signed by the party key,
 * the creator's identity and the feed's signing key. ECHO keeps no use for the party secret key afterwards.
 */
export function createPartyGenesis (opts: { party: SignerLike, identity: SignerLike, feed: SignerLike }): SignedCredential {
  const party = toSigner(opts.party)
  const identity = toSigner(opts.identity)
  const feed = toSigner(opts.feed)
  return seal({
    partyKey: party.publicKey,
    nonce: newNonce(),
    partyGenesis: { identityKey: identity.publicKey, feedKey: feedKeyFromSigner(feed.publicKey), feedSigner: feed.publicKey }
  }, [party, identity, feed])
}

/** Admits `identityKey` with `role`; `admin` must be an admin and the credential must go into one of its feeds. */
export function createKeyAdmit (opts: { partyKey: Uint8Array, admin: SignerLike, identityKey: Uint8Array, role: Role }): SignedCredential {
  assertPublicKey(opts.partyKey, 'party key')
  assertPublicKey(opts.identityKey, 'identity key')
  return seal({
    partyKey: opts.partyKey,
    nonce: newNonce(),
    keyAdmit: { identityKey: opts.identityKey, role: roleToProto(opts.role) }
  }, [opts.admin])
}

/**
 * Admits a feed for `identity` (an admin or writer). Signed by the identity and by the feed's own signing key
 * pair (`feed`: e.g. `Feed.keyPair` from feed-store); the feed key is derived from that signer.
 */
export function createFeedAdmit (opts: { partyKey: Uint8Array, identity: SignerLike, feed: SignerLike }): SignedCredential {
  assertPublicKey(opts.partyKey, 'party key')
  const identity = toSigner(opts.identity)
  const feed = toSigner(opts.feed)
  return seal({
    partyKey: opts.partyKey,
    nonce: newNonce(),
    feedAdmit: { identityKey: identity.publicKey, feedKey: feedKeyFromSigner(feed.publicKey), feedSigner: feed.publicKey }
  }, [identity, feed])
}

export interface FeedCutoff {
  feedKey: Uint8Array
  /** Blocks 0 .. length-1 stay valid. */
  length: number
}

/**
 * Removes `identityKey`. `cutoffs`: for each feed of the member, how many of its blocks the remover had processed
 * (see `PartyState.removalCutoffs`). Feeds not named are cut at 0.
 */
export function createKeyRemove (opts: {
  partyKey: Uint8Array
  admin: SignerLike
  identityKey: Uint8Array
  cutoffs: readonly FeedCutoff[]
}): SignedCredential {
  assertPublicKey(opts.partyKey, 'party key')
  assertPublicKey(opts.identityKey, 'identity key')
  for (const cutoff of opts.cutoffs) {
    assertPublicKey(cutoff.feedKey, 'cutoff feed key')
    if (!Number.isInteger(cutoff.length) || cutoff.length < 0 || cutoff.length > 0xffffffff) {
      throw new CredentialsError('INVALID_CUTOFF', `cutoff length ${cutoff.length} is not a uint32`)
    }
  }
  return seal({
    partyKey: opts.partyKey,
    nonce: newNonce(),
    keyRemove: {
      identityKey: opts.identityKey,
      cutoffs: opts.cutoffs.map((c) => ({ feedKey: c.feedKey, length: c.length }))
    }
  }, [opts.admin])
}

/** A member's display name, signed by the member. */
export function createIdentityInfo (opts: { partyKey: Uint8Array, identity: SignerLike, displayName: string }): SignedCredential {
  assertPublicKey(opts.partyKey, 'party key')
  const problem = displayNameProblem(opts.displayName)
  if (problem !== null) throw new CredentialsError('INVALID_NAME', problem)
  const identity = toSigner(opts.identity)
  return seal({
    partyKey: opts.partyKey,
    nonce: newNonce(),
    identityInfo: { identityKey: identity.publicKey, displayName: opts.displayName }
  }, [identity])
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** Why a display name is not acceptable, or null. */
export function displayNameProblem (name: unknown): string | null {
  if (typeof name !== 'string') return 'display name must be a string'
  // Count code points, not UTF-16 units; stop early on absurdly long input.
  if (name.length > MAX_DISPLAY_NAME * 2 || [...name].length > MAX_DISPLAY_NAME) {
    return `display name is longer than ${MAX_DISPLAY_NAME} characters`
  }
  if (CONTROL.test(name)) return 'display name contains control characters'
  return null
}

// --- stateless verification ---------------------------------------------------------------------------------------

/** Why a credential fails on its own, before any party state is consulted. */
export type CredentialProblem =
  | 'MALFORMED'            // not decodable, a required field missing, or no kind
  | 'WRONG_PARTY'          // party_key is another party's
  | 'BAD_NONCE'            // nonce shorter than 16 or longer than 64 bytes
  | 'BAD_KEY'              // a key field that is not 32 bytes
  | 'WRONG_SIGNERS'        // a required signer missing, an extra or duplicated signer
  | 'BAD_SIGNATURE'        // a signature that does not verify
  | 'FEED_SIGNER_MISMATCH' // feed_key is not the hypercore key of feed_signer
  | 'INVALID_ROLE'
  | 'INVALID_NAME'
  | 'INVALID_CUTOFF'       // a cutoff naming the same feed twice, or a bad feed key

export type CredentialKind = 'party-genesis' | 'key-admit' | 'feed-admit' | 'key-remove' | 'identity-info'

/** The decoded content of a credential that passed every stateless check. Keys are private copies. */
export type CredentialBody =
  | { kind: 'party-genesis', identityKey: Buffer, feedKey: Buffer, feedSigner: Buffer }
  | { kind: 'key-admit', signerKey: Buffer, identityKey: Buffer, role: Role }
  | { kind: 'feed-admit', identityKey: Buffer, feedKey: Buffer, feedSigner: Buffer }
  | { kind: 'key-remove', signerKey: Buffer, identityKey: Buffer, cutoffs: Array<{ feedKey: Buffer, length: number }> }
  | { kind: 'identity-info', identityKey: Buffer, displayName: string }

export interface VerifiedCredential {
  readonly body: CredentialBody
  readonly nonce: Buffer
  /** Hex of the nonce: the replay-detection key. */
  readonly nonceId: string
  /** A private copy of the signed credential (no buffer shared with the block it came from). */
  readonly signed: { credential: Buffer, signatures: Array<{ key: Buffer, signature: Buffer }> }
}

export type VerifyResult =
  | { ok: true, credential: VerifiedCredential }
  | { ok: false, problem: CredentialProblem, detail: string }

function fail (problem: CredentialProblem, detail: string): VerifyResult {
  return { ok: false, problem, detail }
}

const EMPTY = Buffer.alloc(0)

function copy (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes)
}

function isKey (value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === PUBLIC_KEY_BYTES
}

/**
 * Checks everything about a credential that does not depend on party state: it decodes, it belongs to
 * `partyKey`, its keys are well formed, exactly the required keys signed it and every signature verifies.
 * Never throws. `skipSignatures` (for data read back from our own store only) skips the Ed25519 verification.
 */
export function verifyCredential (
  signed: SignedCredential | null | undefined,
  partyKey: Uint8Array,
  opts: { skipSignatures?: boolean } = {}
): VerifyResult {
  if (signed == null || !(signed.credential instanceof Uint8Array) || signed.credential.byteLength === 0) {
    return fail('MALFORMED', 'no credential bytes')
  }
  let credential: echo.Credential
  try {
    credential = echo.Credential.decode(signed.credential)
  } catch (err) {
    return fail('MALFORMED', `credential does not decode: ${(err as Error).message}`)
  }
  if (!isKey(credential.partyKey)) return fail('BAD_KEY', 'party key is not 32 bytes')
  if (!Buffer.from(credential.partyKey).equals(partyKey)) {
    return fail('WRONG_PARTY', `credential for party ${keyToHex(credential.partyKey)}`)
  }
  const nonceLength = credential.nonce?.byteLength ?? 0
  if (nonceLength < MIN_NONCE_BYTES || nonceLength > MAX_NONCE_BYTES) {
    return fail('BAD_NONCE', `nonce of ${nonceLength} bytes (need ${MIN_NONCE_BYTES}..${MAX_NONCE_BYTES})`)
  }

  const parsed = parseBody(credential, partyKey)
  if ('problem' in parsed) return fail(parsed.problem, parsed.detail)
  const { body, requiredSigners } = parsed

  // Exactly the required signers, each once.
  const signatures = signed.signatures ?? []
  const expected = requiredSigners === 'one-admin' ? 1 : requiredSigners.length
  if (signatures.length !== expected) {
    return fail('WRONG_SIGNERS', `${signatures.length} signatures, ${body.kind} needs ${expected}`)
  }
  let required: Set<string> | null = null
  if (requiredSigners !== 'one-admin') {
    required = new Set(requiredSigners.map(keyToHex))
    if (required.size !== requiredSigners.length) {
      return fail('WRONG_SIGNERS', `${body.kind} names the same key in two signer roles`)
    }
  }
  const seen = new Set<string>()
  const copies: Array<{ key: Buffer, signature: Buffer }> = []
  let payload: Buffer | null = null
  for (const sig of signatures) {
    if (sig == null || !isKey(sig.key)) return fail('WRONG_SIGNERS', 'a signature without a 32-byte key')
    const id = keyToHex(sig.key)
    if ((required !== null && !required.has(id)) || seen.has(id)) {
      return fail('WRONG_SIGNERS', `unexpected or duplicated signer ${id}`)
    }
    seen.add(id)
    if (!(sig.signature instanceof Uint8Array) || sig.signature.byteLength !== SIGNATURE_BYTES) {
      return fail('BAD_SIGNATURE', `signature by ${id} is not ${SIGNATURE_BYTES} bytes`)
    }
    payload ??= signingPayload(signed.credential)
    if (opts.skipSignatures !== true && !verify(payload, sig.signature, sig.key)) return fail('BAD_SIGNATURE', `signature by ${id} does not verify`)
    copies.push({ key: copy(sig.key), signature: copy(sig.signature) })
  }
  if (body.kind === 'key-admit' || body.kind === 'key-remove') body.signerKey = copies[0].key

  const nonce = copy(credential.nonce)
  return {
    ok: true,
    credential: {
      body,
      nonce,
      nonceId: nonce.toString('hex'),
      signed: { credential: copy(signed.credential), signatures: copies }
    }
  }
}

/** `requiredSigners` 'one-admin': exactly one signature, by a key PartyState then checks is an admin. */
type Parsed =
  | { body: CredentialBody, requiredSigners: Uint8Array[] | 'one-admin' }
  | { problem: CredentialProblem, detail: string }

function feedSignerMatches (feedKey: Uint8Array, feedSigner: Uint8Array): boolean {
  return feedKeyFromSigner(feedSigner).equals(feedKey)
}

function parseBody (credential: echo.Credential, partyKey: Uint8Array): Parsed {
  switch (credential.kind) {
    case 'partyGenesis': {
      const g = credential.partyGenesis
      if (g == null) return { problem: 'MALFORMED', detail: 'empty genesis' }
      if (!isKey(g.identityKey) || !isKey(g.feedKey) || !isKey(g.feedSigner)) {
        return { problem: 'BAD_KEY', detail: 'genesis keys must be 32 bytes' }
      }
      if (!feedSignerMatches(g.feedKey, g.feedSigner)) {
        return { problem: 'FEED_SIGNER_MISMATCH', detail: `feed ${keyToHex(g.feedKey)} is not signed by ${keyToHex(g.feedSigner)}` }
      }
      return {
        body: { kind: 'party-genesis', identityKey: copy(g.identityKey), feedKey: copy(g.feedKey), feedSigner: copy(g.feedSigner) },
        requiredSigners: [partyKey, g.identityKey, g.feedSigner]
      }
    }
    case 'keyAdmit': {
      const a = credential.keyAdmit
      if (a == null) return { problem: 'MALFORMED', detail: 'empty key admit' }
      if (!isKey(a.identityKey)) return { problem: 'BAD_KEY', detail: 'identity key must be 32 bytes' }
      const role = roleFromProto(a.role)
      if (role === undefined) return { problem: 'INVALID_ROLE', detail: `role ${String(a.role)}` }
      return { body: { kind: 'key-admit', signerKey: EMPTY, identityKey: copy(a.identityKey), role }, requiredSigners: 'one-admin' }
    }
    case 'feedAdmit': {
      const f = credential.feedAdmit
      if (f == null) return { problem: 'MALFORMED', detail: 'empty feed admit' }
      if (!isKey(f.identityKey) || !isKey(f.feedKey) || !isKey(f.feedSigner)) {
        return { problem: 'BAD_KEY', detail: 'feed admit keys must be 32 bytes' }
      }
      if (!feedSignerMatches(f.feedKey, f.feedSigner)) {
        return { problem: 'FEED_SIGNER_MISMATCH', detail: `feed ${keyToHex(f.feedKey)} is not signed by ${keyToHex(f.feedSigner)}` }
      }
      return {
        body: { kind: 'feed-admit', identityKey: copy(f.identityKey), feedKey: copy(f.feedKey), feedSigner: copy(f.feedSigner) },
        requiredSigners: [f.identityKey, f.feedSigner]
      }
    }
    case 'keyRemove': {
      const r = credential.keyRemove
      if (r == null) return { problem: 'MALFORMED', detail: 'empty key remove' }
      if (!isKey(r.identityKey)) return { problem: 'BAD_KEY', detail: 'identity key must be 32 bytes' }
      const cutoffs: Array<{ feedKey: Buffer, length: number }> = []
      const feeds = new Set<string>()
      for (const c of r.cutoffs ?? []) {
        if (c == null || !isKey(c.feedKey)) return { problem: 'INVALID_CUTOFF', detail: 'cutoff feed key must be 32 bytes' }
        const id = keyToHex(c.feedKey)
        if (feeds.has(id)) return { problem: 'INVALID_CUTOFF', detail: `feed ${id} named twice` }
        feeds.add(id)
        const length = Number(c.length ?? 0)
        if (!Number.isInteger(length) || length < 0) return { problem: 'INVALID_CUTOFF', detail: `length ${String(c.length)}` }
        cutoffs.push({ feedKey: copy(c.feedKey), length })
      }
      return { body: { kind: 'key-remove', signerKey: EMPTY, identityKey: copy(r.identityKey), cutoffs }, requiredSigners: 'one-admin' }
    }
    case 'identityInfo': {
      const i = credential.identityInfo
      if (i == null) return { problem: 'MALFORMED', detail: 'empty identity info' }
      if (!isKey(i.identityKey)) return { problem: 'BAD_KEY', detail: 'identity key must be 32 bytes' }
      const displayName = i.displayName ?? ''
      const problem = displayNameProblem(displayName)
      if (problem !== null) return { problem: 'INVALID_NAME', detail: problem }
      return { body: { kind: 'identity-info', identityKey: copy(i.identityKey), displayName }, requiredSigners: [i.identityKey] }
    }
    default:
      return { problem: 'MALFORMED', detail: 'credential has no kind' }
  }
}
