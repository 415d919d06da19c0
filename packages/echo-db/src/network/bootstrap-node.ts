import debug from 'debug'
import createTestnet from 'hyperdht/testnet'

const log = debug('echo:echo-db:bootstrap-node')

export interface BootstrapNode {
  /** Address to pass as `network.bootstrap` (`[{ host, port }]`). */
  readonly host: string
  readonly port: number
  close (): Promise<void>
}

/**
 * Runs a small DHT for a LAN or tests: `size` nodes in this process, the first listening on `port` (0 = any).
 * Peers given `bootstrap: [{ host, port }]` find each other through it; nothing else is contacted.
 */
export async function startBootstrapNode (options: { port?: number, host?: string, size?: number } = {}): Promise<BootstrapNode> {
  const host = options.host ?? '127.0.0.1'
  const testnet = await createTestnet(options.size ?? 3, { host, port: options.port ?? 0 })
  const { port } = testnet.bootstrap[0]
  log('DHT bootstrap node on %s:%d (%d nodes)', host, port, testnet.nodes.length)
  return {
    host,
    port,
    close: async () => await testnet.destroy()
  }
}
