import { EventEmitter } from 'events'
import debug from 'debug'
import { echo } from '@echodb/proto'
import { ChannelReader, type MessageChannel } from './channel'
import {
  type Role, type SignedCredential, createKeyAdmit, roleToProto, verifyCredential
} from './credentials'
import { CredentialsError, type InvitationFailure, InvitationError } from './errors'
import {
  DEFAULT_STEP_TIMEOUT, HANDSHAKE_VERSION, MAX_ATTEMPTS, NONCE_BYTES, encodeMessage, identityPayload, isKey, receive, refusalToWire, secretConfirmation, secretProof, transcript
} from './handshake'
import { INVITATION_ID_BYTES, encodeInvitationCode } from './invitation-code'
import {
  type SignerLike, assertPublicKey, discoveryKey, equalSecret, keyToHex, randomBytes, toSigner, verify
} from './keys'
import type { PartyState } from './party-state'
import { DEFAULT_KDF, type KdfParams, SALT_BYTES, checkSecret, deriveSecretKey, generatePin } from './secret'

const log = debug('echo:credentials:greeter')

/** What the greeter hands its `admit` callback: credentials to write to its feed, in this order. */
export interface Admission {
  readonly identityKey: Buffer
  readonly role: Role
  /** KeyAdmit (secret invitations), the invitee's FeedAdmit (writers and admins), its IdentityInfo (if any). */
  readonly credentials: readonly SignedCredential[]
  /** Hex id of the invitation used, or null for a member join. */
  readonly invitationId: string | null
}

export interface GreeterOptions {
  partyKey: Uint8Array
  /** Our identity: signs the KeyAdmit of secret invitations (it must be an admin). */
  identity: SignerLike
  /** The party's membership as we know it. */
  state: PartyState
  /** The public key our channels are authenticated with (our swarm key): invitation codes name it. */
  channelKey: Uint8Array
  /**
   * Writes the credentials to our feed. The handshake completes (and the invitee is welcomed) only once this
   * resolves; when it throws, the invitee is refused with ADMISSION_FAILED and the invitation use is not spent.
   */
  admit: (admission: Admission) => Promise<void>
  /** Cost of the secrets' key derivation (default DEFAULT_KDF). */
  kdf?: KdfParams
  /** How long to wait for each invitee message (default 30 s). */
  timeout?: number
  /** Default for InvitationOptions.keepEndedFor (default DEFAULT_KEEP_ENDED, 10 minutes). */
  keepEndedFor?: number
  now?: () => number
}

/** How long an ended invitation is kept to refuse with its reason, unless told otherwise: 10 minutes. */
export const DEFAULT_KEEP_ENDED = 10 * 60_000
/** At most this many ended invitations are kept per greeter; past it the oldest is forgotten early. */
export const MAX_ENDED_KEPT = 256
// setTimeout fires at once for delays past 2^31-1 ms: longer waits are taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1
// A clock that says "not yet" when the timer fires (an injected `now`) is asked again this much later at the soonest.
const MIN_TIMER_MS = 10

export interface InvitationOptions {
  /** Role of whoever uses the invitation (default writer). */
  role?: Role
  /** A PIN of 6+ digits or a passphrase; generated (6 digits) when omitted. */
  secret?: string
  /** Milliseconds since the epoch after which the invitation is refused (default: never). */
  expiresAt?: number
  /** How many invitees may use it (default 1). */
  maxUses?: number
  /**
   * Once it has ended (expired, used up, dead after too many wrong secrets) the invitation is kept this long (ms)
   * and every later attempt is refused with that reason (EXPIRED, USED_UP, TOO_MANY_ATTEMPTS); then it is
   * forgotten (later attempts: UNKNOWN_INVITATION). Default: the greeter's `keepEndedFor`, 10 minutes.
   */
  keepEndedFor?: number
}

/** A created invitation: show `code` and `secret` to the invitee through two different channels. */
export interface Invitation {
  readonly id: string
  readonly code: string
  readonly secret: string
  readonly role: Role
  readonly expiresAt: number | null
  readonly maxUses: number
}

