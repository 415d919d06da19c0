import type { Codec } from '@echodb/feed-store'
import debug from 'debug'
import { ModelError } from './errors'
import type { MutationMeta } from './order'
import { assertTypeUrl } from './type-url'

const log = debug('echo:models:model')

/**
 * Supplied by the item that hosts a model (echo-db wires it to the party's feed). It receives one encoded
 * mutation and resolves once that mutation has been appended AND processed locally, so that a caller who awaits
 * a write reads its own write. It rejects when the mutation could not be written.
 */
export type ModelWriter = (mutation: Uint8Array, owner: unknown) => Promise<void>

/** What a model instance is created with. */
export interface ModelContext {
  /** Where writes go. Without one the model is read-only: write methods reject with READ_ONLY. */
  readonly writer?: ModelWriter
  /** The model version the item was created with (from its genesis). Defaults to the type's own version. */
  readonly version?: number
  /**
   * Handed back to the writer with every mutation (e.g. the hosting item's id), so that one writer function can
   * serve every model instead of a closure per model (echo-db holds one model per item: 100k closures add up).
   */
  readonly owner?: unknown
  /**
   * The key of the feed the writer appends to (echo-db: the party's own feed), i.e. the `meta.feedKey` this
   * replica's writes will be processed with. Models whose mutations name their author inside (TextModel: the yjs
   * client id) need it to write; the base class does not keep it.
   */
  readonly feedKey?: Uint8Array
}

/** A model of any mutation, snapshot and state type. */
export type AnyModel = Model<any, any, any>
/** The decoded mutation type of a model class. */
export type MutationOf<T> = T extends Model<infer M, any, any> ? M : never
/** The decoded snapshot type of a model class. */
export type SnapshotOf<T> = T extends Model<any, infer S, any> ? S : never

/**
 * A registered kind of model: its type URL, versions, codecs and how to make an instance.
 * Build one with `defineModelType`, which validates it.
 */
export interface ModelType<T extends AnyModel = AnyModel> {
  /** `<domain>/<path>`, e.g. `echodb.org/model/object`. */
  readonly url: string
  /** The version new items are created with (a positive integer). */
  readonly version: number
  /** Every version whose mutations and snapshots this type can read; always includes `version`. */
  readonly reads: readonly number[]
  readonly mutationCodec: Codec<MutationOf<T>>
  readonly snapshotCodec: Codec<SnapshotOf<T>>
  /** A new, empty instance. `context.version` is already checked against `reads`. */
  readonly create: (type: ModelType<T>, context: ModelContext) => T
}

/** What `defineModelType` takes; `version` defaults to 1 and `reads` to `[version]`. */
export interface ModelTypeSpec<T extends AnyModel> {
  readonly url: string
  readonly version?: number
  readonly reads?: readonly number[]
  readonly mutationCodec: Codec<MutationOf<T>>
  readonly snapshotCodec: Codec<SnapshotOf<T>>
  readonly create: (type: ModelType<T>, context: ModelContext) => T
}

function isVersion (v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffffffff
}

function isCodec (c: unknown): boolean {
  const codec = c as Codec<unknown> | undefined
  return typeof codec?.encode === 'function' && typeof codec.decode === 'function'
}

/**
 * Validates a model type and freezes it. Throws ModelError INVALID_TYPE_URL for a malformed URL and
 * INVALID_MODEL_TYPE for a bad version list or missing codecs.
 */
export function defineModelType<T extends AnyModel> (spec: ModelTypeSpec<T>): ModelType<T> {
  const version = spec.version ?? 1
  const type: ModelType<T> = {
    url: spec.url,
    version,
    reads: Object.freeze([...new Set(spec.reads ?? [version])].sort((a, b) => a - b)),
    mutationCodec: spec.mutationCodec,
    snapshotCodec: spec.snapshotCodec,
    create: spec.create
  }
  checkModelType(type)
  return Object.freeze(type)
}

/**
 * Throws ModelError INVALID_TYPE_URL for a malformed URL and INVALID_MODEL_TYPE for a bad version, a `reads`
 * list without it, or missing codecs or factory. ModelFactory.register checks every type it is given.
 */
export function checkModelType (type: ModelType<any>): void {
  if (typeof type !== 'object' || type === null) throw new ModelError('INVALID_MODEL_TYPE', 'a model type must be an object')
  assertTypeUrl(type.url)
  if (!isVersion(type.version)) {
    throw new ModelError('INVALID_MODEL_TYPE', `model ${type.url}: version must be an integer >= 1, got ${String(type.version)}`)
  }
  if (!Array.isArray(type.reads) || !type.reads.every(isVersion) || !type.reads.includes(type.version)) {
    throw new ModelError('INVALID_MODEL_TYPE', `model ${type.url}: reads must be versions >= 1 and include version ${type.version}`)
  }
  if (!isCodec(type.mutationCodec) || !isCodec(type.snapshotCodec) || typeof type.create !== 'function') {
    throw new ModelError('INVALID_MODEL_TYPE', `model ${type.url}: mutationCodec, snapshotCodec and create are required`)
  }
}

/** True when `type` can read items of `version`. */
export function canReadVersion (type: ModelType<any>, version: number): boolean {
  return type.reads.includes(version)
}

/**
 * The byte-level face of an item's model, shared by live models and DormantModel: what echo-db calls.
 * `processEncoded` throws ModelError INVALID_MUTATION (or PROCESS_FAILED) and leaves the state unchanged when it
 * refuses a mutation; `restoreEncoded` throws INVALID_SNAPSHOT.
 */
