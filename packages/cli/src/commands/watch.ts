import type { Item, Party } from '@echodb/echo-db'
import type { Command, Context } from '../command'
import { hex, itemContent, itemRecord, partyLabel, plural, shortId } from '../format'
import { aborted } from '../io'
import { partySync, type SyncProgress } from '../network'
import { formatProgress, openEcho, pullParty, ProgressPrinter, pushFeeds, seconds, syncTimeout } from '../online'
import { resolveParty } from '../resolve'
import { toJson } from '../values'

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

  properties (): void {
    const revision = this._revisionOfProperties()
    if (revision === this._propertiesRevision) return
    this._propertiesRevision = revision
    const properties = toJson(this._party.properties.toObject())
    if (this._ctx.json) this._ctx.outJson({ event: 'party', id: this._party.id, properties })
    else this._ctx.out(`party ${shortId(this._party.id)}  ${JSON.stringify(properties)}`)
  }

  members (): void {
    for (const member of this._party.members.value) {
      const key = hex(member.identityKey)
      const before = this._members.get(key)
      const now = memberSeen(member)
      if (before !== undefined && before.role === now.role && before.displayName === now.displayName && before.removed === now.removed) continue
      this._members.set(key, now)
      const change = before === undefined ? 'joined' : now.removed && !before.removed ? 'removed' : 'changed'
      if (this._ctx.json) {
        this._ctx.outJson({ event: 'member', change, identityKey: key, role: now.role, displayName: now.displayName })
      } else {
        this._ctx.out(`member ${shortId(key)}  ${now.displayName ?? '(no name)'} ${change === 'changed' ? `is now ${now.role}` : `${change} (${now.role})`}`)
      }
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
      const sync = partySync(party)
      const changes = new ChangePrinter(ctx, party)
      const items = party.database.select({ deleted: true })
      const summary = `${plural(items.value.filter((item) => !item.deleted).length, 'item')}, ${plural(party.members.value.filter((m) => !m.removed).length, 'member')}`
      if (ctx.json) ctx.outJson({ event: 'watching', id: party.id, ...syncFields(sync.progress()) })
      else ctx.out(`watching party ${partyLabel(party)}: ${summary} (Ctrl-C to stop)`)

      const printer = new ProgressPrinter((progress) => {
        if (ctx.json) ctx.outJson({ event: 'sync', ...syncFields(progress) })
        else ctx.out(formatProgress(progress))
      })
      const onProgress = (progress: SyncProgress): void => printer.update(progress)
      const onCaughtUp = (): void => {
        printer.flush()
        const progress = sync.progress()
        if (ctx.json) ctx.outJson({ event: 'caught-up', ...syncFields(progress) })
        else ctx.out(`caught up: ${progress.processed} blocks, ${plural(progress.peers, 'peer')}`)
      }
      sync.on('progress', onProgress)
      sync.on('caught-up', onCaughtUp)
      cleanup.push(() => { sync.off('progress', onProgress); sync.off('caught-up', onCaughtUp) })
      cleanup.push(items.subscribe((value) => changes.items(value)))
      const onTimeframe = (): void => changes.properties()
      const onMembers = (): void => changes.members()
      party.on('timeframe', onTimeframe)
      party.on('members', onMembers)
      cleanup.push(() => { party.off('timeframe', onTimeframe); party.off('members', onMembers) })

      await aborted(ctx.signal)
      printer.flush()
      ctx.status('echodb: stopping')
      return 0
    } finally {
      for (const fn of cleanup.reverse()) fn()
      await echo.close()
    }
  }
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
      const sync = partySync(party)
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
