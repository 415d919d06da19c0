/**
 * The networking API of @echodb/echo-db (issue 6). The CLI reaches it only through this file. Swarm, sync
 * progress and the bootstrap node are typed against echo-db; invitations (createInvitation, joinParty) are
 * reached by the agreed shape and checked at run time, so that a build without them refuses invite/join with one
 * clear line (NETWORK_UNAVAILABLE) while everything else works.
 */
import * as echoDb from '@echodb/echo-db'
import type { BootstrapNode, ECHO, Party, PartySync, SyncProgress } from '@echodb/echo-db'
import { CliError, EXIT_FAILURE } from './errors'

export type { BootstrapNode, PartySync, SyncProgress }

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

/** The InvitationError codes; WRONG_SECRET and INVALID_CODE are the person's mistakes, the others failures. */
export type InvitationErrorCode =
  | 'WRONG_SECRET' | 'TOO_MANY_ATTEMPTS' | 'EXPIRED' | 'USED_UP' | 'UNREACHABLE' | 'INVALID_CODE' | 'CANCELLED'

interface InvitingParty {
  createInvitation (options: InvitationOptions): Promise<Invitation>
}

interface JoiningEcho {
  joinParty (code: string, secret: string, options?: JoinOptions): Promise<Party>
}

/** True when @echodb/echo-db has the networking API (the swarm, sync progress, the bootstrap node). */
export function networkAvailable (): boolean {
  return typeof (echoDb as { startBootstrapNode?: unknown }).startBootstrapNode === 'function' && 'sync' in echoDb.Party.prototype
}

/** True when @echodb/echo-db has invitations (createInvitation, joinParty). */
export function invitationsAvailable (): boolean {
  const partyProto = echoDb.Party.prototype as unknown as Partial<InvitingParty>
  const echoProto = echoDb.ECHO.prototype as unknown as Partial<JoiningEcho>
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
  return await echoDb.startBootstrapNode(options)
}

export async function createInvitation (party: Party, options: InvitationOptions): Promise<Invitation> {
  requireInvitations()
  return await (party as unknown as InvitingParty).createInvitation(options)
}

export async function joinParty (echo: ECHO, code: string, secret: string, options: JoinOptions): Promise<Party> {
  requireInvitations()
  return await (echo as unknown as JoiningEcho).joinParty(code, secret, options)
}

export function partySync (party: Party): PartySync {
  requireNetwork()
  return party.sync
}

/** The code of an InvitationError of @echodb/echo-db (matched by its code, whichever class carries it). */
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
