import { EventEmitter } from 'events'
import {
  decodeInvitationCode, invitationTopic, InvitationError,
  type GreetResult, type Greeter, type Invitation, type Role
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
 * An open invitation of a party. Show `code` and `secret` to the invitee by two different routes. While it is open
 * the greeter announces the invitation's topic (a hash of its id) and answers handshakes. `done` resolves on the
 * first successful join; it rejects with InvitationError when the invitation dies (TOO_MANY_ATTEMPTS), expires
 * (EXPIRED) or is cancelled (CANCELLED). The topic is left once no use remains.
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
  private _timer: NodeJS.Timeout | undefined
  private readonly _topic: Buffer
  private readonly _onAdmitted: (result: Extract<GreetResult, { status: 'admitted' }>) => void
  private readonly _onFailed: (result: Exclude<GreetResult, { status: 'admitted' }>) => void

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
      if (this._greeter.getInvitation(_invitation.id)?.status !== 'open') void this._close()
    }
    this._onFailed = (result) => {
      if (result.invitationId !== _invitation.id) return
      this.emit('attempt', { ok: false, reason: result.reason, detail: result.detail })
      const status = this._greeter.getInvitation(_invitation.id)?.status
      if (status === 'dead') this._reject(new InvitationError('TOO_MANY_ATTEMPTS', `invitation ${this.id} died after too many wrong secrets`))
    }
    _greeter.on('admitted', this._onAdmitted)
    _greeter.on('failed', this._onFailed)
    _network.join(this._topic, { server: true, client: false })
    if (this.expiresAt !== null) {
      this._timer = setTimeout(() => {
        this._reject(new InvitationError('EXPIRED', `invitation ${this.id} expired`))
      }, Math.max(0, this.expiresAt - Date.now()))
      this._timer.unref?.()
    }
  }

  get id (): string {
    return this._invitation.id
  }

  /** open | expired | used-up | dead | revoked */
  get status (): string {
    return this._greeter.getInvitation(this.id)?.status ?? 'revoked'
  }

  /** Revokes the invitation: later attempts are refused, `done` rejects with CANCELLED (if nobody joined yet). */
  async cancel (): Promise<void> {
    this._greeter.revokeInvitation(this.id)
    this._reject(new InvitationError('CANCELLED', `invitation ${this.id} was cancelled`))
    await this._close()
  }

  private _resolve (value: InvitationAccepted): void {
    if (this._settled) return
    this._settled = true
    this._settle.resolve(value)
  }

  private _reject (err: Error): void {
    if (!this._settled) {
      this._settled = true
      this._settle.reject(err)
    }
    void this._close()
  }

  private async _close (): Promise<void> {
    if (this._closed) return
    this._closed = true
    if (this._timer !== undefined) clearTimeout(this._timer)
    this._greeter.off('admitted', this._onAdmitted)
    this._greeter.off('failed', this._onFailed)
    await this._network.leave(this._topic).catch(() => {})
  }
}
