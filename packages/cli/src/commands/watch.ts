import debug from 'debug'
import type { Item, Party } from '@echodb/echo-db'
import type { Command, Context } from '../command'
import { hex, itemContent, itemRecord, partyLabel, plural, shortId } from '../format'
import { aborted, sleep } from '../io'
import type { PartySync, SyncProgress } from '../network'
import { formatProgress, openEcho, pullParty, ProgressPrinter, pushFeeds, seconds, syncTimeout } from '../online'
import { resolveParty } from '../resolve'
import { toJson } from '../values'

const log = debug('echo:cli:watch')
const PEER_POLL_MS = 250

interface Seen {
  revision: number
  deleted: boolean
  parentId: string | undefined
}

interface MemberSeen {
  role: string
  displayName: string | null
  removed: boolean
}

/**
 * Prints what changes in a party: items created, changed, deleted or restored; the party's properties; members.
 * Compares cheap markers (model revision, flags) so that unchanged items are never serialised.
 */
class ChangePrinter {
  private readonly _items = new Map<string, Seen>()
  private readonly _members = new Map<string, MemberSeen>()
  private _propertiesRevision = -1

  constructor (private readonly _ctx: Context, private readonly _party: Party) {
    for (const item of _party.database.select({ deleted: true }).value) this._items.set(item.id, seen(item))
    for (const member of _party.members.value) this._members.set(hex(member.identityKey), memberSeen(member))
    this._propertiesRevision = this._revisionOfProperties()
  }

  items (items: readonly Item[]): void {
    for (const item of items) {
      const before = this._items.get(item.id)
      const now = seen(item)
      if (before !== undefined && before.revision === now.revision && before.deleted === now.deleted && before.parentId === now.parentId) continue
      this._items.set(item.id, now)
      const change = before === undefined
        ? 'created'
        : before.deleted !== now.deleted ? (now.deleted ? 'deleted' : 'restored') : 'changed'
      if (this._ctx.json) {
        this._ctx.outJson({ event: 'item', change, ...itemRecord(item) })
      } else {
        const mark = { created: '+', changed: '~', deleted: '-', restored: '+' }[change]
        this._ctx.out(`${mark} ${shortId(item.id)}  ${item.type}  ${change === 'deleted' ? '(deleted)' : itemContent(item)}`)
      }
    }
  }

  /** After a rebuild: items seen before that the party no longer has (written past their author's removal). */
  dropped (items: readonly Item[]): void {
    const present = new Set(items.map((item) => item.id))
    for (const id of [...this._items.keys()]) {
      if (present.has(id)) continue
      this._items.delete(id)
      if (this._ctx.json) this._ctx.outJson({ event: 'item', change: 'dropped', id })
      else this._ctx.out(`- ${shortId(id)}  (dropped: written after its author was removed)`)
    }
  }

  properties (): void {
    const revision = this._revisionOfProperties()
    if (revision === this._propertiesRevision) return
    this._propertiesRevision = revision
    const properties = toJson(this._party.properties.toObject())
    if (this._ctx.json) this._ctx.outJson({ event: 'party', id: this._party.id, properties })
    else this._ctx.out(`party ${shortId(this._party.id)}  ${JSON.stringify(properties)}`)
  }

  members (): void {
    const present = new Set<string>()
    for (const member of this._party.members.value) {
      const key = hex(member.identityKey)
      present.add(key)
      const before = this._members.get(key)
      const now = memberSeen(member)
      if (before !== undefined && before.role === now.role && before.displayName === now.displayName && before.removed === now.removed) continue
      this._members.set(key, now)
      this._member(before === undefined ? 'joined' : 'changed', key, now)
    }
    // party.members lists current members only: one that is gone was removed.
    for (const [key, before] of this._members) {
      if (present.has(key) || before.removed) continue
      const now = { ...before, removed: true }
      this._members.set(key, now)
      this._member('removed', key, now)
    }
  }

  private _member (change: 'joined' | 'changed' | 'removed', key: string, member: MemberSeen): void {
    if (this._ctx.json) {
      this._ctx.outJson({ event: 'member', change, identityKey: key, role: member.role, displayName: member.displayName })
    } else {
      this._ctx.out(`member ${shortId(key)}  ${member.displayName ?? '(no name)'} ${change === 'changed' ? `is now ${member.role}` : `${change} (${member.role})`}`)
    }
  }

  private _revisionOfProperties (): number {
    try {
      return this._party.properties.revision
    } catch {
      return -1
    }
  }
}

function seen (item: Item): Seen {
  return { revision: item.encodedModel.revision, deleted: item.deleted, parentId: item.parentId }
}

function memberSeen (member: { role: string, displayName: string | null, removed: boolean }): MemberSeen {
  return { role: member.role, displayName: member.displayName, removed: member.removed }
}