export type InvitationStatus = 'open' | 'expired' | 'used-up' | 'dead' | 'revoked'

export interface InvitationInfo {
  readonly id: string
  readonly role: Role
  readonly status: InvitationStatus
  readonly uses: number
  readonly maxUses: number
  readonly attemptsLeft: number
  readonly expiresAt: number | null
}

/** How a handshake served by the greeter ended. */
export type GreetResult =
  | { readonly status: 'admitted', readonly identityKey: Buffer, readonly role: Role, readonly invitationId: string | null }
  | { readonly status: 'refused' | 'failed', readonly reason: InvitationFailure, readonly detail: string, readonly invitationId: string | null }

export interface GreeterEvents {
  admitted: [result: Extract<GreetResult, { status: 'admitted' }>]
  /** The invitee was refused (wrong secret, expired, ...), or the handshake broke off (timeout, closed channel). */
  failed: [result: Exclude<GreetResult, { status: 'admitted' }>]
  /** The invitation ended: it expired, its last use was spent, or too many wrong secrets killed it. */
  ended: [id: string, status: Exclude<InvitationStatus, 'open' | 'revoked'>]
  /** The invitation is no longer kept (revoked, its time as an ended invitation is over, or the greeter closed). */
  forgotten: [id: string]
  /** The greeter was closed: it serves nothing more. */
  close: []
}

interface OpenInvitation {
  readonly id: Buffer
  readonly hex: string
  readonly role: Role
  readonly salt: Buffer
  readonly secretKey: Buffer
  readonly kdf: KdfParams
  readonly expiresAt: number | null
  readonly maxUses: number
  uses: number
  inFlight: number
  wrong: number
  revoked: boolean
  readonly keepEnded: number
  ended: boolean
  timer: NodeJS.Timeout | undefined
}

/** A refusal to send: the handshake ends with it. */
class Refuse extends Error {
  constructor (readonly reason: InvitationFailure, readonly detail: string, readonly attemptsLeft = 0) {
    super(detail)
  }
}

/**
 * The greeter side of the invitation handshake, for one party. Create invitations, then `serve` every channel an
 * invitee opens (see `listenForInvitations`). Invitations live in memory: they end with the Greeter.
 */
export class Greeter extends EventEmitter<GreeterEvents> {
  readonly partyKey: Buffer
  readonly channelKey: Buffer
  private readonly identity
  private readonly invitations = new Map<string, OpenInvitation>()
  /** Ended invitations still kept, oldest first. */
  private readonly ended = new Set<OpenInvitation>()
  private readonly partyChannelId: Buffer
  private readonly timeout: number
  private readonly keepEnded: number
  private readonly now: () => number
  private closed = false

  constructor (private readonly options: GreeterOptions) {
    super()
    assertPublicKey(options.partyKey, 'party key')
    assertPublicKey(options.channelKey, 'channel key')
    this.partyKey = Buffer.from(options.partyKey)
    this.channelKey = Buffer.from(options.channelKey)
    this.identity = toSigner(options.identity)
    this.partyChannelId = discoveryKey(this.partyKey)
    this.timeout = options.timeout ?? DEFAULT_STEP_TIMEOUT
    this.keepEnded = checkKeepEnded(options.keepEndedFor ?? DEFAULT_KEEP_ENDED)
    this.now = options.now ?? Date.now
  }

