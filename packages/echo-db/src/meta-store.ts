import debug from 'debug'
import type { Level } from 'level'
import { EchoError } from '@echodb/feed-store'

const log = debug('echo:echo-db:meta-store')

/** What this instance remembers about one party between runs. Keys are lowercase hex. */
export interface PartyRecord {
  partyKey: string
  /** Our own writable feed in this party. */
  writableFeedKey: string
  /** Feed that holds the party genesis (the creator's first feed). */
  genesisFeedKey: string
  /** Every feed of the party we know of (admitted or announced to us), in the order we learned them. */
  feedKeys: string[]
  /** Closed parties are not opened (nor processed) at start-up. */
  open: boolean
  createdAt: number
}

export class MetaStoreError extends EchoError {}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * MetaStore: parties, their feeds, our writable feed per party, and settings, in level (JSON values under
 * `party!<key>` and `setting!<name>`). Every change is one atomic put, so a crash leaves the old or the new record.
 * Changes to one party's record run one after another (each reads the record the previous one wrote), so two at
 * once, e.g. two feeds learned together, cannot overwrite each other.
 */
export class MetaStore {
  private readonly _db
  /** Per party key, the last queued change of its record. */
  private readonly _queues = new Map<string, Promise<unknown>>()

  constructor (root: Level<string, string>) {
    this._db = root.sublevel<string, unknown>('meta', { valueEncoding: 'json' })
  }

  async listParties (): Promise<PartyRecord[]> {
    const records: PartyRecord[] = []
    for await (const value of this._db.values({ gt: 'party!', lt: 'party!~' })) records.push(value as PartyRecord)
    return records
  }

  async getParty (partyKey: string): Promise<PartyRecord | undefined> {
    return await this._db.get(`party!${partyKey}`) as PartyRecord | undefined
  }

  async addParty (record: PartyRecord): Promise<void> {
    await this._serial(record.partyKey, async () => {
      if (await this.getParty(record.partyKey) !== undefined) {
        throw new MetaStoreError('PARTY_EXISTS', `party ${record.partyKey} is already in the MetaStore`)
      }
      log('add party %s', record.partyKey)
      await this._db.put(`party!${record.partyKey}`, record)
    })
  }

  /** Forgets a party (its feeds and snapshot are not touched). */
  async removeParty (partyKey: string): Promise<void> {
    await this._serial(partyKey, async () => await this._db.del(`party!${partyKey}`))
  }

  /** Records a feed of the party; returns false when it was already known. */
  async addFeed (partyKey: string, feedKey: string): Promise<boolean> {
    return await this._serial(partyKey, async () => {
      const record = await this._requireParty(partyKey)
      if (record.feedKeys.includes(feedKey)) return false
      record.feedKeys.push(feedKey)
      await this._db.put(`party!${partyKey}`, record)
      return true
    })
  }

  async setPartyOpen (partyKey: string, open: boolean): Promise<void> {
    await this._serial(partyKey, async () => {
      const record = await this._requireParty(partyKey)
      if (record.open === open) return
      record.open = open
      await this._db.put(`party!${partyKey}`, record)
    })
  }

  async getSetting<T extends JsonValue> (name: string): Promise<T | undefined> {
    return await this._db.get(`setting!${name}`) as T | undefined
  }

  async setSetting (name: string, value: JsonValue): Promise<void> {
    await this._db.put(`setting!${name}`, value)
  }

  /** Runs `change` after every change of `partyKey`'s record queued before it (whether those failed or not). */
  private async _serial<T> (partyKey: string, change: () => Promise<T>): Promise<T> {
    const previous = this._queues.get(partyKey) ?? Promise.resolve()
    const result = previous.then(change, change)
    const settled = result.catch(() => {})
    this._queues.set(partyKey, settled)
    // The queue forgets a party once its last change is done.
    void settled.then(() => { if (this._queues.get(partyKey) === settled) this._queues.delete(partyKey) })
    return await result
  }

  private async _requireParty (partyKey: string): Promise<PartyRecord> {
    const record = await this.getParty(partyKey)
    if (record === undefined) throw new MetaStoreError('UNKNOWN_PARTY', `no party ${partyKey} in the MetaStore`)
    return record
  }
}
