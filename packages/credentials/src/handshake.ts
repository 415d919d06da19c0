// What both sides of the invitation handshake share: message framing, the transcript and the proofs.
// The protocol, step by step, is in the README and in proto/schema/invitation.proto.
import { echo } from '@echodb/proto'
import { type ChannelReader, MAX_HANDSHAKE_MESSAGE } from './channel'
import { type Role, roleFromProto } from './credentials'
import { type InvitationFailure, InvitationError } from './errors'
import { PUBLIC_KEY_BYTES, hash } from './keys'

export const HANDSHAKE_VERSION = 1
/** How long either side waits for the other's next message. */
export const DEFAULT_STEP_TIMEOUT = 30_000
/** Bytes of the greeter's challenge nonce. */
export const NONCE_BYTES = 32
/** Wrong secrets an invitation survives: the third wrong one kills it. */
export const MAX_ATTEMPTS = 3

const TRANSCRIPT = Buffer.from('echo/invitation/v1/transcript', 'latin1')
const PROOF = Buffer.from('echo/invitation/v1/proof', 'latin1')
const CONFIRM = Buffer.from('echo/invitation/v1/confirm', 'latin1')
const IDENTITY = Buffer.from('echo/invitation/v1/identity', 'latin1')
const EMPTY = Buffer.alloc(0)

/**
 * T: binds a handshake to both authenticated channel keys, the greeter's fresh nonce and the identity and feed
 * the invitee claims. Every proof covers T, so none can be replayed on another channel or for other keys.
 */
export function transcript (greeterKey: Uint8Array, inviteeKey: Uint8Array, nonce: Uint8Array, identityKey: Uint8Array, feedKey: Uint8Array | null): Buffer {
  return hash([TRANSCRIPT, greeterKey, inviteeKey, nonce, identityKey, feedKey ?? EMPTY])
}

/** The invitee's proof that it knows the secret: a MAC of T keyed by K = scrypt(secret). */
export function secretProof (secretKey: Uint8Array, invitationId: Uint8Array, t: Uint8Array): Buffer {
  return hash([PROOF, invitationId, t], secretKey)
}

/** The greeter's proof that it knows the secret too (the invitee checks it before it signs anything). */
export function secretConfirmation (secretKey: Uint8Array, invitationId: Uint8Array, t: Uint8Array, partyKey: Uint8Array): Buffer {
  return hash([CONFIRM, invitationId, t, partyKey], secretKey)
}

/** What the invitee's identity key signs: it holds that identity, on this channel, for this party. */
export function identityPayload (t: Uint8Array, partyKey: Uint8Array): Buffer {
  return Buffer.concat([IDENTITY, t, partyKey])
}

export function encodeMessage (message: echo.HandshakeMessage.$Properties): Uint8Array {
  return echo.HandshakeMessage.encode(message).finish()
}

type Kind = NonNullable<echo.HandshakeMessage['message']>

const REASONS: Array<[echo.RefusalReason, InvitationFailure]> = [
  [echo.RefusalReason.REFUSAL_UNKNOWN_INVITATION, 'UNKNOWN_INVITATION'],
  [echo.RefusalReason.REFUSAL_EXPIRED, 'EXPIRED'],
  [echo.RefusalReason.REFUSAL_USED_UP, 'USED_UP'],
  [echo.RefusalReason.REFUSAL_WRONG_SECRET, 'WRONG_SECRET'],
  [echo.RefusalReason.REFUSAL_TOO_MANY_ATTEMPTS, 'TOO_MANY_ATTEMPTS'],
  [echo.RefusalReason.REFUSAL_NOT_A_MEMBER, 'NOT_A_MEMBER'],
  [echo.RefusalReason.REFUSAL_GREETER_NOT_ALLOWED, 'NOT_ALLOWED'],
  [echo.RefusalReason.REFUSAL_ADMISSION_FAILED, 'ADMISSION_FAILED'],
  [echo.RefusalReason.REFUSAL_PROTOCOL_ERROR, 'PROTOCOL_ERROR'],
  [echo.RefusalReason.REFUSAL_BUSY, 'BUSY']
]

