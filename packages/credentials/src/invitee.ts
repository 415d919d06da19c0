import debug from 'debug'
import { echo } from '@echodb/proto'
import { ChannelReader, type MessageChannel } from './channel'
import { type Role, type SignedCredential, createFeedAdmit, createIdentityInfo } from './credentials'
import { InvitationError } from './errors'
import {
  DEFAULT_STEP_TIMEOUT, HANDSHAKE_VERSION, NONCE_BYTES, encodeMessage, identityPayload, isKey, protocolError, receive,
  secretConfirmation, secretProof, transcript, wireRole
} from './handshake'
import { type InvitationCode, decodeInvitationCode } from './invitation-code'
import { type SignerLike, assertPublicKey, equalSecret, keyToHex, toSigner } from './keys'
import { KDF_LIMITS, SALT_BYTES, checkSecret, deriveSecretKey, withinLimits } from './secret'
import { feedKeyFromSigner } from '@echodb/feed-store'

const log = debug('echo:credentials:invitee')

/** What a successful handshake hands the invitee. */
export interface JoinResult {
  readonly partyKey: Buffer
  readonly role: Role
  /** The feed whose first message is the party genesis (give it to PartyState as `genesisFeedKey`). */
  readonly genesisFeedKey: Buffer | null
  /** Every admitted feed the greeter knows, with its owner: replicate these. */
  readonly feeds: ReadonlyArray<{ readonly feedKey: Buffer, readonly identityKey: Buffer }>
  /** The credentials the greeter wrote for us. */
  readonly written: readonly SignedCredential[]
}

export interface JoinOptions {
  /** Our identity (it signs our FeedAdmit and a proof of itself). */
  identity: SignerLike
  /** Our feed's signing key pair (e.g. feed-store `Feed.keyPair`), to be admitted for us; omit to join as reader. */
  feed?: SignerLike
  /** Our display name, written by the greeter together with the admission. */
  displayName?: string
  /** How long to wait for each greeter message (default 30 s). */
  timeout?: number
}

function fail (channel: MessageChannel, err: unknown): never {
  channel.close()
  throw err
}

/**
 * The invitee side of a secret (online) invitation. `code` and `secret` come from the greeter by two different
 * routes. Nothing is sent unless the channel's authenticated remote key is the greeter key the code names; the
 * secret is never sent, only a proof keyed by scrypt(secret). Resolves with the party's keys once the greeter has
 * written our admission; throws InvitationError with the reason otherwise. Closes the channel in both cases.
 */
export async function acceptInvitation (channel: MessageChannel, code: string | InvitationCode, secret: string, opts: JoinOptions): Promise<JoinResult> {
  try {
    const parsed = typeof code === 'string' ? decodeInvitationCode(code) : code
    if (parsed.kind !== 'secret') throw new InvitationError('INVALID_CODE', 'a member-join code needs joinAsMember, not a secret')
    checkSecret(secret)
    if (!Buffer.from(channel.remotePublicKey).equals(parsed.greeterKey)) {
      throw new InvitationError('GREETER_MISMATCH', `the peer is ${keyToHex(channel.remotePublicKey).slice(0, 8)}, the code names ${keyToHex(parsed.greeterKey).slice(0, 8)}`)
    }
    return await handshake(channel, { kind: 'secret', invitationId: parsed.invitationId, secret }, opts)
  } catch (err) {
    return fail(channel, err)
  }
}

/**
 * The invitee side of an offline invitation: our identity was admitted in advance (a KeyAdmit by an admin), and
 * any member that can write (`channel`'s remote) admits our feed and hands over the keys.
 */
export async function joinAsMember (channel: MessageChannel, party: string | InvitationCode | Uint8Array, opts: JoinOptions): Promise<JoinResult> {
  try {
    let partyKey: Buffer
    if (party instanceof Uint8Array) {
      assertPublicKey(party, 'party key')
      partyKey = Buffer.from(party)
    } else {
      const parsed = typeof party === 'string' ? decodeInvitationCode(party) : party
      if (parsed.kind !== 'member') throw new InvitationError('INVALID_CODE', 'a secret invitation needs acceptInvitation')
      partyKey = parsed.partyKey
    }
    return await handshake(channel, { kind: 'member', partyKey }, opts)
  } catch (err) {
    return fail(channel, err)
  }
}

type Mode = { kind: 'secret', invitationId: Buffer, secret: string } | { kind: 'member', partyKey: Buffer }