  /**
   * A new invitation (we must be an admin of a party that has its genesis). Resolves once the secret's key is
   * derived (one slow KDF run; the secret itself is not kept).
   */
  async createInvitation (opts: InvitationOptions = {}): Promise<Invitation> {
    const role = opts.role ?? 'writer'
    roleToProto(role)
    if (this.closed) throw new InvitationError('NOT_ALLOWED', 'the greeter is closed')
    const maxUses = opts.maxUses ?? 1
    if (!Number.isInteger(maxUses) || maxUses < 1) throw new CredentialsError('INVALID_ARGUMENT', `maxUses must be a positive integer, got ${maxUses}`)
    const keepEnded = checkKeepEnded(opts.keepEndedFor ?? this.keepEnded)
    if (this.options.state.getRole(this.identity.publicKey) !== 'admin') {
      throw new InvitationError('NOT_ALLOWED', 'only an admin of the party can invite')
    }
    const secret = opts.secret === undefined ? generatePin() : opts.secret
    checkSecret(secret)
    const id = randomBytes(INVITATION_ID_BYTES)
    const salt = randomBytes(SALT_BYTES)
    const kdf = this.options.kdf ?? DEFAULT_KDF
    const secretKey = await deriveSecretKey(secret, salt, kdf)
    const invitation: OpenInvitation = {
      id, hex: keyToHex(id), role, salt, secretKey, kdf, expiresAt: opts.expiresAt ?? null, maxUses, uses: 0, inFlight: 0, wrong: 0, revoked: false,
      keepEnded, ended: false, timer: undefined
    }
    this.invitations.set(invitation.hex, invitation)
    if (invitation.expiresAt !== null) this.scheduleExpiry(invitation)
    log('created invitation %s (%s, %d uses)', invitation.hex, role, maxUses)
    return {
      id: invitation.hex,
      code: encodeInvitationCode({ kind: 'secret', greeterKey: this.channelKey, invitationId: id }),
      secret,
      role,
      expiresAt: invitation.expiresAt,
      maxUses
    }
  }

  /** Ends an invitation and forgets it at once: later attempts are refused as UNKNOWN_INVITATION. */
  revokeInvitation (id: string): boolean {
    const invitation = this.invitations.get(id)
    if (invitation === undefined) return false
    invitation.revoked = true
    this.forget(invitation)
    return true
  }

  /**
   * Stops serving: every invitation is forgotten ('forgotten' for each), then 'close'. Channels opened later are not
   * ours (`handles` is false); handshakes in progress end as they would.
   */
  close (): void {
    if (this.closed) return
    this.closed = true
    for (const invitation of [...this.invitations.values()]) this.forget(invitation)
    this.emit('close')
  }

  get isClosed (): boolean {
    return this.closed
  }

  getInvitation (id: string): InvitationInfo | undefined {
    const inv = this.invitations.get(id)
    if (inv === undefined) return undefined
    return {
      id,
      role: inv.role,
      status: this.statusOf(inv),
      uses: inv.uses,
      maxUses: inv.maxUses,
      attemptsLeft: Math.max(0, MAX_ATTEMPTS - inv.wrong),
      expiresAt: inv.expiresAt
    }
  }

  /** True when a channel with this protomux id is ours to serve: one of our invitations, or our party's member joins. */
  handles (channelId: Uint8Array | null): boolean {
    if (channelId === null || this.closed) return false
    if (this.partyChannelId.equals(channelId)) return true
    return channelId.byteLength === INVITATION_ID_BYTES && this.invitations.has(keyToHex(channelId))
  }

  private statusOf (inv: OpenInvitation): InvitationStatus {
    if (inv.revoked) return 'revoked'
    if (inv.wrong >= MAX_ATTEMPTS) return 'dead'
    if (inv.uses >= inv.maxUses) return 'used-up'
    if (inv.expiresAt !== null && this.now() >= inv.expiresAt) return 'expired'
    return 'open'
  }

  /** Runs `fn` after `delay` ms (timers past the longest setTimeout delay are chained); one timer per invitation. */
  private schedule (inv: OpenInvitation, delay: number, fn: () => void): void {
    clearTimeout(inv.timer)
    const step = Math.min(Math.max(MIN_TIMER_MS, delay), MAX_TIMER_MS)
    const due = this.now() + Math.max(0, delay)
    inv.timer = setTimeout(() => {
      inv.timer = undefined
      if (delay > MAX_TIMER_MS) this.schedule(inv, due - this.now(), fn)
      else fn()
    }, step)
    inv.timer.unref?.()
  }

  /** Ends the invitation when its expiry comes (by `now`: a clock behind the timers only delays it). */
  private scheduleExpiry (inv: OpenInvitation): void {
    this.schedule(inv, (inv.expiresAt as number) - this.now(), () => {
      if (this.statusOf(inv) === 'open') this.scheduleExpiry(inv)
      else this.markEnded(inv)
    })
  }

