import { mkdtemp, rm } from 'fs/promises'
import { tmpdir } from 'os'
import { join } from 'path'
import type { Codec } from '../codec'
import type { FeedReader, ReadBlock } from '../feed-reader'
import { FeedStore } from '../feed-store'

/** UTF-8 text; decoding accepts any bytes. */
export const textCodec: Codec<string> = {
  encode: (text) => Buffer.from(text, 'utf8'),
  decode: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

/** JSON; decoding throws on bytes that are not JSON, which the reader must report and skip. */
export const jsonCodec: Codec<unknown> = {
  encode: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
  decode: (bytes) => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
}

/** Tracks temp directories and stores so that afterEach can clean everything up. */
export class Cleanup {
  private readonly dirs: string[] = []
  private readonly stores: FeedStore[] = []
  private readonly closers: Array<() => Promise<void> | void> = []

  async dir (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'echodb-feed-store-test-'))
    this.dirs.push(dir)
    return dir
  }

  async store (dir?: string): Promise<FeedStore> {
    const store = await FeedStore.open(dir ?? await this.dir())
    this.stores.push(store)
    return store
  }

  defer (close: () => Promise<void> | void): void {
    this.closers.push(close)
  }

  async run (): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close()
    for (const store of this.stores.splice(0).reverse()) await store.close()
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  }
}

/** Pipes two stores' replication streams together; the returned function tears the pipe down. */
export function pipeStores (a: FeedStore, b: FeedStore): () => Promise<void> {
  const sa = a.replicate(true)
  const sb = b.replicate(false)
  sa.pipe(sb).pipe(sa)
  return async () => {
    const closed = [sa, sb].map(async (s) => {
      if (s.destroyed) return
      await new Promise<void>((resolve) => { s.once('close', () => resolve()); s.destroy() })
    })
    await Promise.all(closed)
  }
}

/** Test helper: resolves when `check` holds (re-checked every 5 ms); rejects after `ms`. */
export async function until (check: () => boolean, ms = 10000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The reader's next `n` blocks; throws if it ends first. */
export async function take<T> (r: FeedReader<T>, n: number): Promise<Array<ReadBlock<T>>> {
  const out: Array<ReadBlock<T>> = []
  for (let i = 0; i < n; i++) {
    const next = await r.next()
    if (next.done === true) throw new Error('reader ended early')
    out.push(next.value)
  }
  return out
}
