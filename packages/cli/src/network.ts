/**
 * The networking API of @echodb/echo-db (issue 6), as agreed in the network API brief. The CLI reaches it only
 * through this file: if the running echo-db does not offer it, networked commands fail with one clear line
 * (NETWORK_UNAVAILABLE) while every offline command keeps working.
 */
import * as echoDb from '@echodb/echo-db'
import type { ECHO, Party } from '@echodb/echo-db'
import { CliError, EXIT_FAILURE } from './errors'

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

export interface SyncProgress {
  feeds: Array<{ feedKey: Uint8Array | string, known: number, processed: number }>
  known: number
  processed: number
  peers: number
}

export interface PartySync {
  progress (): SyncProgress
  on (event: 'progress', listener: (progress: SyncProgress) => void): unknown
  on (event: 'caught-up', listener: () => void): unknown
  off (event: 'progress', listener: (progress: SyncProgress) => void): unknown
  off (event: 'caught-up', listener: () => void): unknown
  caughtUp (): Promise<void>
}

export interface InvitationAttempt {
  ok: boolean
  reason?: string
}

export interface Invitation {
  readonly code: string
  readonly secret: string
  readonly done: Promise<{ identityKey: Buffer, displayName?: string }>
  on (event: 'attempt', listener: (attempt: InvitationAttempt) => void): unknown
  cancel (): unknown
}

export interface InvitationOptions {
  role?: InvitationRole
  expiresAt?: number
  maxUses?: number
  secret?: string
}

export interface JoinOptions {
  timeout?: number
  onProgress?: (progress: SyncProgress) => void
}

export interface BootstrapNode {
  readonly host: string
  readonly port: number
  close (): Promise<void>
}

/** The InvitationError codes; WRONG_SECRET and INVALID_CODE are the person's mistakes, the others failures. */
export type InvitationErrorCode =
  | 'WRONG_SECRET' | 'TOO_MANY_ATTEMPTS' | 'EXPIRED' | 'USED_UP' | 'UNREACHABLE' | 'INVALID_CODE' | 'CANCELLED'

interface NetworkedParty {
  createInvitation (options: InvitationOptions): Promise<Invitation>
  readonly sync: PartySync
}

interface NetworkedEcho {
  joinParty (code: string, secret: string, options?: JoinOptions): Promise<Party>
}

interface NetworkModule {
  startBootstrapNode (options: { port?: number, host?: string }): Promise<BootstrapNode>
}

/** True when @echodb/echo-db has the networking API (the swarm, sync progress, the bootstrap node). */
export function networkAvailable (): boolean {
  const module = echoDb as unknown as Partial<NetworkModule>
  return typeof module.startBootstrapNode === 'function' && 'sync' in echoDb.Party.prototype
}

/** True when @echodb/echo-db has invitations (createInvitation, joinParty). */
export function invitationsAvailable (): boolean {
  const partyProto = echoDb.Party.prototype as unknown as Partial<NetworkedParty>
  const echoProto = echoDb.ECHO.prototype as unknown as Partial<NetworkedEcho>
  return typeof partyProto.createInvitation === 'function' && typeof echoProto.joinParty === 'function'
}

export function requireNetwork (): void {
  if (!networkAvailable()) {
    throw new CliError('NETWORK_UNAVAILABLE', 'this build of @echodb/echo-db has no networking (ECHO network option, sync)', EXIT_FAILURE)
  }
}

export function requireInvitations (): void {
  requireNetwork()
  if (!invitationsAvailable()) {
    throw new CliError('NETWORK_UNAVAILABLE', 'this build of @echodb/echo-db has no invitations (createInvitation, joinParty)', EXIT_FAILURE)
  }
}

export async function startBootstrapNode (options: { port?: number, host?: string }): Promise<BootstrapNode> {
  requireNetwork()
  return await (echoDb as unknown as NetworkModule).startBootstrapNode(options)
}

export async function createInvitation (party: Party, options: InvitationOptions): Promise<Invitation> {
  requireInvitations()
  return await (party as unknown as NetworkedParty).createInvitation(options)
}

export async function joinParty (echo: ECHO, code: string, secret: string, options: JoinOptions): Promise<Party> {
  requireInvitations()
  return await (echo as unknown as NetworkedEcho).joinParty(code, secret, options)
}

export function partySync (party: Party): PartySync {
  requireNetwork()
  const sync = (party as unknown as Partial<NetworkedParty>).sync
  if (sync === undefined) throw new CliError('NETWORK_UNAVAILABLE', `party ${party.id} has no sync state (is the instance online?)`, EXIT_FAILURE)
  return sync
}

/** True for an InvitationError of @echodb/echo-db (matched by its code, whichever class carries it). */
export function invitationErrorCode (err: unknown): InvitationErrorCode | undefined {
  const code = (err as { code?: unknown } | null)?.code
  switch (code) {
    case 'WRONG_SECRET': case 'TOO_MANY_ATTEMPTS': case 'EXPIRED': case 'USED_UP': case 'UNREACHABLE':
    case 'INVALID_CODE': case 'CANCELLED':
      return code
    default:
      return undefined
  }
}
