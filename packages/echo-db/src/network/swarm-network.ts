import { EventEmitter } from 'events'
import debug from 'debug'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import type { FeedStore } from '@echodb/feed-store'
import { DatabaseError } from '../errors'

const log = debug('echo:echo-db:swarm-network')

/** The user's network options. Without them an ECHO instance never touches the network. */
export interface NetworkOptions {
  /** DHT bootstrap nodes (`{ host, port }` or "host:port"). Omitted: hyperdht's public bootstrap nodes. */
  bootstrap?: Array<{ host: string, port: number } | string>
  /** Address to bind, e.g. '127.0.0.1' to stay on loopback. */
  host?: string
  /**
   * Whether peers must hole-punch to reach this one. Default: false when `host` is a loopback address (nothing
   * stands between loopback peers), else hyperdht decides. Set false on a LAN where peers reach each other
   * directly: connections then skip hole punching (which can take seconds to time out and retry).
   */
  firewalled?: boolean
}

function isLoopback (host: string | undefined): boolean {
  return host !== undefined && (host === 'localhost' || host === '::1' || host.startsWith('127.'))
}

export interface SwarmNetworkEvents {
  connection: [connection: Hyperswarm.Connection, info: Hyperswarm.PeerInfo]
  disconnection: [connection: Hyperswarm.Connection]
}

/**
 * One Hyperswarm per ECHO instance. Parties join their discovery-key topic (never the party key itself); every
 * connection replicates the FeedStore (Corestore replicates the feeds both sides hold, including feeds opened
 * later) and carries other protocols (invitations) over the same Noise stream. Hyperswarm reconnects dropped
 * connections to peers of joined topics by itself.
 */
export class SwarmNetwork extends EventEmitter<SwarmNetworkEvents> {
  readonly swarm: Hyperswarm
  /** Our Hyperswarm sessions per topic (hex): one per join not yet left. */
  private readonly _topics = new Map<string, Hyperswarm.PeerDiscoverySession[]>()
  private _closed = false

  constructor (private readonly _feedStore: FeedStore, keyPair: { publicKey: Buffer, secretKey: Buffer }, options: NetworkOptions) {
    super()
    const bootstrap = options.bootstrap?.map((node) => {
      if (typeof node === 'string') return node
      if (typeof node?.host !== 'string' || !Number.isInteger(node.port)) {
        throw new DatabaseError('INVALID_ARGUMENT', `bootstrap node ${JSON.stringify(node)} is not { host, port }`)
      }
      return node
    })
    const firewalled = options.firewalled ?? (isLoopback(options.host) ? false : undefined)
    const dht = new HyperDHT({ bootstrap, host: options.host, ...(firewalled === undefined ? {} : { firewalled }) })
    this.swarm = new Hyperswarm({ keyPair, dht })
    this.swarm.on('connection', (connection, info) => this._onConnection(connection, info))
  }

  /** Our public key on every connection (the Noise static key invitations name). */
  get publicKey (): Buffer {
    return this.swarm.keyPair.publicKey
  }

  get connections (): number {
    return this.swarm.connections.size
  }

  /**
   * Announces (`server`) and looks up (`client`) `topic`; both by default. Every join is counted: the topic stays
   * joined until each join has been left (a party's topic and a join handshake on the same topic do not undo each
   * other), and it is announced while any join asks for that. Returns this join's session (pass it to `leave`).
   */
  join (topic: Uint8Array, options: { server?: boolean, client?: boolean } = {}): Hyperswarm.PeerDiscoverySession {
    this._assertOpen()
    const id = Buffer.from(topic).toString('hex')
    const session = this.swarm.join(topic, { server: options.server ?? true, client: options.client ?? true })
    let sessions = this._topics.get(id)
    if (sessions === undefined) this._topics.set(id, sessions = [])
    sessions.push(session)
    log('joined topic %s (%d joins)', id.slice(0, 8), sessions.length)
    return session
  }

  /** Undoes one join of `topic`: `session` is what `join` returned. The topic itself is left when its last join is. */
  async leave (topic: Uint8Array, session: Hyperswarm.PeerDiscoverySession): Promise<void> {
    const id = Buffer.from(topic).toString('hex')
    const sessions = this._topics.get(id)
    const at = sessions === undefined ? -1 : sessions.indexOf(session)
    if (sessions === undefined || at < 0) return
    sessions.splice(at, 1)
    if (sessions.length === 0) this._topics.delete(id)
    if (this._closed) return
    await session.destroy()
    log('left topic %s (%d joins remain)', id.slice(0, 8), sessions.length)
  }

  /** How many joins of `topic` have not been left (0: we are not on the topic). */
  joins (topic: Uint8Array): number {
    return this._topics.get(Buffer.from(topic).toString('hex'))?.length ?? 0
  }

  /** Whether Hyperswarm itself has the topic (announced or looked up): false once the last join is left. */
  isOnTopic (topic: Uint8Array): boolean {
    return !this._closed && this.swarm.status(topic) !== null
  }

  /** Keeps a connection to this peer (by public key) whatever topics it is on. */
  joinPeer (publicKey: Uint8Array): void {
    this._assertOpen()
    this.swarm.joinPeer(publicKey)
  }

  leavePeer (publicKey: Uint8Array): void {
    if (!this._closed) this.swarm.leavePeer(publicKey)
  }

  /** Resolves once joined topics are announced and looked up and pending connections settled. */
  async flush (): Promise<void> {
    if (!this._closed) await this.swarm.flush()
  }

  async close (): Promise<void> {
    if (this._closed) return
    this._closed = true
    this._topics.clear()
    await this.swarm.destroy()
  }

  private _onConnection (connection: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void {
    log('connection %s (%s)', info.publicKey.toString('hex').slice(0, 8), connection.isInitiator ? 'out' : 'in')
    // A peer that misbehaves or vanishes must not take us down: errors only end this connection.
    connection.on('error', (err: Error) => log('connection error: %s', err.message))
    connection.on('close', () => this.emit('disconnection', connection))
    this._feedStore.replicate(connection)
    this.emit('connection', connection, info)
  }

  private _assertOpen (): void {
    if (this._closed) throw new DatabaseError('NETWORK_CLOSED', 'the network of this ECHO instance is closed')
  }
}
