import { compareOrder, type OrderStamp } from './order'
import {
  EMPTY_OBJECT, defineKey, isPropertyObject, ownProperty, type PropertyObject, type PropertyValue
} from './value'

/** Marks a path whose latest write is a delete (a tombstone: later-arriving older writes must still lose). */
export const DELETED: unique symbol = Symbol('deleted')
export type Written = PropertyValue | typeof DELETED

/**
 * One path of an ObjectModel: the latest write at exactly this path (if any) and the paths below it.
 *
 * Invariant: along any root-to-leaf chain, the stamps of kept writes never decrease. A write at a path replaces
 * the whole subtree, so a descendant write older than an ancestor's write can never matter again and is pruned;
 * a write older than an ancestor's write is dropped on arrival.
 */
export class PathNode {
  stamp: OrderStamp | undefined
  value: Written | undefined
  /** Null-prototype dictionary, allocated only when the path has children. */
  children: Record<string, PathNode> | undefined

  constructor (stamp?: OrderStamp, value?: Written) {
    this.stamp = stamp
    this.value = value
    this.children = undefined
  }
}

/**
 * Applies a set (`value`) or a delete (`DELETED`) at `path` with `stamp`. Returns false when the write lost to a
 * later write at the path or above it. Writes of one mutation share a stamp and are applied in list order, so an
 * equal stamp counts as later (`>=`): that is what makes a batch behave like its operations in sequence.
 */
export function writePath (root: PathNode, path: readonly string[], value: Written, stamp: OrderStamp): boolean {
  let node = root
  for (let i = 0; i < path.length; i++) {
    if (node.stamp !== undefined && compareOrder(node.stamp, stamp) > 0) return false
    let children = node.children
    if (children === undefined) {
      children = Object.create(null) as Record<string, PathNode>
      node.children = children
    }
    const key = path[i]
    let child = children[key]
    if (child === undefined) {
      child = new PathNode()
      children[key] = child
    }
    node = child
  }
  if (node.stamp !== undefined && compareOrder(node.stamp, stamp) > 0) return false
  node.stamp = stamp
  node.value = value
  if (node.children !== undefined && !pruneChildren(node, stamp)) node.children = undefined
  return true
}

/** Drops the writes below `node` that are not later than `stamp`; returns whether any child remains. */
function pruneChildren (node: PathNode, stamp: OrderStamp): boolean {
  const children = node.children as Record<string, PathNode>
  let kept = false
  for (const key in children) {
    if (pruneSubtree(children[key], stamp)) kept = true
    else delete children[key]
  }
  return kept
}

function pruneSubtree (node: PathNode, stamp: OrderStamp): boolean {
  // Everything below a later write is later still (the invariant), so the whole subtree stays.
  if (node.stamp !== undefined && compareOrder(node.stamp, stamp) > 0) return true
  node.stamp = undefined
  node.value = undefined
  if (node.children === undefined) return false
  if (pruneChildren(node, stamp)) return true
  node.children = undefined
  return false
}

/**
 * The value of `node` given the value its parent's writes put at this path (`inherited`): its own write if it has
 * one, else the inherited value; then the writes below it, each replacing its key. A kept write below a path makes
 * that path an object (writing under a non-object replaces it with an object). Keys of the written value keep their
 * order; keys added below come after them in sorted order, so every replica yields the same key order.
 */
export function materialize (node: PathNode, inherited: PropertyValue | undefined): PropertyValue | undefined {
  const own = node.stamp !== undefined ? (node.value === DELETED ? undefined : node.value as PropertyValue) : inherited
  const children = node.children
  if (children === undefined) return own
  const base = isPropertyObject(own) ? own : EMPTY_OBJECT
  const out: Record<string, PropertyValue> = {}
  for (const key of Object.keys(base)) {
    const child = children[key]
    const value = child === undefined ? base[key] : materialize(child, base[key])
    if (value !== undefined) defineKey(out, key, value)
  }
  for (const key of Object.keys(children).sort()) {
    if (Object.hasOwn(base, key)) continue
    const value = materialize(children[key], undefined)
    if (value !== undefined) defineKey(out, key, value)
  }
  return Object.freeze(out)
}

/** The value at `path` below the tree `root` (whose own value is the empty object). */
export function readPath (root: PathNode, path: readonly string[]): PropertyValue | undefined {
  let node = root
  let inherited: PropertyValue | undefined = EMPTY_OBJECT
  for (let i = 0; i < path.length; i++) {
    const own: PropertyValue | undefined = node.stamp !== undefined ? (node.value === DELETED ? undefined : node.value as PropertyValue) : inherited
    const key = path[i]
    const below: PropertyValue | undefined = isPropertyObject(own) ? ownProperty(own, key) : undefined
    const child = node.children?.[key]
    if (child === undefined) {
      // Nothing was written at or under this key: read on inside the plain value.
      let value = below
      for (let j = i + 1; j < path.length && value !== undefined; j++) {
        value = isPropertyObject(value) ? ownProperty(value, path[j]) : undefined
      }
      return value
    }
    node = child
    inherited = below
  }
  return materialize(node, inherited)
}

/** Visits every kept write, parents before children. `path` is reused between calls: copy it to keep it. */
export function visitWrites (
  root: PathNode,
  visit: (path: readonly string[], stamp: OrderStamp, value: Written) => void
): void {
  const path: string[] = []
  const walk = (node: PathNode): void => {
    if (node.stamp !== undefined) visit(path, node.stamp, node.value as Written)
    const children = node.children
    if (children === undefined) return
    for (const key in children) {
      path.push(key)
      walk(children[key])
      path.pop()
    }
  }
  walk(root)
}

/** The empty object a fresh ObjectModel reads as. */
export const EMPTY_STATE: PropertyObject = EMPTY_OBJECT