export const watch: Command = {
  words: ['watch'],
  usage: '<party>',
  summary: 'stay online with a party and print changes as they arrive, with sync progress, until Ctrl-C',
  options: ['bootstrap', 'host'],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const echo = await openEcho(ctx, true)
    const cleanup: Array<() => void> = []
    try {
      const party = await resolveParty(echo, ctx.args[0])
      const changes = new ChangePrinter(ctx, party)
      const items = party.database.select({ deleted: true })
      const summary = `${plural(items.value.filter((item) => !item.deleted).length, 'item')}, ${plural(party.members.value.filter((m) => !m.removed).length, 'member')}`
      if (ctx.json) ctx.outJson({ event: 'watching', id: party.id, ...syncFields(party.sync.progress()) })
      else ctx.out(`watching party ${partyLabel(party)}: ${summary} (Ctrl-C to stop)`)

      const printer = new ProgressPrinter((progress) => {
        if (ctx.json) ctx.outJson({ event: 'sync', ...syncFields(progress) })
        else ctx.out(formatProgress(progress))
      })
      // A party rebuilds itself (close, then open with a new database and sync) when a removal arrives after
      // blocks it cuts were applied: follow the party across that, printing what the rebuild changed.
      let detach = attach(party, changes, printer)
      let rebuilding = false
      const onClose = (): void => { detach(); detach = () => {}; rebuilding = true }
      const onOpen = (): void => {
        rebuilding = false
        detach()
        detach = attach(party, changes, printer)
        const now = party.database.select({ deleted: true }).value
        changes.dropped(now)
        changes.items(now)
        changes.members()
        changes.properties()
      }
      party.on('close', onClose)
      party.on('open', onOpen)
      cleanup.push(() => { party.off('close', onClose); party.off('open', onOpen); detach() })
      const following = followPeers(ctx, party, printer)
      // While the party replays, its members and properties pass through their history: print only the outcome.
      const onTimeframe = (): void => { if (!rebuilding) changes.properties() }
      const onMembers = (): void => { if (!rebuilding) changes.members() }
      party.on('timeframe', onTimeframe)
      party.on('members', onMembers)
      cleanup.push(() => { party.off('timeframe', onTimeframe); party.off('members', onMembers) })

      await aborted(ctx.signal)
      await following
      printer.flush()
      ctx.status('echodb: stopping')
      return 0
    } finally {
      for (const fn of cleanup.reverse()) fn()
      await echo.close()
    }
  }
}

/** Subscribes to the open party's items and sync progress; returns the function that unsubscribes. */
function attach (party: Party, changes: ChangePrinter, printer: ProgressPrinter): () => void {
  const sync = party.sync
  const onProgress = (progress: SyncProgress): void => printer.update(progress)
  sync.on('progress', onProgress)
  const unsubscribe = party.database.select({ deleted: true }).subscribe((value) => changes.items(value))
  return () => {
    sync.off('progress', onProgress)
    unsubscribe()
  }
}

/**
 * Whenever the number of connected peers changes, catches up with them and says so: "caught up" means everything
 * the connected peers have is processed here. An attempt is dropped (and started again) when peers come or go
 * meanwhile. Ends when the command is stopped.
 */
async function followPeers (ctx: Context, party: Party, printer: ProgressPrinter): Promise<void> {
  let peers = 0
  let said = ''
  while (!stopped(ctx)) {
    if (!party.isOpen) { // rebuilding
      await sleep(PEER_POLL_MS, ctx.signal)
      continue
    }
    const sync = party.sync
    const now = sync.progress().peers
    if (now !== peers) {
      peers = now
      if (now > 0 && await catchUp(ctx, sync, now)) {
        printer.flush()
        const progress = sync.progress()
        const key = `${progress.processed}/${progress.peers}`
        if (key !== said) {
          said = key
          if (ctx.json) ctx.outJson({ event: 'caught-up', ...syncFields(progress) })
          else ctx.out(`caught up: ${plural(progress.processed, 'block')}, ${plural(progress.peers, 'peer')}`)
        }
      }
      continue
    }
    await sleep(PEER_POLL_MS, ctx.signal)
  }
}

/** One attempt to catch up with `peers` peers; false when stopped or when the peers changed first. */
async function catchUp (ctx: Context, sync: PartySync, peers: number): Promise<boolean> {
  const attempt = new AbortController()
  const stop = (): void => attempt.abort()
  ctx.signal?.addEventListener('abort', stop, { once: true })
  const watcher = setInterval(() => { if (sync.progress().peers !== peers) attempt.abort() }, PEER_POLL_MS)
  try {
    await sync.caughtUp({ signal: attempt.signal })
    return !stopped(ctx)
  } catch (err) {
    if (!attempt.signal.aborted) log('catching up failed: %O', err)
    return false
  } finally {
    clearInterval(watcher)
    ctx.signal?.removeEventListener('abort', stop)
  }
}

function stopped (ctx: Context): boolean {
  return ctx.signal?.aborted === true
}

function syncFields (progress: SyncProgress): { known: number, processed: number, peers: number } {
  return { known: progress.known, processed: progress.processed, peers: progress.peers }
}

export const syncCommand: Command = {
  words: ['sync'],
  usage: '<party> [--timeout 15s]',
  summary: 'go online once: catch up with the peers, hand them your changes, exit',
  options: ['bootstrap', 'host', 'timeout'],
  args: { min: 1, max: 1 },
  async run (ctx: Context) {
    const timeout = syncTimeout(ctx)
    const echo = await openEcho(ctx, true)
    try {
      const party = await resolveParty(echo, ctx.args[0])
      const sync = party.sync
      const caughtUp = await pullParty(ctx, party, timeout)
      const pushed = caughtUp && await pushFeeds(ctx, [party.ownFeed], timeout)
      if (caughtUp && !pushed) ctx.status(`echodb: no peer took your changes within ${seconds(timeout)}`)
      const progress = sync.progress()
      if (ctx.json) ctx.outJson({ id: party.id, caughtUp, pushed, ...syncFields(progress) })
      else ctx.out(`${caughtUp && pushed ? 'in sync' : 'not fully in sync'}: ${formatProgress(progress).replace(/^sync: /, '')}`)
      return caughtUp && pushed ? 0 : 2
    } finally {
      await echo.close()
    }
  }
}
