import { protobufCodec } from '@echodb/feed-store'
import { echo } from '@echodb/proto'
import { ModelError, type ModelErrorCode } from './errors'
import { defineModelType, Model, type ModelContext, type ModelType } from './model'
import { feedHex, hexToBytes } from './feed-hex'
import { compareOrder, type MutationMeta, type OrderStamp } from './order'
import {
  DELETED, EMPTY_STATE, materializeRoot, newChildren, PathNode, readPath, visitWrites, writePath, type Children, type Written
} from './path-tree'
import { decodeValue, encodeValue, type PropertyObject, type PropertyValue } from './value'

/** A property path: `'a.b.c'` or `['a', 'b.c']` (use the array form for keys that contain dots). */
export type Path = string | readonly string[]

/** Most keys a path may have. */
export const MAX_PATH_LENGTH = 64

type ObjectMutation = echo.models.IObjectMutation
type ObjectSnapshot = echo.models.IObjectSnapshot

/** Splits and checks a path; throws ModelError INVALID_ARGUMENT for an empty path or an empty key. */
export function parsePath (path: Path): string[] {
  const keys = typeof path === 'string' ? path.split('.') : Array.from(path)
  checkKeys(keys, 'INVALID_ARGUMENT', path)
  return keys
}

function checkKeys (keys: readonly unknown[] | null | undefined, code: ModelErrorCode, original?: unknown): keys is string[] {
  if (keys === null || keys === undefined || keys.length === 0 || keys.length > MAX_PATH_LENGTH) {
    throw new ModelError(code, `path ${JSON.stringify(original ?? keys)} must have 1 to ${MAX_PATH_LENGTH} keys`)
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (typeof key !== 'string' || key.length === 0) {
      throw new ModelError(code, `path ${JSON.stringify(original ?? keys)} has an empty key`)
    }
  }
  return true
}

/** Collects the operations of one batched write. */
export interface ObjectBatch {
  set (path: Path, value: PropertyValue): ObjectBatch
  delete (path: Path): ObjectBatch
}

class BatchBuilder implements ObjectBatch {
  readonly ops: echo.models.IObjectOperation[] = []

  set (path: Path, value: PropertyValue): this {
    const keys = parsePath(path)
    if (value === undefined) throw new ModelError('INVALID_ARGUMENT', `set ${JSON.stringify(path)} to undefined: use delete`)
    this.ops.push({ path: keys, value: encodeValue(value) })
    return this
  }

  delete (path: Path): this {
    this.ops.push({ path: parsePath(path), delete: true })
    return this
  }
}

/**
 * JSON-like properties with nested paths, converging by last-writer-wins per path on the order stamp.
 *
 * Semantics: the state is what applying every operation in order-stamp order would give (operations of one
 * mutation in list order), where
 * - `set(p, v)` replaces whatever was at `p`, including everything below it;
 * - `delete(p)` removes `p` and everything below it;
 * - writing below a path that holds a non-object (a number, an array, nothing) makes it an object first.
 *   So when `set('a', 1)` races `set('a.b', 2)`: if the `a.b` write has the later stamp the result is
 *   `{ a: { b: 2 } }`; if `a` is later it is `{ a: 1 }`. Arrays are values: a path never indexes into one.
 *
 * Values read from the model are frozen. Keys written as part of one value keep that value's order; keys added
 * by separate writes follow in sorted order (identical on every replica).
 */
export class ObjectModel extends Model<ObjectMutation, ObjectSnapshot, PropertyObject> {
  static readonly type: ModelType<ObjectModel> = defineModelType<ObjectModel>({
    url: 'echodb.org/model/object',
    version: 1,
    mutationCodec: protobufCodec<ObjectMutation>(echo.models.ObjectMutation),
    snapshotCodec: protobufCodec<ObjectSnapshot>(echo.models.ObjectSnapshot),
    create: (type, context) => new ObjectModel(type, context)
  })

  /** Encodes the mutation that sets each of `props`' top-level keys (echo-db writes it with an item's genesis). */
  static encodeProps (props: Readonly<Record<string, PropertyValue | undefined>>): Uint8Array {
    return ObjectModel.type.mutationCodec.encode({ ops: propsOps(props) })
  }

