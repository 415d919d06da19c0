import createTestnet from 'hyperdht/testnet'
import type { Role } from '@echodb/credentials'
import { ECHO, type EchoOptions } from '../echo'
import type { Party } from '../party'

type Stream = ReturnType<ECHO['feedStore']['replicate']>

/**
 * How the harnesses connect peers. Each harness takes one, so the same scenario runs over in-process piped
 * replication streams (`pipedNetwork()`) or, once echo-db has it, over Hyperswarm on a local testnet.
 */
export interface PeerNetwork {
  readonly kind: string
  /** Opens (or creates) an ECHO instance in `directory`, attached to this network and online. */
  createPeer (directory: string, options?: Partial<EchoOptions>): Promise<ECHO>
  /**
   * Makes `invitee` a member of `party` (held by an admin peer) with `role`; resolves with the invitee's party
   * once it has processed everything the greeter had when it was admitted.
   */
  join (party: Party, invitee: ECHO, role?: Role): Promise<Party>
  /** Takes a peer off the network (its connections drop) or brings it back (it reconnects to the online peers). */
  setOnline (peer: ECHO, online: boolean): Promise<void>
  isOnline (peer: ECHO): boolean
  /** Drops every connection and stops what the network runs (a local DHT). Close the peers first. */
  close (): Promise<void>
}

interface Link {
  a: ECHO
  b: ECHO
  streams: [Stream, Stream]
}

/**
 * Every online peer replicates with every other online peer over its own pair of piped Corestore replication
 * streams (Noise-encrypted, in process). Going offline destroys the peer's streams mid-flight, as a dropped
 * connection would.
 */
export function pipedNetwork (): PeerNetwork {
  const online = new Set<ECHO>()
  const links: Link[] = []

  const link = (a: ECHO, b: ECHO): void => {
    const sa = a.feedStore.replicate(true)
    const sb = b.feedStore.replicate(false)
    sa.pipe(sb).pipe(sa)
    links.push({ a, b, streams: [sa, sb] })
  }
  const unlink = (peer: ECHO): void => {
    for (let i = links.length - 1; i >= 0; i--) {
      const l = links[i]
      if (l.a !== peer && l.b !== peer) continue
      for (const stream of l.streams) stream.destroy()
      links.splice(i, 1)
    }
  }

  return {
    kind: 'piped',
    async createPeer (directory, options = {}) {
      const peer = await ECHO.create({ ...options, directory })
      for (const other of online) link(other, peer)
      online.add(peer)
      return peer
    },
    async join (party, invitee, role = 'writer') {
      // Admission as the invitation handshake does it, without the network: request, admit, join.
      const request = await invitee.requestAdmission(party.key)
      await party.admit(request, role)
      const joined = await invitee.addJoinedParty({
        partyKey: party.key,
        genesisFeedKey: party.partyState.genesis!.feedKey,
        feedKeys: party.partyState.listFeeds().map((f) => f.feedKey),
        ownFeedKey: request.feedKey
      })
      await joined.waitForTimeframe(party.timeframe.clone())
      return joined
    },
    async setOnline (peer, value) {
      if (value === online.has(peer)) return
      if (value) {
        for (const other of online) link(other, peer)
        online.add(peer)
      } else {
        online.delete(peer)
        unlink(peer)
      }
    },
    isOnline (peer) {
      return online.has(peer)
    },
    async close () {
      for (const peer of [...online]) unlink(peer)
      online.clear()
    }
  }
}

/**
 * Real Hyperswarm: every peer has its own swarm on a hyperdht testnet bound to 127.0.0.1 (never the public
 * bootstrap), joins parties by invitation (code and secret) and finds the others on the party's discovery-key
 * topic. Going offline suspends the peer's swarm (its connections drop and it stops announcing); coming back
 * resumes it and Hyperswarm reconnects.
 */
export async function swarmNetwork (): Promise<PeerNetwork> {
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const offline = new Set<ECHO>()
  return {
    kind: 'hyperswarm',
    async createPeer (directory, options = {}) {
      return await ECHO.create({ ...options, directory, network: { bootstrap: testnet.bootstrap, host: '127.0.0.1' } })
    },
    async join (party, invitee, role = 'writer') {
      // The real invitation: the invitee finds the greeter on the invitation's topic, runs the handshake with the
      // secret, and joinParty resolves once it has caught up with the peers it is connected to.
      const invitation = await party.createInvitation({ role })
      const [joined] = await Promise.all([invitee.joinParty(invitation.code, invitation.secret), invitation.done])
      await joined.waitForTimeframe(party.timeframe.clone())
      return joined
    },
    async setOnline (peer, value) {
      const swarm = peer.network?.swarm
      if (swarm === undefined || value === !offline.has(peer)) return
      if (value) {
        offline.delete(peer)
        await swarm.resume()
      } else {
        offline.add(peer)
        await swarm.suspend()
      }
    },
    isOnline (peer) {
      return !offline.has(peer)
    },
    async close () {
      offline.clear()
      await testnet.destroy()
    }
  }
}
