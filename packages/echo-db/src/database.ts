import debug from 'debug'
import type { echo } from '@echodb/proto'
import {
  compareOrder, DormantModel, ModelError, ObjectModel, Reference, valuesEqual,
  type AnyModel, type ModelFactory, type ModelType, type MutationMeta, type OrderStamp, type PropertyValue
} from '@echodb/models'
import { DatabaseError, type RejectionReason } from './errors'
import { Item, type ItemHost, type ItemLinkEnds } from './item'
import { ITEM_ID, itemIdProblem, newItemId } from './item-id'
import { ResultSet } from './result-set'

const log = debug('echo:echo-db:database')

/** What the database needs from its party. */
export interface DatabaseContext {
  readonly partyKey: Uint8Array
  readonly factory: ModelFactory
  /** Our own feed of the party, which `write` appends to: models whose mutations name their author need it. */
  readonly feedKey: Uint8Array
  /** Appends the envelopes in one block; resolves once that block has been processed locally. */
  write (messages: echo.IEnvelope[]): Promise<void>
  /** Another open party's database, to resolve references across parties. */
  database (partyKey: Uint8Array): Database | undefined
}

/** Where a processed item message came from. `feedId` is the hex of meta.feedKey, computed once per block. */
export interface ItemMessageMeta extends MutationMeta {
  readonly feedId: string
  /** True in the party's genesis block (block 0 of the genesis feed): the one place a system item is created. */
  readonly inGenesisBlock?: boolean
}

/** A rejected item message: counted and reported by the party. */
export interface ItemRejection {
  reason: RejectionReason
  detail: string
  itemId?: string
}

export interface CreateItemOptions<M extends AnyModel> {
  /** The model type (default: ObjectModel). Must be registered with the ECHO instance's ModelFactory. */
  model?: ModelType<M> | string
  /** The application's type for the item, used by `select({ type })`. */
  type?: string
  parent?: Item | string
  /** Initial properties (ObjectModel only): written in the same block as the genesis. */
  props?: Record<string, PropertyValue>
  /** Makes the item a link from `source` to `target`. */
  link?: { source: Item | string, target: Item | string }
}

export interface ItemQuery {
  /** Only items of this application type (served from an index, not a scan). */
  type?: string
  /** Only children of this item; `null` for top-level items. */
  parent?: Item | string | null
  /** ObjectModel property equality (`{ done: false }`) or a predicate. */
  where?: Record<string, PropertyValue> | ((item: Item) => boolean)
  /** Include soft-deleted items (default false). */
  deleted?: boolean
}

function idOf (item: Item | string): string {
  return typeof item === 'string' ? item : item.id
}

function addTo<K, V> (index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key)
  if (set === undefined) index.set(key, set = new Set())
  set.add(value)
}

function removeFrom<K, V> (index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key)
  if (set === undefined) return
  set.delete(value)
  if (set.size === 0) index.delete(key)
}

function byCreation (items: Item[]): Item[] {
  for (let i = 1; i < items.length; i++) {
    if (compareOrder(items[i - 1].genesis.created, items[i].genesis.created) > 0) {
      return items.sort((a, b) => compareOrder(a.genesis.created, b.genesis.created))
    }
  }
  return items
}

/**
 * The items of one party: creation and queries for apps, and the processing side that the PartyProcessor drives
 * (one item message at a time, then `endBatch()` once per block so live queries update once per block).
 */
export class Database implements ItemHost {
  private readonly _items = new Map<string, Item>()
  private readonly _byType = new Map<string, Set<Item>>()
  private readonly _byParent = new Map<string, Set<Item>>()
  private readonly _dormantByUrl = new Map<string, Set<Item>>()
  private _touched = new Set<Item>()
  private readonly _listeners = new Set<(touched: ReadonlySet<Item<any>>) => void>()
  private _systemItem: Item | undefined
  private readonly _unregister: () => void
  /** One writer for every item's model: the model hands back its owner, the item id (no closure per item). */
  private readonly _modelWriter = async (mutation: Uint8Array, owner: unknown): Promise<void> =>
    await this._context.write([{ item: { itemId: owner as string, mutation: { model: mutation } } }])
  /** Item and model types repeat across items: one string each, not one per message (bounded). */
  private readonly _strings = new Map<string, string>()