  // Allocated on the first write: an item that never gets properties costs no tree.
  private root: Children | undefined = undefined

  constructor (type: ModelType<ObjectModel> = ObjectModel.type, context: ModelContext = {}) {
    super(type, context)
  }

  /** The whole object (frozen). Same as `toObject()`. */
  get state (): PropertyObject {
    return this.toObject()
  }

  /** The value at `path`, or undefined when there is none. */
  get (path: Path): PropertyValue | undefined {
    const keys = parsePath(path)
    return this.root === undefined ? undefined : readPath(this.root, keys)
  }

  has (path: Path): boolean {
    return this.get(path) !== undefined
  }

  /** All properties as one frozen object. */
  toObject (): PropertyObject {
    if (this.root === undefined) return EMPTY_STATE
    return materializeRoot(this.root)
  }

  /** Sets `path` to `value`. Resolves once the mutation has been processed locally. */
  async set (path: Path, value: PropertyValue): Promise<void> {
    return await this.batch((b) => b.set(path, value))
  }

  /** Deletes `path` and everything below it. */
  async delete (path: Path): Promise<void> {
    return await this.batch((b) => b.delete(path))
  }

  /**
   * Sets several top-level properties in one mutation; a key whose value is undefined is deleted.
   * Keys are taken whole (`{ 'a.b': 1 }` sets the key "a.b"); use `batch` for nested paths.
   */
  async update (props: Readonly<Record<string, PropertyValue | undefined>>): Promise<void> {
    const ops = propsOps(props)
    if (ops.length === 0) return
    return await this.write({ ops })
  }

  /** Sets and deletes several paths in one mutation, applied in the order given. Nothing is written for none. */
  async batch (build: (batch: ObjectBatch) => unknown): Promise<void> {
    const builder = new BatchBuilder()
    build(builder)
    if (builder.ops.length === 0) return
    return await this.write({ ops: builder.ops })
  }

  protected apply (mutation: ObjectMutation, meta: MutationMeta): boolean {
    const ops = mutation.ops
    if (ops === null || ops === undefined || ops.length === 0) {
      throw new ModelError('INVALID_MUTATION', 'object mutation without operations')
    }
    const stamp = meta.order
    const root = this.root ??= newChildren()
    if (ops.length === 1) {
      const op = ops[0]
      checkKeys(op.path, 'INVALID_MUTATION')
      return writePath(root, op.path as string[], written(op), stamp)
    }
    // Check every operation before applying any: a refused mutation changes nothing.
    const values = new Array<Written>(ops.length)
    for (let i = 0; i < ops.length; i++) {
      checkKeys(ops[i].path, 'INVALID_MUTATION')
      values[i] = written(ops[i])
    }
    let changed = false
    for (let i = 0; i < ops.length; i++) {
      if (writePath(root, ops[i].path as string[], values[i], stamp)) changed = true
    }
    return changed
  }

  protected takeSnapshot (): ObjectSnapshot {
    const table = new StampTable()
    const entries: echo.models.IObjectEntry[] = []
    if (this.root !== undefined) {
      visitWrites(this.root, (path, stamp, value) => {
        const index = table.add(stamp)
        entries.push(value === DELETED
          ? { path: path.slice(), stamp: index, deleted: true }
          : { path: path.slice(), stamp: index, value: encodeValue(value) })
      })
    }
    return {
      feeds: table.feeds.map(hexToBytes),
      stampSeq: table.seq,
      stampFeed: table.feed,
      stampBlock: table.block,
      stampIndex: table.index,
      entries
    }
  }