  /**
   * The invitation can no longer be used: keep it `keepEnded` ms to refuse with its reason (so an invitee learns
   * why, instead of finding nobody), then forget it. At most MAX_ENDED_KEPT are kept.
   */
  private markEnded (inv: OpenInvitation): void {
    const status = this.statusOf(inv)
    if (inv.ended || status === 'open' || status === 'revoked' || this.invitations.get(inv.hex) !== inv) return
    inv.ended = true
    this.ended.add(inv)
    log('invitation %s ended (%s); kept %d ms', inv.hex, status, inv.keepEnded)
    this.emit('ended', inv.hex, status)
    this.schedule(inv, inv.keepEnded, () => this.forget(inv))
    for (const oldest of this.ended) {
      if (this.ended.size <= MAX_ENDED_KEPT) break
      this.forget(oldest)
    }
  }

  private forget (inv: OpenInvitation): void {
    if (this.invitations.get(inv.hex) !== inv) return
    clearTimeout(inv.timer)
    inv.timer = undefined
    this.invitations.delete(inv.hex)
    this.ended.delete(inv)
    log('forgot invitation %s', inv.hex)
    this.emit('forgotten', inv.hex)
  }

  /** Refuses unless the invitation can be used now. */
  private usable (inv: OpenInvitation | undefined): OpenInvitation {
    if (inv === undefined) throw new Refuse('UNKNOWN_INVITATION', 'no such invitation')
    const status = this.statusOf(inv)
    if (status !== 'open') this.markEnded(inv) // e.g. expired by the clock before its timer fired
    switch (status) {
      case 'revoked': throw new Refuse('UNKNOWN_INVITATION', 'the invitation was revoked')
      case 'dead': throw new Refuse('TOO_MANY_ATTEMPTS', 'the invitation is dead after too many wrong secrets')
      case 'used-up': throw new Refuse('USED_UP', `all ${inv.maxUses} uses are spent`)
      case 'expired': throw new Refuse('EXPIRED', 'the invitation has expired')
      case 'open': return inv
    }
  }

