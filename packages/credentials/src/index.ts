// Public API of @echodb/credentials: keys and the KeyStore, signed credentials, PartyState, the invitation handshake.
export { CredentialsError, InvalidKeyError, KeyExistsError, KeyNotFoundError } from './errors'
export {
  type KeyPair, type Signer, type SignerLike, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES,
  assertKeyPair, assertPublicKey, discoveryKey, generateKeyPair, hexToKey, keyPairSigner, keyToHex, randomBytes,
  sign, toSigner, verify
} from './keys'
export {
  type CredentialBody, type CredentialKind, type CredentialProblem, type FeedCutoff, type Role, type SignedCredential,
  type VerifiedCredential, type VerifyResult, CREDENTIAL_DOMAIN, MAX_DISPLAY_NAME, NONCE_BYTES, ROLES,
  createFeedAdmit, createIdentityInfo, createKeyAdmit, createKeyRemove, createPartyGenesis, displayNameProblem,
  roleFromProto, roleToProto, signingPayload, verifyCredential
} from './credentials'
export {
  type BlockStatus, type CredentialSource, type FeedInfo, type Held, type HeldReason, type KeyLike, type MemberInfo,
  type PartyChange, type PartyStateEvents, type PartyStateStats, type ProcessResult, type RejectReason, type Rejection,
  InvalidSnapshotError, PartyState
} from './party-state'
export { type KeyInfo, type KeyKind, KEY_KINDS, KeyStore } from './key-store'
export { type InvitationFailure, InvitationError } from './errors'
export { BufferedChannel, ChannelReader, type MessageChannel, createChannelPair } from './channel'
export {
  type InvitationCode, INVITATION_ID_BYTES, decodeInvitationCode, describeCode, encodeInvitationCode, invitationChannelId,
  invitationTopic
} from './invitation-code'
export {
  DEFAULT_KDF, KDF_LIMITS, type KdfParams, MIN_SECRET_LENGTH, PIN_DIGITS, TEST_KDF, checkSecret, generatePin, normalizeSecret
} from './secret'
export { DEFAULT_STEP_TIMEOUT, MAX_ATTEMPTS } from './handshake'
export {
  type Admission, type GreetResult, Greeter, type GreeterEvents, type GreeterOptions, type Invitation, type InvitationInfo,
  type InvitationOptions, type InvitationStatus, DEFAULT_KEEP_ENDED, MAX_ENDED_KEPT, createOfflineInvitation
} from './greeter'
export { type JoinOptions, type JoinResult, acceptInvitation, joinAsMember } from './invitee'
export { INVITATION_PROTOCOL, type SecretStream, listenForInvitations, openInvitationChannel } from './protomux-channel'
