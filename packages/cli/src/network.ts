/**
 * What the CLI uses of @echodb/echo-db's networking (issue 6), and how its failures read to a person.
 */
import { decodeInvitationCode } from '@echodb/credentials'
import { InvitationError, type InvitationFailure } from '@echodb/echo-db'
import { EXIT_FAILURE, EXIT_USAGE } from './errors'

export {
  startBootstrapNode, InvitationError, type BootstrapNode, type InvitationAttempt, type PartyInvitation, type PartySync,
  type SyncProgress
} from '@echodb/echo-db'

export interface PeerAddress {
  host: string
  port: number
}

/** ECHO.create's `network` option. Without it an instance never touches the network. */
export interface NetworkOptions {
  /** A private or local DHT; omitted: hyperdht's public bootstrap. */
  bootstrap?: PeerAddress[]
  /** Bind address, e.g. 127.0.0.1. */
  host?: string
}

export type InvitationRole = 'admin' | 'writer' | 'reader'

/** True for the code of an offline invitation (`echodb admit`): it joins through any member, with no secret. */
export function isMemberCode (code: string): boolean {
  try {
    return decodeInvitationCode(code).kind === 'member'
  } catch {
    return false // not a code at all: joinParty says why
  }
}

/** What the invitee is told for each way a join can fail, and the exit code (1: the person's mistake). */
const JOIN_FAILURES: Record<InvitationFailure, [message: string | ((err: InvitationError) => string), exitCode: number]> = {
  INVALID_CODE: [(err) => `not an invitation code (${err.message}): copy it exactly as "echodb invite" printed it`, EXIT_USAGE],
  INVALID_SECRET: [(err) => `that secret cannot be right: ${err.message}`, EXIT_USAGE],
  WRONG_SECRET: [(err) => `wrong secret${err.attemptsLeft === undefined ? '' : ` (${err.attemptsLeft} more ${err.attemptsLeft === 1 ? 'try' : 'tries'} before the invitation dies)`}`, EXIT_USAGE],
  TOO_MANY_ATTEMPTS: ['too many wrong secrets: the invitation is dead, ask for a new one', EXIT_FAILURE],
  EXPIRED: ['the invitation has expired: ask for a new one', EXIT_FAILURE],
  USED_UP: ['the invitation was already used: ask for a new one', EXIT_FAILURE],
  CANCELLED: ['the invitation was cancelled', EXIT_FAILURE],
  UNKNOWN_INVITATION: ['the greeter does not know this invitation (cancelled, or "echodb invite" was restarted): ask for a new one', EXIT_FAILURE],
  BUSY: ['someone else is joining with this invitation right now: try again in a moment', EXIT_FAILURE],
  UNREACHABLE: ['could not reach the greeter (is "echodb invite" still running, with the same --bootstrap?)', EXIT_FAILURE],
  NOT_A_MEMBER: ['this identity is not admitted to the party (was the offline invitation made for "echodb whoami"\'s key?)', EXIT_FAILURE],
  NOT_ALLOWED: ['the greeter may not admit members (it is no longer an admin)', EXIT_FAILURE],
  GREETER_MISMATCH: ['the peer that answered is not the greeter the code names: nothing was shared', EXIT_FAILURE],
  GREETER_NOT_AUTHENTIC: ['the peer that answered could not prove it knows the secret: nothing was shared', EXIT_FAILURE],
  ADMISSION_FAILED: [(err) => `the greeter could not admit you: ${err.message}`, EXIT_FAILURE],
  PROTOCOL_ERROR: [(err) => `the invitation handshake failed: ${err.message}`, EXIT_FAILURE],
  TIMEOUT: ['the greeter stopped answering during the handshake: try again', EXIT_FAILURE],
  CHANNEL_CLOSED: ['the connection to the greeter closed during the handshake: try again', EXIT_FAILURE]
}

/** How a failed join reads, or undefined when `err` is not an InvitationError. */
export function describeJoinFailure (err: unknown): { message: string, exitCode: number } | undefined {
  if (!(err instanceof InvitationError)) return undefined
  const entry = (JOIN_FAILURES as Partial<typeof JOIN_FAILURES>)[err.reason]
  if (entry === undefined) return { message: err.message, exitCode: EXIT_FAILURE }
  const [message, exitCode] = entry
  return { message: typeof message === 'string' ? message : message(err), exitCode }
}
