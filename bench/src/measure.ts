import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'

/** Runs `work` once and returns the elapsed wall time in milliseconds. */
export async function timeMs (work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** Operations per second for `count` operations done by `work`. */
export async function ratePerSecond (count: number, work: () => Promise<unknown>): Promise<number> {
  const ms = await timeMs(work)
  return count / (ms / 1000)
}

/** A fresh temporary directory, removed after `work` whether it succeeds or not. */
export async function withTempDir<T> (prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `echodb-bench-${prefix}-`))
  try {
    return await work(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Heap in use after a forced collection (node runs with --expose-gc under `npm run bench`), in MB. */
export function heapUsedMB (): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) { gc(); gc() }
  return process.memoryUsage().heapUsed / (1024 * 1024)
}
