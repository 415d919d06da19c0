import debug from 'debug'
import { listenForInvitations, type Greeter, type MessageChannel } from '@echodb/credentials'
import type { SwarmNetwork } from './swarm-network'

const log = debug('echo:echo-db:invitation-router')

/**
 * Serves invitation handshakes on every connection of the instance: a channel an invitee opens is routed to the
 * greeter of whichever open party handles its id (a secret invitation's id, or a party's discovery key for members
 * joining through an offline invitation). One greeter per open party, closed when it is removed.
 */
export class InvitationRouter {
  private readonly _greeters = new Set<Greeter>()

  constructor (network: SwarmNetwork) {
    network.on('connection', (connection) => {
      listenForInvitations(connection, (id) => this._route(id))
    })
  }

  add (greeter: Greeter): void {
    this._greeters.add(greeter)
  }

  /**
   * The greeter's party closed: its channels are no longer routed and the greeter is closed, which cancels its
   * invitations (each PartyInvitation leaves its topic; `done` rejects with CANCELLED).
   */
  remove (greeter: Greeter): void {
    this._greeters.delete(greeter)
    greeter.close()
  }

  private _route (id: Buffer | null): ((channel: MessageChannel) => unknown) | null {
    for (const greeter of this._greeters) {
      if (greeter.handles(id)) return async (channel) => await greeter.serve(channel)
    }
    log('no greeter for channel %s', id?.toString('hex').slice(0, 8) ?? 'null')
    return null
  }
}
