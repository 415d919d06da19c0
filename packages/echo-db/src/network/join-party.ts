import debug from 'debug'
import type Hyperswarm from 'hyperswarm'
import {
  acceptInvitation, decodeInvitationCode, invitationChannelId, invitationTopic, InvitationError, joinAsMember,
  openInvitationChannel, type InvitationCode, type JoinResult, type Signer
} from '@echodb/credentials'
import type { FeedReservation } from '@echodb/feed-store'
import { LookAgain } from './look-again'
import type { SwarmNetwork } from './swarm-network'

const log = debug('echo:echo-db:join-party')

export const DEFAULT_JOIN_TIMEOUT = 30_000

export interface HandshakeOptions {
  network: SwarmNetwork
  identity: Signer
  /** Our new feed for the party, reserved: it is created only if the handshake succeeds (the greeter admits it). */
  feed: FeedReservation
  displayName?: string
  timeout: number
}

/**
 * The invitation code, parsed, once it is known to be usable with `secret` (nothing is created before that).
 * Throws InvitationError INVALID_CODE or INVALID_SECRET.
 */
export function parseJoinCode (codeText: string, secret: string | undefined): InvitationCode {
  const code = decodeInvitationCode(codeText)
  if (code.kind === 'secret' && (secret === undefined || secret === '')) {
    throw new InvitationError('INVALID_SECRET', 'this invitation needs the secret the greeter shows')
  }
  return code
}

/**
 * The invitee's handshake (`code` from parseJoinCode): meets the greeter on the invitation's topic (a secret invitation:
 * only the peer whose authenticated key the code names; an offline invitation: any member of the party), opens the
 * invitation channel on that connection and runs the credentials handshake. Throws InvitationError: WRONG_SECRET,
 * TOO_MANY_ATTEMPTS, EXPIRED, USED_UP, NOT_A_MEMBER, UNREACHABLE, ... (a malformed code or a missing secret is
 * parseJoinCode's to refuse).
 */
export async function runJoinHandshake (code: InvitationCode, secret: string | undefined, options: HandshakeOptions): Promise<JoinResult> {
  const topic = invitationTopic(code)
  const { network } = options
  // Counted: if this instance already holds the party (or greets on this topic), leaving below keeps its join.
  const session = network.join(topic, { server: false, client: true })
  const deadline = Date.now() + options.timeout
  const tried = new Set<Hyperswarm.Connection>()
  // Joining right after the invitation was made, our one lookup can come before the greeter's announce, and
  // Hyperswarm would look again only in 10 minutes: look again soon (a person is waiting).
  const lookAgain = new LookAgain(session, () => tried.size === 0, { firstMs: 250 })
  try {
    for (;;) {
      const connection = await nextConnection(network, code, tried, deadline)
      tried.add(connection)
      const remaining = Math.max(1, deadline - Date.now())
      let channel
      try {
        channel = await openInvitationChannel(connection, { id: invitationChannelId(code), timeout: remaining })
      } catch (err) {
        // This peer does not serve the invitation (e.g. a member that cannot admit): try the next one.
        log('peer %s does not serve the invitation: %s', connection.remotePublicKey.toString('hex').slice(0, 8), (err as Error).message)
        continue
      }
      const joinOptions = { identity: options.identity, feed: options.feed.keyPair, displayName: options.displayName, timeout: remaining }
      return code.kind === 'secret'
        ? await acceptInvitation(channel, code, secret as string, joinOptions)
        : await joinAsMember(channel, code, joinOptions)
    }
  } finally {
    lookAgain.stop()
    // Only our own join: the party's join of its topic (a member join's topic is the party's) stays.
    await network.leave(topic, session).catch(() => {})
  }
}

/** Waits for a connection to a peer that may serve `code` and was not tried yet. */
async function nextConnection (network: SwarmNetwork, code: InvitationCode, tried: Set<Hyperswarm.Connection>, deadline: number): Promise<Hyperswarm.Connection> {
  const fits = (connection: Hyperswarm.Connection): boolean =>
    !tried.has(connection) && !connection.destroyed &&
    (code.kind !== 'secret' || connection.remotePublicKey.equals(code.greeterKey))
  for (const connection of network.swarm.connections) if (fits(connection)) return connection
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      network.off('connection', onConnection)
      reject(new InvitationError('UNREACHABLE', code.kind === 'secret'
        ? 'the greeter could not be reached in time (is it online and the invitation still open?)'
        : 'no member of the party could be reached in time'))
    }, Math.max(0, deadline - Date.now()))
    const onConnection = (connection: Hyperswarm.Connection): void => {
      if (!fits(connection)) return
      clearTimeout(timer)
      network.off('connection', onConnection)
      resolve(connection)
    }
    network.on('connection', onConnection)
  })
}
