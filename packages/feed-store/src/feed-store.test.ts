import { spawn } from 'child_process'
import { join } from 'path'
import { FeedStoreClosedError, InvalidFeedKeyError } from './feed-errors'
import { feedKeyFromSigner } from './feed'
import { FeedStore } from './feed-store'
import { Cleanup, pipeStores, until } from './test-fixtures/helpers'

const cleanup = new Cleanup()
afterEach(async () => await cleanup.run())

describe('FeedStore', () => {
  test('creates writable feeds with an Ed25519 key pair', async () => {
    const store = await cleanup.store()
    const feed = await store.createFeed()
    expect(feed.writable).toBe(true)
    expect(feed.key).toHaveLength(32)
    expect(feed.discoveryKey).toHaveLength(32)
    expect(feed.discoveryKey.equals(feed.key)).toBe(false)
    // The key is the hash of the manifest naming the signer, not the signer's public key.
    expect(feedKeyFromSigner(feed.keyPair?.publicKey as Buffer).equals(feed.key)).toBe(true)
    expect(feed.keyPair?.publicKey.equals(feed.key)).toBe(false)
    expect(feed.keyPair?.secretKey).toHaveLength(64)
    expect(feed.length).toBe(0)
    const other = await store.createFeed()
    expect(other.key.equals(feed.key)).toBe(false)
    expect(store.feeds).toHaveLength(2)
    expect(store.getFeed(feed.key)).toBe(feed)
    expect(store.getFeed(feed.id)).toBe(feed)
  })

  test('opens remote feeds read-only, empty until replicated; the same key gives the same Feed', async () => {
    const store = await cleanup.store()
    const key = Buffer.alloc(32, 9)
    const [a, b] = await Promise.all([store.openFeed(key), store.openFeed(key)])
    expect(a).toBe(b)
    expect(a.writable).toBe(false)
    expect(a.keyPair).toBeNull()
    expect(a.length).toBe(0)
    expect(await store.openFeed(key)).toBe(a)
    const own = await store.createFeed()
    expect(await store.openFeed(own.key)).toBe(own)
  })

  test('rejects keys that are not 32 bytes', async () => {
    const store = await cleanup.store()
    await expect(store.openFeed(Buffer.alloc(31))).rejects.toBeInstanceOf(InvalidFeedKeyError)
    await expect(store.openFeed('nope' as unknown as Uint8Array)).rejects.toBeInstanceOf(InvalidFeedKeyError)
  })

  test('announces feeds with a "feed" event', async () => {
    const store = await cleanup.store()
    const seen: string[] = []
    store.on('feed', (feed) => seen.push(feed.id))
    const a = await store.createFeed()
    const b = await store.openFeed(Buffer.alloc(32, 1))
    expect(seen).toEqual([a.id, b.id])
  })

  test('persists every feed, which are ours, and their blocks across reopen', async () => {
    const dir = await cleanup.dir()
    const first = await FeedStore.open(dir)
    const mine = await first.createFeed()
    const mine2 = await first.createFeed()
    const theirs = await first.openFeed(Buffer.alloc(32, 5))
    await mine.core.append([Buffer.from('a'), Buffer.from('b')])
    const secret = Buffer.from(mine.keyPair?.secretKey as Buffer)
    await first.close()
    expect(first.closed).toBe(true)

    const second = await cleanup.store(dir)
    const ids = second.feeds.map((f) => f.id).sort()
    expect(ids).toEqual([mine.id, mine2.id, theirs.id].sort())
    const again = second.getFeed(mine.key)
    expect(again?.writable).toBe(true)
    expect(again?.length).toBe(2)
    expect(again?.keyPair?.secretKey.equals(secret)).toBe(true)
    expect((await again?.core.get(1))?.toString()).toBe('b')
    expect(second.getFeed(theirs.key)?.writable).toBe(false)
    // Still writable after reopen.
    await again?.core.append(Buffer.from('c'))
    expect(again?.length).toBe(3)
  })

  test('a reserved feed exists only once created, with the key pair and feed key it promised', async () => {
    const dir = await cleanup.dir()
    const first = await FeedStore.open(dir)
    const kept = await first.reserveFeed()
    const dropped = await first.reserveFeed()
    expect(kept.key.equals(dropped.key)).toBe(false)
    expect(feedKeyFromSigner(kept.keyPair.publicKey).equals(kept.key)).toBe(true)
    expect(first.feeds).toHaveLength(0)
    const feed = await first.createFeed(kept)
    expect(feed.key.equals(kept.key)).toBe(true)
    expect(feed.keyPair?.secretKey.equals(kept.keyPair.secretKey)).toBe(true)
    expect(feed.writable).toBe(true)
    await first.close()

    // The dropped reservation left nothing behind; the created one is ours after reopen.
    const second = await cleanup.store(dir)
    expect(second.feeds.map((f) => f.id)).toEqual([feed.id])
    expect(second.getFeed(kept.key)?.writable).toBe(true)
  })

  test('refuses work after close', async () => {
    const store = await cleanup.store()
    await store.close()
    await store.close()
    await expect(store.createFeed()).rejects.toBeInstanceOf(FeedStoreClosedError)
    await expect(store.openFeed(Buffer.alloc(32, 1))).rejects.toBeInstanceOf(FeedStoreClosedError)
    expect(() => store.replicate(true)).toThrow(FeedStoreClosedError)
  })

  test('remote feeds download everything, live, over a replication stream', async () => {
    const a = await cleanup.store()
    const b = await cleanup.store()
    const source = await a.createFeed()
    await source.core.append([Buffer.from('1'), Buffer.from('2')])
    const replica = await b.openFeed(source.key)
    cleanup.defer(pipeStores(a, b))
    await until(() => replica.downloaded === 2)
    // Appended after replication started: arrives without anyone asking for the block.
    await source.core.append([Buffer.from('3')])
    await until(() => replica.downloaded === 3)
    expect((await replica.core.get(2, { wait: false }))?.toString()).toBe('3')
  })

  test('feeds created and opened after replication started replicate on the open stream', async () => {
    const a = await cleanup.store()
    const b = await cleanup.store()
    cleanup.defer(pipeStores(a, b))
    const late = await a.createFeed()
    await late.core.append([Buffer.from('x'), Buffer.from('y')])
    const replica = await b.openFeed(late.key)
    await until(() => replica.downloaded === 2)
    // And in the other direction, over the same stream.
    const back = await b.createFeed()
    await back.core.append(Buffer.from('z'))
    const backReplica = await a.openFeed(back.key)
    await until(() => backReplica.downloaded === 1)
    expect((await backReplica.core.get(0))?.toString()).toBe('z')
  })

  test('close while replicating does not crash and the store reopens', async () => {
    const dirB = await cleanup.dir()
    const a = await cleanup.store()
    const b = await FeedStore.open(dirB)
    const source = await a.createFeed()
    const blocks = Array.from({ length: 2000 }, (_, i) => Buffer.from(`block ${i}`))
    await source.core.append(blocks)
    const replica = await b.openFeed(source.key)
    pipeStores(a, b)
    await until(() => replica.downloaded > 0)
    await b.close()
    const reopened = await cleanup.store(dirB)
    const again = reopened.getFeed(source.key)
    expect(again?.writable).toBe(false)
    expect(again?.downloaded).toBeGreaterThan(0)
  })

  test('a crash (SIGKILL) during createFeed/append loses nothing acknowledged and corrupts nothing', async () => {
    const dir = await cleanup.dir()
    const acknowledged: Array<{ id: string, i: number }> = []
    const child = spawn(process.execPath, [join(__dirname, 'test-fixtures', 'crash-child.js'), dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const lines = out.split('\n')
      out = lines.pop() as string
      for (const line of lines) {
        const [id, i] = line.split(' ')
        acknowledged.push({ id, i: Number(i) })
      }
      if (acknowledged.length >= 25) child.kill('SIGKILL')
    })
    await exited
    expect(err).toBe('')
    expect(acknowledged.length).toBeGreaterThanOrEqual(25)

    const store = await cleanup.store(dir)
    for (const { id, i } of acknowledged) {
      const feed = store.getFeed(id)
      expect(feed?.writable).toBe(true)
      expect((await feed?.core.get(0))?.toString()).toBe(`block ${i}`)
    }
    // Whatever was in flight at the kill is either whole or absent: every stored feed opens and is ours.
    for (const feed of store.feeds) expect(feed.writable).toBe(true)
  })
})