export interface EncodedModel {
  readonly typeUrl: string
  readonly version: number
  /** Increases on every state change; an unchanged revision means an unchanged snapshot. */
  readonly revision: number
  processEncoded (mutation: Uint8Array, meta: MutationMeta): boolean
  snapshotEncoded (): Uint8Array
  restoreEncoded (snapshot: Uint8Array): void
}

export type ModelListener<T> = (model: T) => void

/**
 * Base class of every model. A subclass implements `apply` (one decoded mutation; return whether the state
 * changed), `takeSnapshot`, `loadSnapshot` and `state`, and adds write methods that build a mutation and call
 * `this.write(mutation)`.
 *
 * `apply` must be deterministic and must converge: replicas that apply the same mutations in different causally
 * consistent orders (order stamps are consistent with causality) must reach equal states. It must validate the
 * whole mutation before changing anything, and throw ModelError INVALID_MUTATION for input it refuses.
 *
 * Instances are kept small (echo-db holds one per item): listeners are allocated only once someone subscribes.
 */
export abstract class Model<M, S, State = unknown> implements EncodedModel {
  readonly type: ModelType<any>
  readonly version: number
  private _writer: ModelWriter | undefined
  private readonly _owner: unknown
  private _listeners: Array<ModelListener<any>> | undefined = undefined
  private _revision = 0

  constructor (type: ModelType<any>, context: ModelContext = {}) {
    this.type = type
    this.version = context.version ?? type.version
    this._writer = context.writer
    this._owner = context.owner
  }

  get typeUrl (): string {
    return this.type.url
  }

  get revision (): number {
    return this._revision
  }

  /** True when the model has no writer: write methods reject with READ_ONLY. */
  get readOnly (): boolean {
    return this._writer === undefined
  }

  /** The current state, as apps read it. */
  abstract get state (): State

  /** Applies one mutation. Returns whether the state changed; listeners are told when it did. */
  process (mutation: M, meta: MutationMeta): boolean {
    let changed: boolean
    try {
      changed = this.apply(mutation, meta)
    } catch (err) {
      if (err instanceof ModelError) throw err
      throw new ModelError('PROCESS_FAILED', `model ${this.type.url} failed to process a mutation: ${(err as Error)?.message ?? String(err)}`, { cause: err })
    }
    if (changed) this.changed()
    return changed
  }

  /** Decodes and applies one mutation. Throws ModelError INVALID_MUTATION for bytes that do not decode. */
  processEncoded (mutation: Uint8Array, meta: MutationMeta): boolean {
    let decoded: M
    try {
      decoded = this.type.mutationCodec.decode(mutation) as M
    } catch (err) {
      throw new ModelError('INVALID_MUTATION', `model ${this.type.url}: mutation does not decode (${(err as Error)?.message ?? String(err)})`, { cause: err })
    }
    return this.process(decoded, meta)
  }

  /** The whole state, restorable with `restore`, including what later mutations are compared against. */
  snapshot (): S {
    return this.takeSnapshot()
  }

  snapshotEncoded (): Uint8Array {
    return this.type.snapshotCodec.encode(this.takeSnapshot())
  }

  /** Replaces the state by a snapshot's. Throws ModelError INVALID_SNAPSHOT (state unchanged) when it is bad. */
  restore (snapshot: S): void {
    try {
      this.loadSnapshot(snapshot)
    } catch (err) {
      if (err instanceof ModelError) throw err
      throw new ModelError('INVALID_SNAPSHOT', `model ${this.type.url}: snapshot refused (${(err as Error)?.message ?? String(err)})`, { cause: err })
    }
    this.changed()
  }

  restoreEncoded (snapshot: Uint8Array): void {
    let decoded: S
    try {
      decoded = this.type.snapshotCodec.decode(snapshot) as S
    } catch (err) {
      throw new ModelError('INVALID_SNAPSHOT', `model ${this.type.url}: snapshot does not decode (${(err as Error)?.message ?? String(err)})`, { cause: err })
    }
    this.restore(decoded)
  }

  /** Calls `listener` after every state change. Returns the function that unsubscribes it. */
  subscribe (listener: ModelListener<this>): () => void {
    const listeners = this._listeners ??= []
    listeners.push(listener)
    return () => {
      const list = this._listeners
      const at = list?.indexOf(listener) ?? -1
      if (list === undefined || at < 0) return
      list.splice(at, 1)
      if (list.length === 0) this._listeners = undefined
    }
  }

  /**
   * Encodes `mutation` and hands it to the writer. The returned receipt resolves once the mutation has been
   * processed locally (read-your-writes); it rejects with READ_ONLY when there is no writer.
   */
  protected write (mutation: M): Promise<void> {
    const writer = this._writer
    if (writer === undefined) {
      return Promise.reject(new ModelError('READ_ONLY', `model ${this.type.url} has no writer: it is read-only`))
    }
    return writer(this.type.mutationCodec.encode(mutation), this._owner)
  }

  protected abstract apply (mutation: M, meta: MutationMeta): boolean
  protected abstract takeSnapshot (): S
  /** Must leave the state unchanged when it throws. */
  protected abstract loadSnapshot (snapshot: S): void

  private changed (): void {
    this._revision++
    const listeners = this._listeners
    if (listeners === undefined) return
    for (const listener of listeners.slice()) {
      try {
        listener(this)
      } catch (err) {
        // A failing listener must not stop processing (echo-db calls process in its read loop).
        log('listener of %s threw: %O', this.type.url, err)
      }
    }
  }
}