  /**
   * Runs the greeter side of one handshake on `channel`. Never throws: resolves with the outcome (also emitted as
   * 'admitted' or 'failed'). Closes the channel at the end.
   */
  async serve (channel: MessageChannel): Promise<GreetResult> {
    const reader = new ChannelReader(channel)
    let invitation: OpenInvitation | null = null
    let reserved = false
    const send = (message: echo.HandshakeMessage.$Properties): void => channel.send(encodeMessage(message))
    try {
      // 1. Hello: which invitation (or a member join of our party).
      const hello = await receive(reader, this.timeout, 'hello')
      if (hello.version !== HANDSHAKE_VERSION) throw new Refuse('PROTOCOL_ERROR', `handshake version ${hello.version}`)
      const hasId = hello.invitationId != null && hello.invitationId.byteLength > 0
      const hasParty = hello.partyKey != null && hello.partyKey.byteLength > 0
      if (hasId === hasParty) throw new Refuse('PROTOCOL_ERROR', 'hello must name an invitation or a party')
      if (hasId) {
        invitation = this.usable(this.invitations.get(keyToHex(hello.invitationId as Uint8Array)))
        if (invitation.uses + invitation.inFlight >= invitation.maxUses) throw new Refuse('BUSY', 'every remaining use is being used')
      } else if (!this.partyKey.equals(hello.partyKey as Uint8Array)) {
        throw new Refuse('UNKNOWN_INVITATION', 'not a party this greeter serves')
      }

      // 2. Challenge.
      const nonce = randomBytes(NONCE_BYTES)
      send({
        challenge: invitation === null
          ? { nonce }
          : { nonce, salt: invitation.salt, opsLimit: invitation.kdf.opsLimit, memLimit: invitation.kdf.memLimit }
      })

      // 3. Proof: the claimed identity and feed, and (secret invitations) the proof of the secret.
      const proof = await receive(reader, this.timeout, 'proof')
      if (!isKey(proof.identityKey)) throw new Refuse('PROTOCOL_ERROR', 'identity key must be 32 bytes')
      const feedKey = proof.feedKey != null && proof.feedKey.byteLength > 0 ? proof.feedKey : null
      if (feedKey !== null && !isKey(feedKey)) throw new Refuse('PROTOCOL_ERROR', 'feed key must be 32 bytes')
      const t = transcript(channel.localPublicKey, channel.remotePublicKey, nonce, proof.identityKey, feedKey)
      let confirmation: Buffer | null = null
      if (invitation !== null) {
        this.usable(invitation) // it may have expired (or died) while the invitee computed
        const expected = secretProof(invitation.secretKey, invitation.id, t)
        if (!(proof.secretProof instanceof Uint8Array) || !equalSecret(proof.secretProof, expected)) {
          invitation.wrong++
          const left = Math.max(0, MAX_ATTEMPTS - invitation.wrong)
          log('wrong secret for invitation %s (%d attempts left)', invitation.hex, left)
          if (left === 0) {
            this.markEnded(invitation)
            throw new Refuse('TOO_MANY_ATTEMPTS', 'three wrong secrets: the invitation is dead')
          }
          throw new Refuse('WRONG_SECRET', 'wrong secret', left)
        }
        if (invitation.uses + invitation.inFlight >= invitation.maxUses) throw new Refuse('BUSY', 'every remaining use is being used')
        invitation.inFlight++
        reserved = true
        confirmation = secretConfirmation(invitation.secretKey, invitation.id, t, this.partyKey)
      }

      // 4. Admission: the party key (and our proof of the secret). Member joins learn their role at the end.
      const offeredRole = invitation?.role ?? null
      send({ admission: { partyKey: this.partyKey, role: offeredRole === null ? echo.Role.ROLE_UNSPECIFIED : roleToProto(offeredRole), confirmation } })

      // 5. The invitee's credentials: proof of its identity, its FeedAdmit, its name.
      const creds = await receive(reader, this.timeout, 'credentials')
      const identityKey = Buffer.from(proof.identityKey)
      if (!(creds.identitySignature instanceof Uint8Array) || !verify(identityPayload(t, this.partyKey), creds.identitySignature, identityKey)) {
        throw new Refuse('PROTOCOL_ERROR', 'the identity signature does not verify')
      }
      const role = offeredRole ?? this.options.state.getRole(identityKey)
      if (role === undefined) throw new Refuse('NOT_A_MEMBER', `${keyToHex(identityKey)} is not a member`)
      const credentials: SignedCredential[] = []
      const myRole = this.options.state.getRole(this.identity.publicKey)
      if (invitation !== null) {
        if (myRole !== 'admin') throw new Refuse('NOT_ALLOWED', 'the greeter is no longer an admin')
        credentials.push(createKeyAdmit({ partyKey: this.partyKey, admin: this.identity, identityKey, role }))
      } else if (myRole !== 'admin' && myRole !== 'writer') {
        throw new Refuse('NOT_ALLOWED', 'the greeter has no feed to write to')
      }
      if (creds.feedAdmit != null) {
        const feedAdmit = this.checkOwn(creds.feedAdmit, 'feed-admit', identityKey)
        if (feedKey === null || !feedAdmit.feedKey.equals(feedKey)) throw new Refuse('PROTOCOL_ERROR', 'the FeedAdmit is not for the feed offered')
        if (role !== 'reader' && !this.options.state.isFeedAdmitted(feedKey)) credentials.push(creds.feedAdmit)
      } else if (invitation !== null && role !== 'reader') {
        throw new Refuse('PROTOCOL_ERROR', `a ${role} must bring a FeedAdmit for its feed`)
      }
      if (creds.identityInfo != null) {
        this.checkOwn(creds.identityInfo, 'identity-info', identityKey)
        credentials.push(creds.identityInfo)
      }

      // 6. Write, then welcome.
      if (credentials.length > 0) {
        try {
          await this.options.admit({ identityKey, role, credentials, invitationId: invitation?.hex ?? null })
        } catch (err) {
          log('admission failed: %O', err)
          throw new Refuse('ADMISSION_FAILED', (err as Error).message ?? String(err))
        }
      }
      if (invitation !== null) {
        invitation.inFlight--
        invitation.uses++
        reserved = false
      }
      const genesis = this.options.state.genesis
      // Every admitted feed, cut-off ones included: their blocks before the cut-off are part of the party.
      const feeds = this.options.state.listFeeds()
      if (feedKey !== null && role !== 'reader' && !feeds.some((f) => f.feedKey.equals(feedKey))) {
        feeds.push({ feedKey: Buffer.from(feedKey), identityKey, cutoff: null })
      }
      send({
        welcome: {
          partyKey: this.partyKey,
          role: roleToProto(role),
          genesisFeedKey: genesis?.feedKey ?? null,
          feeds: feeds.map((f) => ({ feedKey: f.feedKey, identityKey: f.identityKey })),
          written: credentials
        }
      })
      channel.close()
      const result = { status: 'admitted' as const, identityKey, role, invitationId: invitation?.hex ?? null }
      log('admitted %s as %s', keyToHex(identityKey).slice(0, 8), role)
      this.emit('admitted', result)
      if (invitation !== null) this.markEnded(invitation) // when that was its last use
      return result
    } catch (err) {
      if (reserved && invitation !== null) invitation.inFlight--
      const invitationId = invitation?.hex ?? null
      let result: Exclude<GreetResult, { status: 'admitted' }>
      if (err instanceof Refuse) {
        send({ refusal: { reason: refusalToWire(err.reason), attemptsLeft: err.attemptsLeft, detail: err.detail } })
        result = { status: 'refused', reason: err.reason, detail: err.detail, invitationId }
      } else if (err instanceof InvitationError) {
        // A broken channel, a timeout, a malformed message: tell the invitee if it still listens.
        if (err.reason === 'PROTOCOL_ERROR') send({ refusal: { reason: refusalToWire('PROTOCOL_ERROR'), detail: err.message } })
        result = { status: 'failed', reason: err.reason, detail: err.message, invitationId }
      } else {
        result = { status: 'failed', reason: 'PROTOCOL_ERROR', detail: String(err), invitationId }
      }
      log('handshake ended: %s %s', result.reason, result.detail)
      channel.close()
      this.emit('failed', result)
      return result
    }
  }