  constructor (private readonly _context: DatabaseContext, private readonly _onRevived?: (item: Item, rejected: number) => void) {
    this._unregister = _context.factory.onRegister((type) => this._revive(type.url))
  }

  get size (): number {
    return this._items.size
  }

  /** The party's system item (holds the party properties), once processed. */
  get systemItem (): Item<ObjectModel> | undefined {
    return this._systemItem as Item<ObjectModel> | undefined
  }

  getItem<M extends AnyModel = AnyModel> (id: string): Item<M> | undefined {
    return this._items.get(id) as Item<M> | undefined
  }

  /** Every item, system item and deleted ones included, in creation order. */
  get items (): readonly Item[] {
    return byCreation([...this._items.values()])
  }

  childrenOf (id: string): readonly Item[] {
    const set = this._byParent.get(id)
    return set === undefined ? [] : byCreation([...set].filter((item) => !item.deleted && this.parentIdOf(item) === id))
  }

  /**
   * The parent of `item` as apps see it. Each move is checked against the tree its author saw, but two concurrent
   * moves (A under B here, B under A there) can still record a cycle. Every peer records the same parents and
   * stamps, so every peer breaks it the same way: in a cycle, the item whose move has the highest order stamp sits
   * at the top level (its move still counts for later comparisons); every other item keeps its recorded parent.
   */
  parentIdOf (item: Item): string {
    const recorded = item.recordedParentId
    if (recorded === '') return ''
    const cycle = this._cycleThrough(item)
    if (cycle === undefined) return recorded
    // A parent named at creation has no move stamp: the creation's stamp stands in (a hostile peer can close a
    // cycle through one; honest writers cannot, since they check moves against what they have seen).
    const stampOf = (member: Item): OrderStamp => member.parentStamp ?? member.genesis.created
    let latest = item
    for (const member of cycle) {
      if (compareOrder(stampOf(member), stampOf(latest)) > 0) latest = member
    }
    return latest === item ? '' : recorded
  }

  /** The items of the cycle of recorded parents through `item`, if it is on one (depth-bounded walk). */
  private _cycleThrough (item: Item): Item[] | undefined {
    const path: Item[] = []
    const seen = new Set<Item>()
    for (let at: Item | undefined = item; at !== undefined; at = this._items.get(at.recordedParentId)) {
      if (at === item && path.length > 0) return path
      if (seen.has(at)) return undefined // a cycle further up, not through `item`
      seen.add(at)
      path.push(at)
      if (at.recordedParentId === '') return undefined
    }
    return undefined
  }

  /** A live result set of the items matching `query`, in creation order. The system item is never included. */
  select<M extends AnyModel = AnyModel> (query: ItemQuery = {}): ResultSet<Item<M>> {
    return new ResultSet(() => this._query(query) as Array<Item<M>>, (callback) => {
      this._listeners.add(callback)
      return () => this._listeners.delete(callback)
    })
  }

  /** Resolves a reference held in a property: an item of this party, or of another open party. */
  resolve (reference: Reference): Item | undefined {
    const partyKey = reference.partyKey
    if (partyKey === undefined || Buffer.from(partyKey).equals(Buffer.from(this._context.partyKey))) {
      return this.getItem(reference.itemId)
    }
    return this._context.database(partyKey)?.getItem(reference.itemId)
  }

  /** A reference to `item` to store in a property; it names the party when the item is in another one. */
  createReference (item: Item, partyKey?: Uint8Array): Reference {
    const other = partyKey !== undefined && !Buffer.from(partyKey).equals(Buffer.from(this._context.partyKey))
    return new Reference(item.id, other ? partyKey : undefined)
  }

