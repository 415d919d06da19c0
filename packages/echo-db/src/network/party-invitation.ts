import { EventEmitter } from 'events'
import type Hyperswarm from 'hyperswarm'
import {
  decodeInvitationCode, invitationTopic, InvitationError,
  type GreetResult, type Greeter, type Invitation, type InvitationStatus, type Role
} from '@echodb/credentials'
import type { SwarmNetwork } from './swarm-network'

export interface InvitationAttempt {
  ok: boolean
  /** Why an attempt failed (WRONG_SECRET, EXPIRED, TOO_MANY_ATTEMPTS, TIMEOUT, ...). */
  reason?: string
  detail?: string
}

export interface PartyInvitationEvents {
  attempt: [attempt: InvitationAttempt]
}

/** The outcome `done` resolves with: who joined. */
export interface InvitationAccepted {
  identityKey: Buffer
  role: Role
}

/**
 * An open invitation of a party. Show `code` and `secret` to the invitee by two different routes. The greeter
 * announces the invitation's topic (a hash of its id) and answers handshakes. `done` resolves on the first
 * successful join; it rejects with InvitationError when the invitation dies (TOO_MANY_ATTEMPTS), expires (EXPIRED)
 * or is cancelled (CANCELLED: `cancel()`, or its party closed).
 *
 * An invitation that has ended (expired, used up, dead) stays on its topic for the greeter's `keepEndedFor`
 * (InvitationOptions, default 10 minutes) and refuses every later attempt with that reason, so a late invitee
 * learns why instead of waiting for UNREACHABLE; then the greeter forgets it and the topic is left. `cancel()`,
 * closing the party or the ECHO instance leave at once.
 */
export class PartyInvitation extends EventEmitter<PartyInvitationEvents> {
  readonly code: string
  readonly secret: string
  readonly role: Role
  readonly expiresAt: number | null
  readonly done: Promise<InvitationAccepted>
  private _settle!: { resolve: (value: InvitationAccepted) => void, reject: (err: Error) => void }
  private _settled = false
  private _closed = false
  private _status: InvitationStatus = 'open'
  private _timer: NodeJS.Timeout | undefined
  private readonly _topic: Buffer
  private readonly _session: Hyperswarm.PeerDiscoverySession
  private readonly _onAdmitted: (result: Extract<GreetResult, { status: 'admitted' }>) => void
  private readonly _onFailed: (result: Exclude<GreetResult, { status: 'admitted' }>) => void
  private readonly _onEnded: (id: string, status: InvitationStatus) => void
  private readonly _onForgotten: (id: string) => void
  private readonly _onGreeterClose: () => void

  constructor (private readonly _invitation: Invitation, private readonly _greeter: Greeter, private readonly _network: SwarmNetwork) {
    super()
    this.code = _invitation.code
    this.secret = _invitation.secret
    this.role = _invitation.role
    this.expiresAt = _invitation.expiresAt
    this.done = new Promise((resolve, reject) => { this._settle = { resolve, reject } })
    this.done.catch(() => {}) // a caller that never awaits `done` must not see an unhandled rejection
    this._topic = invitationTopic(decodeInvitationCode(this.code))
    this._onAdmitted = (result) => {
      if (result.invitationId !== _invitation.id) return
      this.emit('attempt', { ok: true })
      this._resolve({ identityKey: result.identityKey, role: result.role })
    }
    this._onFailed = (result) => {
      if (result.invitationId !== _invitation.id) return
      this.emit('attempt', { ok: false, reason: result.reason, detail: result.detail })
    }
    this._onEnded = (id, status) => {
      if (id !== _invitation.id) return
      this._status = status
      if (status === 'dead') this._reject(new InvitationError('TOO_MANY_ATTEMPTS', `invitation ${this.id} died after too many wrong secrets`))
      if (status === 'expired') this._reject(new InvitationError('EXPIRED', `invitation ${this.id} expired`))
    }
    this._onForgotten = (id) => {
      if (id !== _invitation.id) return
      if (this._status === 'open') this._status = 'revoked'
      this._reject(new InvitationError('CANCELLED', `invitation ${this.id} was cancelled`))
      void this._close()
    }
    this._onGreeterClose = () => {
      this._status = 'revoked'
      this._reject(new InvitationError('CANCELLED', `invitation ${this.id} was cancelled: its party closed`))
      void this._close()
    }
    _greeter.on('admitted', this._onAdmitted)
    _greeter.on('failed', this._onFailed)
    _greeter.on('ended', this._onEnded)
    _greeter.on('forgotten', this._onForgotten)
    _greeter.on('close', this._onGreeterClose)
    this._session = _network.join(this._topic, { server: true, client: false })
    if (this.expiresAt !== null) {
      // `done` rejects at the expiry itself (the greeter ends the invitation at the same moment, or on the next try).
      this._timer = setTimeout(() => {
        if (this._status === 'open') this._status = 'expired'
        this._reject(new InvitationError('EXPIRED', `invitation ${this.id} expired`))
      }, Math.min(2 ** 31 - 1, Math.max(0, this.expiresAt - Date.now())))
      this._timer.unref?.()
    }
    if (_greeter.isClosed || _greeter.getInvitation(this.id) === undefined) this._onGreeterClose()
  }

  get id (): string {
    return this._invitation.id
  }

  /** open | expired | used-up | dead | revoked (cancelled, or its party closed). Kept after the greeter forgot it. */
  get status (): InvitationStatus {
    return this._refreshStatus()
  }

  /** Whether the greeter still announces the invitation's topic (open, or ended and still refusing with its reason). */
  get announced (): boolean {
    return !this._closed
  }

  /** Revokes the invitation and leaves its topic at once: `done` rejects with CANCELLED (if nobody joined yet). */
  async cancel (): Promise<void> {
    if (this._refreshStatus() === 'open') this._status = 'revoked' // else remember how it ended
    this._greeter.revokeInvitation(this.id)
    this._reject(new InvitationError('CANCELLED', `invitation ${this.id} was cancelled`))
    await this._close()
  }

  /** The greeter's status while it keeps the invitation; the last one seen after. */
  private _refreshStatus (): InvitationStatus {
    const info = this._closed ? undefined : this._greeter.getInvitation(this.id)
    if (info !== undefined) this._status = info.status
    return this._status
  }

  private _resolve (value: InvitationAccepted): void {
    if (this._settled) return
    this._settled = true
    this._settle.resolve(value)
  }

  private _reject (err: Error): void {
    if (this._settled) return
    this._settled = true
    this._settle.reject(err)
  }

  private async _close (): Promise<void> {
    if (this._closed) return
    this._refreshStatus()
    this._closed = true
    if (this._timer !== undefined) clearTimeout(this._timer)
    this._greeter.off('admitted', this._onAdmitted)
    this._greeter.off('failed', this._onFailed)
    this._greeter.off('ended', this._onEnded)
    this._greeter.off('forgotten', this._onForgotten)
    this._greeter.off('close', this._onGreeterClose)
    await this._network.leave(this._topic, this._session).catch(() => {})
  }
}
