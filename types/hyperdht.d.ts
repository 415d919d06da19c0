// Typed shim for the parts of hyperdht 6.34.0 that ECHO uses (node_modules/hyperdht/index.js, testnet.js).
// Owner: credentials. Keep each signature true to the library source.
declare module 'hyperdht' {
  import { EventEmitter } from 'events'

  namespace HyperDHT {
    interface KeyPair {
      publicKey: Buffer
      secretKey: Buffer
    }

    interface Node {
      host: string
      port: number
    }

    interface Options {
      /**
       * Bootstrap nodes ("host:port" strings or {host, port}). When undefined the PUBLIC bootstrap nodes are used:
       * tests must always pass the local testnet's.
       */
      bootstrap?: Array<string | Node>
      /** Address the UDP socket binds to (default 0.0.0.0); '127.0.0.1' keeps a node on loopback. */
      host?: string
      port?: number
      keyPair?: KeyPair
      seed?: Uint8Array
      /** Ephemeral nodes do not join the routing table (default: decided by NAT probing). */
      ephemeral?: boolean
      firewalled?: boolean
      connectionKeepAlive?: number | false
    }
  }

  class HyperDHT extends EventEmitter {
    static keyPair (seed?: Uint8Array): HyperDHT.KeyPair
    constructor (opts?: HyperDHT.Options)
    readonly defaultKeyPair: HyperDHT.KeyPair
    readonly destroyed: boolean
    ready (): Promise<void>
    fullyBootstrapped (): Promise<void>
    /** The bound UDP address (null before the socket is bound). */
    address (): { host: string, family: number, port: number } | null
    destroy (opts?: { force?: boolean }): Promise<void>
  }

  export = HyperDHT
}

declare module 'hyperdht/testnet' {
  import HyperDHT = require('hyperdht')

  namespace createTestnet {
    interface Testnet extends Iterable<HyperDHT> {
      readonly nodes: HyperDHT[]
      /** Pass as `bootstrap` to every DHT of the test. */
      readonly bootstrap: HyperDHT.Node[]
      createNode (opts?: HyperDHT.Options): HyperDHT
      destroy (): Promise<void>
    }
  }

  /** Starts `size` DHT nodes on 127.0.0.1 (by default) that bootstrap each other. */
  function createTestnet (
    size?: number,
    opts?: { host?: string, port?: number, bootstrap?: HyperDHT.Node[], teardown?: (fn: () => Promise<void>, opts?: unknown) => void }
  ): Promise<createTestnet.Testnet>

  export = createTestnet
}