  /**
   * Creates an item: its genesis and initial properties are written in one block. Resolves with the item once
   * that block has been processed locally.
   */
  async createItem<M extends AnyModel = ObjectModel> (options: CreateItemOptions<M> = {}): Promise<Item<M>> {
    const messages = this.buildItem(options, false)
    await this._context.write(messages)
    const id = messages[0].item?.itemId as string
    const item = this._items.get(id)
    if (item === undefined) throw new DatabaseError('ITEM_NOT_CREATED', `item ${id} was written but not created (see the party's 'rejected' event)`)
    return item as Item<M>
  }

  /** Creates a link item from `source` to `target`; it has a model (ObjectModel by default) like any item. */
  async createLink<M extends AnyModel = ObjectModel> (source: Item | string, target: Item | string, options: Omit<CreateItemOptions<M>, 'link'> = {}): Promise<Item<M>> {
    return await this.createItem({ ...options, link: { source, target } })
  }

  /** The envelopes that create an item. */
  buildItem<M extends AnyModel> (options: CreateItemOptions<M>, system: boolean): echo.IEnvelope[] {
    return buildItemEnvelopes(this._context.factory, this._context.feedKey, options, system)
  }

  async writeChange (item: Item, change: { deleted: boolean } | { parentId: string }): Promise<void> {
    if ('parentId' in change && change.parentId !== '') {
      if (!ITEM_ID.test(change.parentId)) throw new DatabaseError('INVALID_ARGUMENT', `parent ${change.parentId} is not an item id`)
      if (this._wouldCycle(item.id, change.parentId)) {
        throw new DatabaseError('INVALID_ARGUMENT', `moving ${item.id} under ${change.parentId} would make a cycle`)
      }
    }
    await this._context.write([{ item: { itemId: item.id, mutation: { change } } }])
  }

  // --- processing: called by the PartyProcessor, in causal order ---

  /** Applies one item message. Returns a rejection (state unchanged) or undefined. Never throws on bad input. */
  process (message: echo.IItemMessage, meta: ItemMessageMeta): ItemRejection | undefined {
    const itemId = message.itemId
    if (typeof itemId !== 'string' || !ITEM_ID.test(itemId)) {
      return { reason: 'INVALID_ITEM_ID', detail: `item id ${JSON.stringify(itemId)} is not 32 lowercase hex characters` }
    }
    if (message.genesis !== undefined && message.genesis !== null) return this._processGenesis(itemId, message.genesis, meta)
    if (message.mutation !== undefined && message.mutation !== null) return this._processMutation(itemId, message.mutation, meta)
    return { reason: 'INVALID_ITEM_MESSAGE', detail: 'item message has neither genesis nor mutation', itemId }
  }

  /** Tells live queries about the items processed since the last call. */
  endBatch (): void {
    if (this._touched.size === 0) return
    const touched = this._touched
    this._touched = new Set()
    for (const listener of [...this._listeners]) listener(touched)
  }

  close (): void {
    this._unregister()
    this._listeners.clear()
  }