  /** A credential of `kind` about `identityKey`, valid for our party. */
  private checkOwn (signed: echo.ISignedCredential, kind: 'feed-admit' | 'identity-info', identityKey: Buffer): { feedKey: Buffer } {
    const result = verifyCredential(signed, this.partyKey)
    if (!result.ok) throw new Refuse('PROTOCOL_ERROR', `invitee ${kind}: ${result.problem}: ${result.detail}`)
    const body = result.credential.body
    if (body.kind !== kind || !body.identityKey.equals(identityKey)) throw new Refuse('PROTOCOL_ERROR', `expected the invitee's own ${kind}`)
    return { feedKey: body.kind === 'feed-admit' ? body.feedKey : Buffer.alloc(0) }
  }
}


function checkKeepEnded (ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new CredentialsError('INVALID_ARGUMENT', `keepEndedFor must be a non-negative number of milliseconds, got ${String(ms)}`)
  }
  return ms
}

/**
 * An offline invitation: a KeyAdmit for an identity we already know (write it to our feed), and the code to give
 * its holder, who then joins through any member that is online (`joinAsMember`). No secret: the invitee proves
 * it holds the identity key.
 */
export function createOfflineInvitation (opts: {
  partyKey: Uint8Array
  admin: SignerLike
  identityKey: Uint8Array
  role: Role
}): { code: string, credential: SignedCredential } {
  return {
    code: encodeInvitationCode({ kind: 'member', partyKey: Buffer.from(opts.partyKey) }),
    credential: createKeyAdmit({ partyKey: opts.partyKey, admin: opts.admin, identityKey: opts.identityKey, role: opts.role })
  }
}
