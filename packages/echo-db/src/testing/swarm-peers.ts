import createTestnet from 'hyperdht/testnet'
import { ECHO } from '../echo'
import { TempDirs } from './temp-echo'

/**
 * ECHO peers on real Hyperswarm over hyperdht's local testnet (127.0.0.1 only; never the public bootstrap), for one
 * test file: call at the top level; it registers the hooks that start the testnet and close every peer.
 */
export function swarmPeers (): {
  dirs: TempDirs
  peer: (options?: { directory?: string, name?: string }) => Promise<ECHO>
  close: (echo: ECHO) => Promise<void>
} {
  let testnet: createTestnet.Testnet
  const dirs = new TempDirs()
  const open: ECHO[] = []
  beforeAll(async () => { testnet = await createTestnet(3, { host: '127.0.0.1' }) })
  afterAll(async () => { await testnet.destroy() })
  afterEach(async () => {
    await Promise.all(open.splice(0).map(async (e) => await e.close()))
    await dirs.cleanup()
  })
  return {
    dirs,
    async peer (options = {}) {
      const echo = await ECHO.create({
        directory: options.directory ?? await dirs.make(),
        network: { bootstrap: testnet.bootstrap, host: '127.0.0.1' }
      })
      open.push(echo)
      if (options.name !== undefined) await echo.setDisplayName(options.name)
      return echo
    },
    async close (echo) {
      const at = open.indexOf(echo)
      if (at >= 0) open.splice(at, 1)
      await echo.close()
    }
  }
}