  private _processGenesis (itemId: string, genesis: echo.IItemGenesis, meta: ItemMessageMeta): ItemRejection | undefined {
    const foreign = itemIdProblem(itemId, meta.feedId)
    if (foreign !== undefined) return { reason: 'INVALID_ITEM_ID', detail: foreign, itemId }
    if (this._items.has(itemId)) return { reason: 'DUPLICATE_ITEM', detail: `item ${itemId} already exists`, itemId }
    const url = genesis.modelType ?? ''
    if (url === '') return { reason: 'INVALID_ITEM_MESSAGE', detail: 'genesis names no model type', itemId }
    const parentId = genesis.parentId ?? ''
    if (parentId !== '' && !ITEM_ID.test(parentId)) return { reason: 'INVALID_ITEM_MESSAGE', detail: `parent ${parentId} is not an item id`, itemId }
    let link: ItemLinkEnds | undefined
    if (genesis.link !== undefined && genesis.link !== null) {
      const { sourceId = '', targetId = '' } = genesis.link
      if (!ITEM_ID.test(sourceId ?? '') || !ITEM_ID.test(targetId ?? '')) {
        return { reason: 'INVALID_ITEM_MESSAGE', detail: 'link ends are not item ids', itemId }
      }
      link = { sourceId: sourceId as string, targetId: targetId as string }
    }
    const system = genesis.system === true
    // Created in one block only, which every peer reads as the first of its feed: no two can compete.
    if (system && meta.inGenesisBlock !== true) {
      return { reason: 'INVALID_ITEM_MESSAGE', detail: 'a system item is created only in the party\'s genesis block', itemId }
    }
    if (system && this._systemItem !== undefined) {
      return { reason: 'DUPLICATE_ITEM', detail: `the party already has a system item (${this._systemItem.id})`, itemId }
    }
    const item = this._newItem({
      id: itemId,
      modelType: this._intern(url),
      modelVersion: genesis.modelVersion ?? 0,
      type: this._intern(genesis.itemType ?? ''),
      link,
      system,
      creator: meta.identityKey,
      created: meta.order
    }, parentId)
    if (system) this._systemItem = item
    this._touched.add(item)
    return undefined
  }

  private _processMutation (itemId: string, mutation: echo.IItemMutation, meta: ItemMessageMeta): ItemRejection | undefined {
    const item = this._items.get(itemId)
    if (item === undefined) return { reason: 'UNKNOWN_ITEM', detail: `no item ${itemId}`, itemId }
    const change = mutation.change
    const modelBytes = mutation.model
    const hasModel = modelBytes !== undefined && modelBytes !== null && modelBytes.length > 0
    const hasChange = change !== undefined && change !== null
    if (!hasModel && !hasChange) return { reason: 'INVALID_ITEM_MESSAGE', detail: 'mutation changes nothing', itemId }
    if (hasChange && typeof change.parentId === 'string' && change.parentId !== '' && !ITEM_ID.test(change.parentId)) {
      return { reason: 'INVALID_ITEM_MESSAGE', detail: `parent ${change.parentId} is not an item id`, itemId }
    }
    if (hasModel) {
      try {
        if (item.encodedModel.processEncoded(modelBytes, meta)) this._touched.add(item)
      } catch (err) {
        const detail = err instanceof ModelError ? `${err.code}: ${err.message}` : String(err)
        return { reason: 'MUTATION_REJECTED', detail, itemId }
      }
    }
    if (hasChange) this._applyChange(item, change, meta.order)
    return undefined
  }

  private _applyChange (item: Item, change: echo.IItemFieldChange, stamp: OrderStamp): void {
    if (typeof change.deleted === 'boolean') {
      if (item.applyDeleted(change.deleted, stamp)) this._touchWithParent(item)
    } else if (typeof change.parentId === 'string') {
      // A move that would make a cycle (two concurrent moves can) is still recorded, so that every peer agrees on
      // the winning stamp; `parent` then reads through `getItem` and apps see the cycle-free view below.
      const previous = item.applyParent(change.parentId, stamp)
      if (previous !== undefined) {
        if (previous !== '') removeFrom(this._byParent, previous, item)
        if (change.parentId !== '') addTo(this._byParent, change.parentId, item)
        this._touched.add(item)
        // Closing (or opening) a cycle can move another item of it to or from the top level.
        for (const member of this._cycleThrough(item) ?? []) this._touched.add(member)
      }
    }
  }

  private _touchWithParent (item: Item): void {
    this._touched.add(item)
    const parent = item.parent
    if (parent !== undefined) this._touched.add(parent)
  }