async function handshake (channel: MessageChannel, mode: Mode, opts: JoinOptions): Promise<JoinResult> {
  const timeout = opts.timeout ?? DEFAULT_STEP_TIMEOUT
  const identity = toSigner(opts.identity)
  const feed = opts.feed === undefined ? null : toSigner(opts.feed)
  const feedKey = feed === null ? null : feedKeyFromSigner(feed.publicKey)
  const reader = new ChannelReader(channel)
  const send = (message: echo.HandshakeMessage.$Properties): void => channel.send(encodeMessage(message))

  // 1. Hello.
  send({ hello: mode.kind === 'secret' ? { version: HANDSHAKE_VERSION, invitationId: mode.invitationId } : { version: HANDSHAKE_VERSION, partyKey: mode.partyKey } })

  // 2. Challenge.
  const challenge = await receive(reader, timeout, 'challenge')
  if (!(challenge.nonce instanceof Uint8Array) || challenge.nonce.byteLength !== NONCE_BYTES) throw protocolError('challenge nonce must be 32 bytes')
  const t = transcript(channel.remotePublicKey, channel.localPublicKey, challenge.nonce, identity.publicKey, feedKey)

  // 3. Proof.
  let secretKey: Buffer | null = null
  let proofBytes: Buffer | null = null
  if (mode.kind === 'secret') {
    const params = { opsLimit: Number(challenge.opsLimit ?? 0), memLimit: Number(challenge.memLimit ?? 0) }
    if (!(challenge.salt instanceof Uint8Array) || challenge.salt.byteLength !== SALT_BYTES) throw protocolError('challenge salt must be 32 bytes')
    if (!withinLimits(params)) {
      throw protocolError(`key derivation cost ${params.opsLimit}/${params.memLimit} outside ${JSON.stringify(KDF_LIMITS)}`)
    }
    secretKey = await deriveSecretKey(mode.secret, challenge.salt, params)
    proofBytes = secretProof(secretKey, mode.invitationId, t)
  }
  send({ proof: { identityKey: identity.publicKey, feedKey, secretProof: proofBytes } })

  // 4. Admission: the greeter proves it knew the secret too, and names the party.
  const admission = await receive(reader, timeout, 'admission')
  if (!isKey(admission.partyKey)) throw protocolError('admission without a party key')
  const partyKey = Buffer.from(admission.partyKey)
  if (mode.kind === 'member' && !partyKey.equals(mode.partyKey)) throw protocolError('admission for another party')
  if (secretKey !== null && mode.kind === 'secret') {
    const expected = secretConfirmation(secretKey, mode.invitationId, t, partyKey)
    if (!(admission.confirmation instanceof Uint8Array) || !equalSecret(admission.confirmation, expected)) {
      throw new InvitationError('GREETER_NOT_AUTHENTIC', 'the greeter could not prove it knows the secret')
    }
  }
  const offered = mode.kind === 'secret' ? wireRole(admission.role) : null

  // 5. Our credentials.
  const feedAdmit = feed !== null && offered !== 'reader' ? createFeedAdmit({ partyKey, identity, feed }) : null
  const identityInfo = opts.displayName !== undefined && opts.displayName !== ''
    ? createIdentityInfo({ partyKey, identity, displayName: opts.displayName })
    : null
  send({ credentials: { identitySignature: identity.sign(identityPayload(t, partyKey)), feedAdmit, identityInfo } })

  // 6. Welcome, once the greeter has written them.
  const welcome = await receive(reader, timeout, 'welcome')
  if (!isKey(welcome.partyKey) || !partyKey.equals(welcome.partyKey)) throw protocolError('welcome for another party')
  const role = wireRole(welcome.role)
  if (offered !== null && role !== offered) throw protocolError(`welcomed as ${role}, offered ${offered}`)
  const feeds = (welcome.feeds ?? [])
    .filter((f) => isKey(f.feedKey) && isKey(f.identityKey))
    .map((f) => ({ feedKey: Buffer.from(f.feedKey as Uint8Array), identityKey: Buffer.from(f.identityKey as Uint8Array) }))
  const genesisFeedKey = isKey(welcome.genesisFeedKey) ? Buffer.from(welcome.genesisFeedKey) : null
  channel.close()
  log('joined party %s as %s', keyToHex(partyKey).slice(0, 8), role)
  return { partyKey, role, genesisFeedKey, feeds, written: welcome.written ?? [] }
}
