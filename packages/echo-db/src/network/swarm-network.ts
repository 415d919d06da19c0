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
  private readonly _topics = new Map<string, Hyperswarm.PeerDiscoverySession>()
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

  /** Announces and looks up `topic`. Idempotent. */
  join (topic: Uint8Array, options: { server?: boolean, client?: boolean } = {}): Hyperswarm.PeerDiscoverySession {
    this._assertOpen()
    const id = Buffer.from(topic).toString('hex')
    let session = this._topics.get(id)
    if (session === undefined) {
      session = this.swarm.join(topic, { server: options.server ?? true, client: options.client ?? true })
      this._topics.set(id, session)
      log('joined topic %s', id.slice(0, 8))
    }
    return session
  }

  async leave (topic: Uint8Array): Promise<void> {
    const id = Buffer.from(topic).toString('hex')
    if (!this._topics.delete(id) || this._closed) return
    await this.swarm.leave(topic)
    log('left topic %s', id.slice(0, 8))
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