  private _newItem (genesis: Item['genesis'], parentId: string): Item {
    const model = this._context.factory.open(genesis.modelType, genesis.modelVersion, { writer: this._modelWriter, owner: genesis.id, feedKey: this._context.feedKey })
    const item = new Item(this, genesis, parentId, model)
    this._items.set(genesis.id, item)
    addTo(this._byType, genesis.type, item)
    if (parentId !== '') addTo(this._byParent, parentId, item)
    if (model instanceof DormantModel) {
      log('item %s is dormant: %s', genesis.id, model.message)
      addTo(this._dormantByUrl, genesis.modelType, item)
    }
    return item
  }

  private _intern (value: string): string {
    const known = this._strings.get(value)
    if (known !== undefined) return known
    // Bounded: a writer inventing types cannot grow this table without limit (past it, strings are just not shared).
    if (this._strings.size < 10_000) this._strings.set(value, value)
    return value
  }

  /** Gives dormant items of `url` their live model now that it is registered. */
  private _revive (url: string): void {
    const dormant = this._dormantByUrl.get(url)
    if (dormant === undefined) return
    for (const item of [...dormant]) {
      const holder = item.encodedModel as DormantModel
      let revived
      try {
        revived = this._context.factory.revive(holder, { writer: this._modelWriter, owner: item.id, feedKey: this._context.feedKey })
      } catch (err) {
        log('item %s stays dormant: %s', item.id, (err as Error).message)
        continue
      }
      item.replaceModel(revived.model)
      item.savedRevision = -1
      removeFrom(this._dormantByUrl, url, item)
      this._touched.add(item)
      this._onRevived?.(item, revived.rejected.length)
    }
    this.endBatch()
  }

  private _wouldCycle (itemId: string, parentId: string): boolean {
    const seen = new Set<string>()
    for (let at: string | undefined = parentId; at !== undefined && at !== ''; at = this._items.get(at)?.parentId) {
      if (at === itemId || seen.has(at)) return true
      seen.add(at)
    }
    return false
  }

  private _query (query: ItemQuery): Item[] {
    let candidates: Iterable<Item>
    const parentId = query.parent === undefined ? undefined : query.parent === null ? '' : idOf(query.parent)
    if (query.type !== undefined) {
      candidates = this._byType.get(query.type) ?? []
    } else if (parentId !== undefined && parentId !== '') {
      candidates = this._byParent.get(parentId) ?? []
    } else {
      candidates = this._items.values()
    }
    const where = query.where
    const result: Item[] = []
    for (const item of candidates) {
      if (item.genesis.system) continue
      if (item.deleted && query.deleted !== true) continue
      if (parentId !== undefined && (item.parentId ?? '') !== parentId) continue
      if (where !== undefined && !matches(item, where)) continue
      result.push(item)
    }
    return byCreation(result)
  }

  // --- snapshots ---

  /** Items changed since they were last saved (all items when `all`). */
  changedItems (all: boolean): Item[] {
    const changed: Item[] = []
    for (const item of this._items.values()) {
      if (all || item.fieldsDirty || item.savedRevision !== item.encodedModel.revision) changed.push(item)
    }
    return changed
  }

  /** Recreates an item from a snapshot record (the ItemStore decodes it). */
  restoreItem (record: RestoredItem): void {
    const genesis = { ...record.genesis, modelType: this._intern(record.genesis.modelType), type: this._intern(record.genesis.type) }
    const item = this._newItem(genesis, record.parentId)
    item.restoreFields(record)
    const model = item.encodedModel
    if (record.dormantSnapshot !== undefined) {
      if (model instanceof DormantModel) {
        model.restoreEncoded(record.dormantSnapshot)
      } else {
        // The model was registered since the snapshot: rebuild the holder, then revive it.
        const holder = new DormantModel(record.genesis.modelType, record.genesis.modelVersion, 'UNKNOWN_MODEL')
        holder.restoreEncoded(record.dormantSnapshot)
        item.replaceModel(this._context.factory.revive(holder, { writer: this._modelWriter, owner: item.id, feedKey: this._context.feedKey }).model)
      }
    } else if (record.modelSnapshot !== undefined) {
      if (model instanceof DormantModel) model.adoptModelSnapshot(record.modelSnapshot)
      else model.restoreEncoded(record.modelSnapshot)
    }
    item.savedRevision = item.encodedModel.revision
    item.fieldsDirty = false
    if (record.genesis.system) this._systemItem = item
  }
}

