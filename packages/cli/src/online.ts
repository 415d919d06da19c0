import type { ECHO, Party } from '@echodb/echo-db'
import type { Feed } from '@echodb/feed-store'
import type { Context } from './command'
import { plural } from './format'
import { sleep } from './io'
import type { SyncProgress } from './network'
import { networkOptions, parseDuration } from './options'
import { openProfile } from './profile'

/** Default bound of `--sync` and `sync`: how long to look for a peer and wait for it. */
export const DEFAULT_SYNC_TIMEOUT = 15_000
const POLL_MS = 50

/** Data commands go online with --sync (or when --bootstrap / --host is given); otherwise they work offline. */
export function wantsNetwork (ctx: Context): boolean {
  return ctx.options.sync === true || ctx.options.bootstrap !== undefined || ctx.options.host !== undefined
}

/** Opens the profile, online when `online` (with --bootstrap / ECHODB_BOOTSTRAP and --host). */
export async function openEcho (ctx: Context, online: boolean): Promise<ECHO> {
  return await openProfile(ctx.home, online ? { network: networkOptions(ctx.options, ctx.io.env) } : {})
}

export function syncTimeout (ctx: Context): number {
  return ctx.options.timeout === undefined ? DEFAULT_SYNC_TIMEOUT : parseDuration(ctx.options.timeout, 'timeout')
}

/** Polls `check` until it is true (resolves true), the time runs out or `signal` aborts (false). */
export async function waitUntil (check: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    const left = deadline - Date.now()
    if (left <= 0 || signal?.aborted === true) return false
    await sleep(Math.min(POLL_MS, left), signal)
  }
  return true
}

export function formatProgress (progress: SyncProgress): string {
  return `sync: ${progress.processed}/${progress.known} blocks, ${plural(progress.peers, 'peer')}`
}

/**
 * Brings `party` up to date with the peers it can reach: waits for a first peer, then until everything the
 * connected peers have is processed. Returns false (and says why on stderr) when no peer came in time.
 */
export async function pullParty (ctx: Context, party: Party, timeoutMs: number): Promise<boolean> {
  const sync = party.sync
  const started = Date.now()
  if (!await waitUntil(() => sync.progress().peers > 0, timeoutMs, ctx.signal)) {
    if (ctx.signal?.aborted !== true) ctx.status(`echodb: no peer of the party was reachable within ${seconds(timeoutMs)}; using the local copy`)
    return false
  }
  const left = Math.max(1, timeoutMs - (Date.now() - started))
  let timer: NodeJS.Timeout | undefined
  const caughtUp = await Promise.race([
    sync.caughtUp().then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), left) })
  ]).finally(() => clearTimeout(timer))
  if (!caughtUp) ctx.status(`echodb: not caught up within ${seconds(timeoutMs)} (${formatProgress(sync.progress())}); using what arrived`)
  return caughtUp
}

/** True when some connected peer holds all of `feed` (contiguously). An empty feed is trivially held. */
export function peerHas (feed: Feed): boolean {
  const length = feed.length
  if (length === 0) return true
  for (const peer of feed.core.peers) if (peer.remoteContiguousLength >= length) return true
  return false
}

/** The party's feeds that this store holds. */
export function partyFeeds (echo: ECHO, party: Party): Feed[] {
  const feeds = new Map<string, Feed>()
  feeds.set(party.ownFeed.id, party.ownFeed)
  for (const info of party.partyState.listFeeds()) {
    const feed = echo.feedStore.getFeed(info.feedKey)
    if (feed !== undefined) feeds.set(feed.id, feed)
  }
  return [...feeds.values()]
}

/**
 * Waits until a connected peer holds every block of `feeds` (e.g. our writes, before a one-shot command exits).
 * Returns false when that did not happen within the time.
 */
export async function pushFeeds (ctx: Context, feeds: readonly Feed[], timeoutMs: number): Promise<boolean> {
  return await waitUntil(() => feeds.every(peerHas), timeoutMs, ctx.signal)
}

export function seconds (ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`
}

/** Prints sync progress at most every `intervalMs`, and always the last state when flushed. */
export class ProgressPrinter {
  private _last = 0
  private _pending: SyncProgress | undefined
  private _printed = ''

  constructor (private readonly _print: (progress: SyncProgress) => void, private readonly _intervalMs = 500) {}

  update (progress: SyncProgress): void {
    this._pending = progress
    const now = Date.now()
    if (now - this._last >= this._intervalMs) this.flush()
  }

  flush (): void {
    const progress = this._pending
    this._pending = undefined
    if (progress === undefined) return
    const key = `${progress.processed}/${progress.known}/${progress.peers}`
    if (key === this._printed) return
    this._printed = key
    this._last = Date.now()
    this._print(progress)
  }
}