  protected loadSnapshot (snapshot: ObjectSnapshot): void {
    const feeds = (snapshot.feeds ?? []).map((key) => {
      if (key.length !== 32) throw new ModelError('INVALID_SNAPSHOT', `feed key of ${key.length} bytes`)
      return feedHex(key)
    })
    const seqs = snapshot.stampSeq ?? []
    const feedOf = snapshot.stampFeed ?? []
    const blocks = snapshot.stampBlock ?? []
    const indexes = snapshot.stampIndex ?? []
    if (feedOf.length !== seqs.length || blocks.length !== seqs.length || indexes.length !== seqs.length) {
      throw new ModelError('INVALID_SNAPSHOT', 'stamp table columns differ in length')
    }
    const stamps = new Array<OrderStamp>(seqs.length)
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]
      const feed = feeds[feedOf[i]]
      if (feed === undefined || !Number.isSafeInteger(seq) || seq < 0) {
        throw new ModelError('INVALID_SNAPSHOT', `malformed order stamp ${i} (seq ${seq}, feed ${feedOf[i]})`)
      }
      stamps[i] = { seq, feed, block: blocks[i], index: indexes[i] }
    }
    const entries = snapshot.entries ?? []
    const root = entries.length === 0 ? undefined : newChildren()
    for (const entry of entries) {
      checkKeys(entry.path, 'INVALID_SNAPSHOT')
      const stamp = stamps[entry.stamp ?? 0]
      if (stamp === undefined) throw new ModelError('INVALID_SNAPSHOT', `entry names stamp ${entry.stamp ?? 0} of ${stamps.length}`)
      const value: Written = entry.deleted === true ? DELETED : decodeValue(entry.value, 'INVALID_SNAPSHOT')
      if (entry.deleted === true && entry.value !== null && entry.value !== undefined) {
        throw new ModelError('INVALID_SNAPSHOT', 'deleted entry with a value')
      }
      const path = entry.path as string[]
      let children = root as Children
      let node: PathNode | undefined
      for (let i = 0; i < path.length; i++) {
        if (node !== undefined) {
          if (node.stamp !== undefined && compareOrder(node.stamp, stamp) > 0) {
            throw new ModelError('INVALID_SNAPSHOT', `entry ${JSON.stringify(path)} is older than a write above it`)
          }
          children = node.children ??= newChildren()
        }
        node = children[path[i]] ??= new PathNode()
      }
      node = node as PathNode
      if (node.stamp !== undefined || node.children !== undefined) {
        throw new ModelError('INVALID_SNAPSHOT', `entry ${JSON.stringify(path)} repeated or after its children`)
      }
      node.stamp = stamp
      node.value = value
    }
    this.root = root
  }
}

/**
 * The stamp table of a snapshot, column by column. Most models hold few distinct stamps, so lookups are linear
 * until the table grows; then a Map takes over.
 */
class StampTable {
  readonly feeds: string[] = []
  readonly seq: number[] = []
  readonly feed: number[] = []
  readonly block: number[] = []
  readonly index: number[] = []
  private readonly stamps: OrderStamp[] = []
  private byStamp: Map<OrderStamp, number> | undefined

  add (stamp: OrderStamp): number {
    let at = this.byStamp !== undefined ? (this.byStamp.get(stamp) ?? -1) : this.stamps.indexOf(stamp)
    if (at >= 0) return at
    at = this.stamps.length
    this.stamps.push(stamp)
    if (this.byStamp !== undefined) {
      this.byStamp.set(stamp, at)
    } else if (at >= 16) {
      this.byStamp = new Map(this.stamps.map((s, i) => [s, i]))
    }
    let feed = this.feeds.indexOf(stamp.feed)
    if (feed < 0) {
      feed = this.feeds.length
      this.feeds.push(stamp.feed)
    }
    this.seq.push(stamp.seq)
    this.feed.push(feed)
    this.block.push(stamp.block)
    this.index.push(stamp.index)
    return at
  }
}

function propsOps (props: Readonly<Record<string, PropertyValue | undefined>>): echo.models.IObjectOperation[] {
  const ops: echo.models.IObjectOperation[] = []
  for (const key of Object.keys(props)) {
    if (key.length === 0) throw new ModelError('INVALID_ARGUMENT', 'property keys must not be empty')
    const value = props[key]
    ops.push(value === undefined ? { path: [key], delete: true } : { path: [key], value: encodeValue(value) })
  }
  return ops
}

function written (op: echo.models.IObjectOperation): Written {
  const hasValue = op.value !== null && op.value !== undefined
  if (op.delete === true) {
    if (hasValue) throw new ModelError('INVALID_MUTATION', 'operation both sets and deletes')
    return DELETED
  }
  if (!hasValue) throw new ModelError('INVALID_MUTATION', 'operation neither sets nor deletes')
  return decodeValue(op.value, 'INVALID_MUTATION')
}
