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
