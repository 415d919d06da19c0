// Typed shim for the parts of hyperswarm 4.17.2 that ECHO uses (node_modules/hyperswarm/index.js, lib/*.js).
// Owner: credentials. Keep each signature true to the library source.
declare module 'hyperswarm' {
  import { EventEmitter } from 'events'
  import type { Duplex } from 'streamx'
  import HyperDHT = require('hyperdht')

  namespace Hyperswarm {
    interface KeyPair {
      publicKey: Buffer
      secretKey: Buffer
    }

    /**
     * A connection: @hyperswarm/secret-stream's NoiseSecretStream, an encrypted streamx Duplex. Both sides are
     * authenticated by their static Noise keys (the swarms' key pairs).
     */
    interface Connection extends Duplex {
      readonly isInitiator: boolean
      /** Our static public key on this connection. */
      readonly publicKey: Buffer
      /** The remote's authenticated static public key. */
      readonly remotePublicKey: Buffer
      readonly handshakeHash: Buffer | null
      /** Itself (hypercore looks up `stream.noiseStream`). */
      readonly noiseStream: Connection
      /** Set to the connection's Protomux once one is created (shared by replication and other protocols). */
      userData: unknown
      /** Resolves true once the Noise handshake is done, false if the stream closed first. */
      readonly opened: Promise<boolean>
      setKeepAlive (ms: number): void
    }

    /** What the swarm knows about a peer it is (or was) connected to. */
    interface PeerInfo {
      readonly publicKey: Buffer
      /** Topics this peer was found under (client side only). */
      readonly topics: Buffer[]
      readonly client: boolean
      readonly prioritized: boolean
      ban (banned?: boolean): void
      reconnect (reconnect: boolean): void
    }

    interface JoinOptions {
      /** Announce ourselves under the topic (default true). */
      server?: boolean
      /** Look up and connect to peers under the topic (default true). */
      client?: boolean
      limit?: number
    }

    /** Handle returned by `join`: `flushed()` resolves once the topic is fully announced / looked up. */
    interface PeerDiscoverySession {
      readonly topic: Buffer
      readonly isClient: boolean
      readonly isServer: boolean
      readonly destroyed: boolean
      flushed (): Promise<void>
      refresh (opts?: JoinOptions): Promise<void>
      destroy (): Promise<void>
    }

    interface Options {
      keyPair?: KeyPair
      seed?: Uint8Array
      maxPeers?: number
      maxParallel?: number
      /** Return true to refuse a connection from/to `remotePublicKey`. */
      firewall?: (remotePublicKey: Buffer, payload: unknown) => boolean
      /** A DHT to use; otherwise one is created from `bootstrap` (PUBLIC bootstrap nodes when undefined). */
      dht?: HyperDHT
      bootstrap?: Array<string | HyperDHT.Node>
      port?: number
    }
  }

  interface HyperswarmEvents {
    connection: [connection: Hyperswarm.Connection, peerInfo: Hyperswarm.PeerInfo]
    update: []
    ban: [peerInfo: Hyperswarm.PeerInfo, error: Error]
  }

  class Hyperswarm extends EventEmitter<HyperswarmEvents> {
    constructor (opts?: Hyperswarm.Options)
    readonly keyPair: Hyperswarm.KeyPair
    readonly dht: HyperDHT
    readonly destroyed: boolean
    readonly suspended: boolean
    readonly connecting: number
    /** Open connections. */
    readonly connections: Set<Hyperswarm.Connection>
    /** Known peers by hex public key. */
    readonly peers: Map<string, Hyperswarm.PeerInfo>
    join (topic: Uint8Array, opts?: Hyperswarm.JoinOptions): Hyperswarm.PeerDiscoverySession
    leave (topic: Uint8Array): Promise<void>
    /** Keep connecting to this peer directly (by its public key), whatever topics it is on. */
    joinPeer (publicKey: Uint8Array): void
    leavePeer (publicKey: Uint8Array): void
    /** Resolves once every joined topic is flushed and pending connections are settled. */
    flush (): Promise<boolean>
    listen (): Promise<void>
    status (topic: Uint8Array): unknown
    suspend (): Promise<void>
    resume (): Promise<void>
    destroy (opts?: { force?: boolean }): Promise<void>
  }

  export = Hyperswarm
}
