import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import { ModelError } from './errors'
import { canReadVersion, type AnyModel, type EncodedModel, type ModelContext, type ModelType } from './model'
import type { MutationMeta } from './order'
import { decodeStamp, encodeStamp } from './stamp-codec'

/** Why an item is dormant: no type is registered for its URL, or the registered one cannot read its version. */
export type DormantReason = 'UNKNOWN_MODEL' | 'UNSUPPORTED_VERSION'

/** A mutation a dormant item holds, byte for byte, with its metadata. */
export interface HeldMutation {
  readonly mutation: Uint8Array
  readonly meta: MutationMeta
}

/** A held mutation the revived model refused (it is reported, as it would have been had the model been known). */
export interface RejectedMutation {
  /** Position in the held list. */
  readonly index: number
  readonly meta: MutationMeta
  readonly error: ModelError
}

export interface RevivedModel<T extends AnyModel = AnyModel> {
  readonly model: T
  readonly rejected: readonly RejectedMutation[]
}

const snapshotCodec = protobufCodec<echo.models.IDormantSnapshot>(echo.models.DormantSnapshot)
const EMPTY: readonly HeldMutation[] = Object.freeze([])

/**
 * Stands in for the model of an item whose type is unknown or whose version cannot be read. It keeps every
 * mutation (bytes + metadata) in processing order, and possibly a snapshot in the real model's format taken when
 * the model was available, and can be snapshotted and restored like a model. `revive` builds the real model from
 * them: restore the snapshot, then process the held mutations in order — the state the model would have had, had
 * it been known all along.
 */
export class DormantModel implements EncodedModel {
  readonly typeUrl: string
  readonly version: number
  readonly reason: DormantReason
  /** A sentence for people: what is missing. */
  readonly message: string
  private modelSnapshot: Uint8Array | undefined = undefined
  private held: HeldMutation[] | undefined = undefined
  private _revision = 0

  constructor (typeUrl: string, version: number, reason: DormantReason, message?: string) {
    this.typeUrl = typeUrl
    this.version = version
    this.reason = reason
    this.message = message ?? (reason === 'UNKNOWN_MODEL'
      ? `model type ${typeUrl} is not registered`
      : `model type ${typeUrl} cannot read version ${version}`)
  }

  get revision (): number {
    return this._revision
  }

  /** The held mutations, in processing order. */
  get mutations (): readonly HeldMutation[] {
    return this.held ?? EMPTY
  }

  /** The held snapshot in the real model's format, if any. */
  get snapshotOfModel (): Uint8Array | undefined {
    return this.modelSnapshot
  }

  /** Keeps a copy of the mutation (the bytes may be a view into a whole block). Always returns true. */
  processEncoded (mutation: Uint8Array, meta: MutationMeta): boolean {
    (this.held ??= []).push({ mutation: Uint8Array.prototype.slice.call(mutation), meta })
    this._revision++
    return true
  }

  /**
   * Holds a snapshot in the real model's format (e.g. echo-db saved the item while its model was registered):
   * it replaces everything held so far, as restoring a model replaces its state.
   */
  adoptModelSnapshot (snapshot: Uint8Array): void {
    this.modelSnapshot = Uint8Array.prototype.slice.call(snapshot)
    this.held = undefined
    this._revision++
  }

  snapshotEncoded (): Uint8Array {
    return snapshotCodec.encode({
      typeUrl: this.typeUrl,
      version: this.version,
      hasModelSnapshot: this.modelSnapshot !== undefined,
      modelSnapshot: this.modelSnapshot,
      mutations: this.mutations.map(({ mutation, meta }) => ({
        mutation,
        identityKey: meta.identityKey,
        feedKey: meta.feedKey,
        blockIndex: meta.blockIndex,
        indexInBlock: meta.indexInBlock,
        order: encodeStamp(meta.order)
      }))
    })
  }

  /** Restores what `snapshotEncoded` gave. Throws ModelError INVALID_SNAPSHOT (state unchanged) when it is bad. */
  restoreEncoded (snapshot: Uint8Array): void {
    let decoded: echo.models.IDormantSnapshot
    try {
      decoded = snapshotCodec.decode(snapshot)
    } catch (err) {
      throw new ModelError('INVALID_SNAPSHOT', `dormant snapshot does not decode (${(err as Error).message})`, { cause: err })
    }
    if (decoded.typeUrl !== this.typeUrl || (decoded.version ?? 0) !== this.version) {
      throw new ModelError('INVALID_SNAPSHOT', `dormant snapshot of ${String(decoded.typeUrl)} v${String(decoded.version)} given to ${this.typeUrl} v${this.version}`)
    }
    const held: HeldMutation[] = []
    for (const m of decoded.mutations ?? []) {
      if (m.mutation === null || m.mutation === undefined || m.identityKey === null || m.identityKey === undefined ||
        m.feedKey === null || m.feedKey === undefined) {
        throw new ModelError('INVALID_SNAPSHOT', 'dormant mutation without bytes or keys')
      }
      held.push({
        mutation: Uint8Array.prototype.slice.call(m.mutation),
        meta: {
          identityKey: Uint8Array.prototype.slice.call(m.identityKey),
          feedKey: Uint8Array.prototype.slice.call(m.feedKey),
          blockIndex: m.blockIndex ?? 0,
          indexInBlock: m.indexInBlock ?? 0,
          order: decodeStamp(m.order, 'INVALID_SNAPSHOT')
        }
      })
    }
    this.modelSnapshot = decoded.hasModelSnapshot === true ? Uint8Array.prototype.slice.call(decoded.modelSnapshot ?? new Uint8Array(0)) : undefined
    this.held = held.length === 0 ? undefined : held
    this._revision++
  }

  /**
   * Builds the real model: restores the held snapshot, then processes the held mutations in order. Mutations the
   * model refuses are returned in `rejected` (they would have been refused live too). Throws ModelError
   * UNKNOWN_MODEL when `type` has another URL, UNSUPPORTED_VERSION when it cannot read this version, and
   * INVALID_SNAPSHOT when the held snapshot does not restore (the dormant item stays as it is).
   */
  revive<T extends AnyModel> (type: ModelType<T>, context: Omit<ModelContext, 'version'> = {}): RevivedModel<T> {
    if (type.url !== this.typeUrl) {
      throw new ModelError('UNKNOWN_MODEL', `cannot revive an item of ${this.typeUrl} with model type ${type.url}`)
    }
    if (!canReadVersion(type, this.version)) {
      throw new ModelError('UNSUPPORTED_VERSION', `model type ${type.url} reads versions ${type.reads.join(', ')}, not ${this.version}`)
    }
    const model = type.create(type, { ...context, version: this.version })
    if (this.modelSnapshot !== undefined) model.restoreEncoded(this.modelSnapshot)
    const rejected: RejectedMutation[] = []
    const held = this.mutations
    for (let index = 0; index < held.length; index++) {
      const { mutation, meta } = held[index]
      try {
        model.processEncoded(mutation, meta)
      } catch (err) {
        if (!(err instanceof ModelError)) throw err
        rejected.push({ index, meta, error: err })
      }
    }
    return { model, rejected }
  }
}