export function refusalToWire (reason: InvitationFailure): echo.RefusalReason {
  return REASONS.find(([, r]) => r === reason)?.[0] ?? echo.RefusalReason.REFUSAL_PROTOCOL_ERROR
}

function refusalFromWire (reason: echo.RefusalReason | null | undefined): InvitationFailure {
  return REASONS.find(([w]) => w === reason)?.[1] ?? 'PROTOCOL_ERROR'
}

/** A refusal as the error the invitee gets. */
export function refusalError (refusal: echo.IRefusal): InvitationError {
  const reason = refusalFromWire(refusal.reason)
  const detail = typeof refusal.detail === 'string' && refusal.detail !== '' ? `: ${refusal.detail.slice(0, 200)}` : ''
  const attemptsLeft = reason === 'WRONG_SECRET' ? Number(refusal.attemptsLeft ?? 0) : undefined
  const messages: Record<InvitationFailure, string> = {
    INVALID_CODE: 'the invitation code is not valid',
    INVALID_SECRET: 'the secret is not valid',
    GREETER_MISMATCH: 'the peer is not the greeter named by the code',
    GREETER_NOT_AUTHENTIC: 'the greeter could not prove it knows the secret',
    UNKNOWN_INVITATION: 'the greeter does not know this invitation',
    EXPIRED: 'the invitation has expired',
    USED_UP: 'the invitation has been used up',
    BUSY: 'the invitation is being used by someone else right now',
    WRONG_SECRET: `wrong secret (${attemptsLeft ?? 0} attempts left)`,
    TOO_MANY_ATTEMPTS: 'too many wrong secrets: the invitation is dead',
    NOT_A_MEMBER: 'this identity is not a member of the party',
    NOT_ALLOWED: 'the greeter may not admit members',
    ADMISSION_FAILED: 'the greeter could not write the admission',
    PROTOCOL_ERROR: 'the greeter reported a protocol error',
    TIMEOUT: 'the greeter did not answer in time',
    CHANNEL_CLOSED: 'the channel closed',
    UNREACHABLE: 'the greeter could not be reached',
    CANCELLED: 'the invitation was cancelled'
  }
  return new InvitationError(reason, `${messages[reason]}${detail}`, attemptsLeft)
}

export function protocolError (detail: string): InvitationError {
  return new InvitationError('PROTOCOL_ERROR', `invitation handshake: ${detail}`)
}

/**
 * The next message, which must be of kind `expected` (or a refusal, when `refusalOk`). Throws InvitationError:
 * TIMEOUT / CHANNEL_CLOSED from the reader, PROTOCOL_ERROR for anything malformed or unexpected, and the
 * refusal's own reason for a refusal.
 */
export async function receive<K extends Kind> (reader: ChannelReader, timeoutMs: number, expected: K): Promise<NonNullable<echo.HandshakeMessage[K]>> {
  const bytes = await reader.next(timeoutMs)
  if (bytes.byteLength > MAX_HANDSHAKE_MESSAGE) throw protocolError(`message of ${bytes.byteLength} bytes`)
  let message: echo.HandshakeMessage
  try {
    message = echo.HandshakeMessage.decode(bytes)
  } catch (err) {
    throw protocolError(`message does not decode: ${(err as Error).message}`)
  }
  if (message.message === 'refusal' && message.refusal != null) throw refusalError(message.refusal)
  if (message.message !== expected) throw protocolError(`expected ${expected}, got ${message.message ?? 'nothing'}`)
  const body = message[expected]
  if (body == null) throw protocolError(`empty ${expected}`)
  return body as NonNullable<echo.HandshakeMessage[K]>
}

export function isKey (value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === PUBLIC_KEY_BYTES
}

/** A Role from the wire, or a protocol error. */
export function wireRole (role: echo.Role | null | undefined): Role {
  const r = roleFromProto(role)
  if (r === undefined) throw protocolError(`role ${String(role)}`)
  return r
}
