import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import type { ECHO } from '../echo'
import type { PeerNetwork } from './network'

/**
 * The frame every multi-peer harness runs in: a fresh temporary root, uncaught errors recorded in `errors` (a
 * harness reports them rather than dying), and at the end every peer closed, the network closed, the root removed
 * and the error hooks taken off, whatever the body did.
 */
export async function runInHarness<T> (
  options: { prefix: string, tmp?: string, network: PeerNetwork, errors: string[] },
  body: (root: string, echos: ECHO[]) => Promise<T>
): Promise<T> {
  const { network, errors } = options
  const root = await mkdtemp(join(options.tmp ?? tmpdir(), options.prefix))
  const onError = (err: unknown): void => { errors.push((err as Error)?.stack ?? String(err)) }
  process.on('uncaughtException', onError)
  process.on('unhandledRejection', onError)
  const echos: ECHO[] = []
  try {
    return await body(root, echos)
  } finally {
    for (const peer of echos) await peer.close().catch((err) => { errors.push(`close: ${String(err)}`) })
    await network.close()
    await rm(root, { recursive: true, force: true })
    process.off('uncaughtException', onError)
    process.off('unhandledRejection', onError)
  }
}