/**
 * The envelopes that create an item on feed `feedKey` (the id is in that feed's id space): its genesis and, with
 * `props`, an ObjectModel mutation. Validates the options (DatabaseError naming the bad input). The party writes its
 * system item with the genesis block this way.
 */
export function buildItemEnvelopes<M extends AnyModel> (factory: ModelFactory, feedKey: Uint8Array, options: CreateItemOptions<M>, system: boolean): echo.IEnvelope[] {
  const modelType = options.model ?? ObjectModel.type
  const url = typeof modelType === 'string' ? modelType : modelType.url
  const type = factory.get(url)
  if (type === undefined) throw new DatabaseError('UNKNOWN_MODEL', `model type ${url} is not registered with this ECHO instance`)
  if (typeof modelType !== 'string' && type !== modelType) {
    throw new DatabaseError('UNKNOWN_MODEL', `another model type is registered under ${url}`)
  }
  if (options.type !== undefined && typeof options.type !== 'string') {
    throw new DatabaseError('INVALID_ARGUMENT', `item type must be a string, got ${typeof options.type}`)
  }
  const parentId = options.parent === undefined ? '' : idOf(options.parent)
  if (parentId !== '' && !ITEM_ID.test(parentId)) throw new DatabaseError('INVALID_ARGUMENT', `parent ${parentId} is not an item id`)
  let link: echo.IItemLink | undefined
  if (options.link !== undefined) {
    link = { sourceId: idOf(options.link.source), targetId: idOf(options.link.target) }
    if (!ITEM_ID.test(link.sourceId ?? '') || !ITEM_ID.test(link.targetId ?? '')) {
      throw new DatabaseError('INVALID_ARGUMENT', `link ends ${String(link.sourceId)} -> ${String(link.targetId)} are not item ids`)
    }
  }
  const itemId = newItemId(feedKey)
  const messages: echo.IEnvelope[] = [{
    item: { itemId, genesis: { modelType: url, modelVersion: type.version, itemType: options.type ?? '', parentId, link, system } }
  }]
  if (options.props !== undefined && Object.keys(options.props).length > 0) {
    if (url !== ObjectModel.type.url) throw new DatabaseError('INVALID_ARGUMENT', `props are for ObjectModel items, not ${url}`)
    let encoded: Uint8Array
    try {
      encoded = ObjectModel.encodeProps(options.props)
    } catch (err) {
      throw new DatabaseError('INVALID_ARGUMENT', `props of the new item are invalid: ${(err as Error).message}`, { cause: err })
    }
    messages.push({ item: { itemId, mutation: { model: encoded } } })
  }
  return messages
}

/** An item as an ItemSnapshot record describes it. */
export interface RestoredItem {
  genesis: Item['genesis']
  parentId: string
  parentStamp?: OrderStamp
  deleted: boolean
  deletedStamp?: OrderStamp
  modelSnapshot?: Uint8Array
  dormantSnapshot?: Uint8Array
}

function matches (item: Item, where: NonNullable<ItemQuery['where']>): boolean {
  if (typeof where === 'function') return where(item)
  if (item.dormant !== undefined || !(item.encodedModel instanceof ObjectModel)) return false
  const model = item.encodedModel
  for (const key of Object.keys(where)) {
    if (!valuesEqual(model.get([key]) ?? null, where[key])) return false
  }
  return true
}
