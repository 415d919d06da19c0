import { EchoError } from '@echodb/feed-store'

/** Base of the errors this package throws: bad keys, bad arguments, KeyStore misuse. */
export class CredentialsError extends EchoError {}

/** A key of the wrong length or a key pair whose halves do not match. */
export class InvalidKeyError extends CredentialsError {
  constructor (what: string, detail: string) {
    super('INVALID_KEY', `${what}: ${detail}`)
  }
}

/** KeyStore: no key with this public key (or no secret key for it). */
export class KeyNotFoundError extends CredentialsError {
  constructor (publicKeyHex: string, detail = 'not in the KeyStore') {
    super('KEY_NOT_FOUND', `key ${publicKeyHex}: ${detail}`)
  }
}

/** KeyStore: the public key is already stored with another kind or another secret key. */
export class KeyExistsError extends CredentialsError {
  constructor (publicKeyHex: string, detail: string) {
    super('KEY_EXISTS', `key ${publicKeyHex}: ${detail}`)
  }
}

/** Why an invitation handshake failed: what the invitee (or the greeter's caller) can show. */
export type InvitationFailure =
  | 'INVALID_CODE'           // the code does not parse, or its checksum is wrong
  | 'INVALID_SECRET'         // a secret that is too short to offer
  | 'GREETER_MISMATCH'       // the channel's authenticated remote key is not the one the code names
  | 'GREETER_NOT_AUTHENTIC'  // the greeter could not prove it knows the secret
  | 'UNKNOWN_INVITATION'     // no such invitation (revoked, or the greeter restarted), or another party
  | 'EXPIRED'
  | 'USED_UP'
  | 'BUSY'                   // every remaining use is taken by a handshake in progress
  | 'WRONG_SECRET'           // `attemptsLeft` more tries
  | 'TOO_MANY_ATTEMPTS'      // three wrong secrets: the invitation is dead
  | 'NOT_A_MEMBER'           // a member join for an identity that is not (or no longer) admitted
  | 'NOT_ALLOWED'            // the greeter may not admit (not an admin; or no feed to write to)
  | 'ADMISSION_FAILED'       // writing the credentials failed on the greeter's side
  | 'PROTOCOL_ERROR'         // a malformed or unexpected message
  | 'TIMEOUT'                // the other side went silent
  | 'CHANNEL_CLOSED'         // the channel closed before the handshake ended
  | 'UNREACHABLE'            // no greeter (or member) could be reached in time
  | 'CANCELLED'              // the greeter cancelled the invitation

/** A failed invitation handshake; `code` is the reason. */
export class InvitationError extends EchoError {
  constructor (
    readonly reason: InvitationFailure,
    message: string,
    /** For WRONG_SECRET: how many more attempts the invitation allows. */
    readonly attemptsLeft?: number
  ) {
    super(reason, message)
  }
}
