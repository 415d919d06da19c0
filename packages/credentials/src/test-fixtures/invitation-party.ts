// A greeter's party for handshake tests: a PartyState fed by a World, and an `admit` that writes to the greeter's feed.
import { type Role, createIdentityInfo, createKeyAdmit } from '../credentials'
import { type Admission, Greeter, type GreeterOptions } from '../greeter'
import { generateKeyPair } from '../keys'
import { PartyState } from '../party-state'
import { TEST_KDF } from '../secret'
import { type Person, World, person, processAll } from './party-world'

export class InvitationParty {
  readonly world = new World()
  readonly creator: Person
  readonly state: PartyState
  readonly admissions: Admission[] = []
  /** Set to make the next admit fail. */
  failNextAdmit: Error | null = null

  /** `creator`: the party's creator, whose first feed holds the genesis (default: a new person). */
  constructor (creator: Person = person('creator')) {
    this.creator = creator
    this.state = new PartyState(this.world.partyKey, { genesisFeedKey: this.creator.feedKey })
    processAll(this.state, this.world.genesis(this.creator))
  }

  /** Writes credentials as `writer` (default: the creator) in one block of its feed, and processes them. */
  write (credentials: Admission['credentials'], writer: Person = this.creator): void {
    const results = processAll(this.state, this.world.block(writer.feedKey, [...credentials]))
    for (const r of results) if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`)
  }

  /** Admits `p` directly (as if through an earlier invitation). */
  admitDirectly (p: Person, role: Role): void {
    const creds = [createKeyAdmit({ partyKey: this.world.partyKey, admin: this.creator.identity, identityKey: p.identity.publicKey, role })]
    if (role !== 'reader') creds.push(this.world.feedAdmit(p))
    creds.push(createIdentityInfo({ partyKey: this.world.partyKey, identity: p.identity, displayName: p.name }))
    this.write(creds)
  }

  /** A greeter run by `host` (default: the creator) whose `admit` writes to the host's feed. */
  greeter (host: Person = this.creator, opts: Partial<GreeterOptions> = {}): { greeter: Greeter, channelKey: Buffer } {
    const channelKey = generateKeyPair().publicKey
    const greeter = new Greeter({
      partyKey: this.world.partyKey,
      identity: host.identity,
      state: this.state,
      channelKey,
      kdf: TEST_KDF,
      timeout: 2000,
      admit: async (admission) => {
        await new Promise((resolve) => setImmediate(resolve)) // writing takes a moment
        if (this.failNextAdmit !== null) {
          const err = this.failNextAdmit
          this.failNextAdmit = null
          throw err
        }
        this.admissions.push(admission)
        this.write(admission.credentials, host)
      },
      ...opts
    })
    return { greeter, channelKey }
  }
}
