import { compareOrder, DormantModel, type AnyModel, type EncodedModel, type OrderStamp } from '@echodb/models'
import { DatabaseError } from './errors'

/** The database operations an item needs; the Database implements them. */
export interface ItemHost {
  getItem (id: string): Item | undefined
  childrenOf (id: string): readonly Item[]
  /** The parent apps see: the recorded one, unless concurrent moves closed a cycle through this item (see Database). */
  parentIdOf (item: Item): string
  writeChange (item: Item, change: { deleted: boolean } | { parentId: string }): Promise<void>
}

export interface ItemLinkEnds {
  readonly sourceId: string
  readonly targetId: string
}

/** What an item's genesis fixed: never changes after creation. */
export interface ItemGenesisFields {
  readonly id: string
  readonly modelType: string
  readonly modelVersion: number
  readonly type: string
  readonly link: ItemLinkEnds | undefined
  readonly system: boolean
  /** Identity key of the creator. */
  readonly creator: Uint8Array
  /** Order stamp of the genesis: items are listed in this order. */
  readonly created: OrderStamp
}

/**
 * One database object. Its content lives in `model` (e.g. an ObjectModel: `item.model.set('title', 'x')`); the
 * item itself has a type, a parent (a DAG of items), an optional link (source -> target), and a soft-delete flag.
 * Parent and deleted are last-writer-wins by order stamp. Items are kept lean: a party may hold 100k of them.
 */
export class Item<M extends AnyModel = AnyModel> {
  private _parentId: string
  private _parentStamp: OrderStamp | undefined = undefined
  private _deleted = false
  private _deletedStamp: OrderStamp | undefined = undefined
  /** Model revision when the item was last saved in a snapshot, and whether item fields changed since. */
  savedRevision = -1
  fieldsDirty = true

  constructor (
    private readonly _host: ItemHost,
    readonly genesis: ItemGenesisFields,
    parentId: string,
    private _model: M | DormantModel
  ) {
    this._parentId = parentId
  }

  get id (): string { return this.genesis.id }
  /** The application's type for this item (may be ''). */
  get type (): string { return this.genesis.type }
  get modelType (): string { return this.genesis.modelType }
  get link (): ItemLinkEnds | undefined { return this.genesis.link }
  get creator (): Uint8Array { return this.genesis.creator }

  /** The item's model. Throws for a dormant item (see `dormant`): its model type is unknown or unreadable. */
  get model (): M {
    const model = this._model
    if (model instanceof DormantModel) {
      throw new DatabaseError('ITEM_DORMANT', `item ${this.id} is dormant: ${model.message}`)
    }
    return model
  }

  /** Why the item has no live model (model type not registered, or a version it cannot read), or undefined. */
  get dormant (): { reason: string, message: string } | undefined {
    const model = this._model
    return model instanceof DormantModel ? { reason: model.reason, message: model.message } : undefined
  }

  /** The model or the dormant holder: what processing and snapshots talk to. */
  get encodedModel (): EncodedModel {
    return this._model
  }

  /** The parent's id (undefined at the top level). Concurrent moves can record a cycle; it is broken here (Database). */
  get parentId (): string | undefined {
    const id = this._host.parentIdOf(this)
    return id === '' ? undefined : id
  }

  /** The parent the latest move recorded ('' for none), cycle or not: what snapshots keep. */
  get recordedParentId (): string { return this._parentId }

  get parent (): Item | undefined {
    const id = this._host.parentIdOf(this)
    return id === '' ? undefined : this._host.getItem(id)
  }

  get children (): readonly Item[] { return this._host.childrenOf(this.id) }
  get deleted (): boolean { return this._deleted }
  get parentStamp (): OrderStamp | undefined { return this._parentStamp }
  get deletedStamp (): OrderStamp | undefined { return this._deletedStamp }

  /** For a link item: the source and target items when present. */
  get source (): Item | undefined { return this.link === undefined ? undefined : this._host.getItem(this.link.sourceId) }
  get target (): Item | undefined { return this.link === undefined ? undefined : this._host.getItem(this.link.targetId) }

  /** Soft delete: the item stays (and can be restored) but queries leave it out unless asked. */
  async delete (): Promise<void> { await this._host.writeChange(this, { deleted: true }) }
  async restore (): Promise<void> { await this._host.writeChange(this, { deleted: false }) }

  /** Moves the item under `parent` (undefined: top level). */
  async setParent (parent: Item | string | undefined): Promise<void> {
    const parentId = parent === undefined ? '' : typeof parent === 'string' ? parent : parent.id
    await this._host.writeChange(this, { parentId })
  }

  /** Applies a processed change if it is newer than the last one; returns whether anything changed. */
  applyDeleted (deleted: boolean, stamp: OrderStamp): boolean {
    if (this._deletedStamp !== undefined && compareOrder(stamp, this._deletedStamp) <= 0) return false
    this._deletedStamp = stamp
    this.fieldsDirty = true
    if (this._deleted === deleted) return false
    this._deleted = deleted
    return true
  }

  /** Returns the previous parent id when the parent changed, else undefined. */
  applyParent (parentId: string, stamp: OrderStamp): string | undefined {
    if (this._parentStamp !== undefined && compareOrder(stamp, this._parentStamp) <= 0) return undefined
    this._parentStamp = stamp
    this.fieldsDirty = true
    if (this._parentId === parentId) return undefined
    const previous = this._parentId
    this._parentId = parentId
    return previous
  }

  /** Restores fields from a snapshot record. */
  restoreFields (fields: { parentId: string, parentStamp?: OrderStamp, deleted: boolean, deletedStamp?: OrderStamp }): void {
    this._parentId = fields.parentId
    this._parentStamp = fields.parentStamp
    this._deleted = fields.deleted
    this._deletedStamp = fields.deletedStamp
  }

  /** Swaps a dormant holder for the live model once its type is registered. */
  replaceModel (model: M | DormantModel): void {
    this._model = model
  }
}
