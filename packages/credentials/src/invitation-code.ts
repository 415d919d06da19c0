import * as z32 from 'z32'
import { echo } from '@echodb/proto'
import { InvitationError } from './errors'
import { PUBLIC_KEY_BYTES, discoveryKey, hash, keyToHex } from './keys'

/** Bytes of a random invitation id. */
export const INVITATION_ID_BYTES = 16
const PREFIX = 'echo1'
const CHECKSUM_BYTES = 4
const VERSION = 1

/** What an invitation code says. */
export type InvitationCode =
  /** Online invitation: talk to `greeterKey` about `invitationId`, prove the secret. */
  | { readonly kind: 'secret', readonly greeterKey: Buffer, readonly invitationId: Buffer }
  /** Offline invitation: an identity admitted in advance joins `partyKey` through any member. */
  | { readonly kind: 'member', readonly partyKey: Buffer }

/** The printable code: "echo1" + z-base-32 of (encoded echo.InvitationCode || 4-byte BLAKE2b checksum). */
export function encodeInvitationCode (code: InvitationCode): string {
  const message: echo.InvitationCode.$Properties = code.kind === 'secret'
    ? { version: VERSION, kind: echo.InvitationCode.Kind.KIND_SECRET, greeterKey: code.greeterKey, invitationId: code.invitationId }
    : { version: VERSION, kind: echo.InvitationCode.Kind.KIND_MEMBER, partyKey: code.partyKey }
  const bytes = echo.InvitationCode.encode(message).finish()
  return PREFIX + z32.encode(Buffer.concat([bytes, checksum(bytes)]))
}

function checksum (bytes: Uint8Array): Buffer {
  return hash([bytes]).subarray(0, CHECKSUM_BYTES)
}

function invalid (detail: string): InvitationError {
  return new InvitationError('INVALID_CODE', `invitation code: ${detail}`)
}

/** Parses a code (surrounding whitespace and letter case are forgiven). Throws InvitationError INVALID_CODE. */
export function decodeInvitationCode (text: string): InvitationCode {
  if (typeof text !== 'string') throw invalid('not a string')
  const clean = text.trim().toLowerCase()
  if (!clean.startsWith(PREFIX)) throw invalid(`does not start with "${PREFIX}"`)
  let raw: Buffer
  try {
    raw = z32.decode(clean.slice(PREFIX.length))
  } catch (err) {
    throw invalid((err as Error).message)
  }
  if (raw.byteLength <= CHECKSUM_BYTES) throw invalid('too short')
  const bytes = raw.subarray(0, raw.byteLength - CHECKSUM_BYTES)
  if (!checksum(bytes).equals(raw.subarray(raw.byteLength - CHECKSUM_BYTES))) throw invalid('checksum mismatch (mistyped?)')
  let message: echo.InvitationCode
  try {
    message = echo.InvitationCode.decode(bytes)
  } catch (err) {
    throw invalid(`does not decode: ${(err as Error).message}`)
  }
  if (message.version !== VERSION) throw invalid(`version ${message.version}`)
  if (message.kind === echo.InvitationCode.Kind.KIND_SECRET) {
    if (message.greeterKey?.byteLength !== PUBLIC_KEY_BYTES) throw invalid('greeter key must be 32 bytes')
    if (message.invitationId?.byteLength !== INVITATION_ID_BYTES) throw invalid(`invitation id must be ${INVITATION_ID_BYTES} bytes`)
    return { kind: 'secret', greeterKey: Buffer.from(message.greeterKey), invitationId: Buffer.from(message.invitationId) }
  }
  if (message.kind === echo.InvitationCode.Kind.KIND_MEMBER) {
    if (message.partyKey?.byteLength !== PUBLIC_KEY_BYTES) throw invalid('party key must be 32 bytes')
    return { kind: 'member', partyKey: Buffer.from(message.partyKey) }
  }
  throw invalid(`unknown kind ${String(message.kind)}`)
}

const TOPIC_DOMAIN = Buffer.from('echo/invitation/v1/topic', 'latin1')

/**
 * The swarm topic to meet on: for a secret invitation a hash of its id (the greeter announces it while the
 * invitation is open), for a member join the party's topic (its discovery key).
 */
export function invitationTopic (code: InvitationCode): Buffer {
  return code.kind === 'secret' ? hash([TOPIC_DOMAIN, code.invitationId]) : discoveryKey(code.partyKey)
}

/** The id of the protocol channel that carries the handshake: the invitation id, or the party's discovery key. */
export function invitationChannelId (code: InvitationCode): Buffer {
  return code.kind === 'secret' ? code.invitationId : discoveryKey(code.partyKey)
}

export function describeCode (code: InvitationCode): string {
  return code.kind === 'secret'
    ? `invitation ${keyToHex(code.invitationId)} from ${keyToHex(code.greeterKey).slice(0, 8)}`
    : `member join of party ${keyToHex(code.partyKey).slice(0, 8)}`
}
