import { compareOrder, type OrderStamp } from './order'
import {
  EMPTY_OBJECT, defineKey, isPropertyObject, ownProperty, type PropertyObject, type PropertyValue
} from './value'

/** Marks a path whose latest write is a delete (a tombstone: later-arriving older writes must still lose). */
export const DELETED: unique symbol = Symbol('deleted')
export type Written = PropertyValue | typeof DELETED

/** The paths directly below one path (or below the root), by key. */
export type Children = Record<string, PathNode>

// Dictionaries inherit from an empty object without a prototype: keys such as "toString" or "__proto__" are
// plain data, yet unlike Object.create(null) dictionaries V8 keeps them in fast mode, with hidden classes shared
// between models that have the same keys (about a third of the memory per item).
const DICTIONARY: object = Object.freeze(Object.create(null) as object)

export function newChildren (): Children {
  return Object.create(DICTIONARY) as Children
}

/**
 * One path of an ObjectModel: the latest write at exactly this path (if any) and the paths below it. The root
 * (the model's whole object) is not a node: it is never written whole, so it is just a Children dictionary.
 *
 * Invariant: along any root-to-leaf chain, the stamps of kept writes never decrease. A write at a path replaces
 * the whole subtree, so a descendant write older than an ancestor's write can never matter again and is pruned;
 * a write older than an ancestor's write is dropped on arrival.
 */
export class PathNode {
  stamp: OrderStamp | undefined = undefined
  value: Written | undefined = undefined
  /** Allocated only when the path has children. */
  children: Children | undefined = undefined
}

/**
 * Applies a set (`value`) or a delete (`DELETED`) at `path` (one or more keys) with `stamp`. Returns false when
 * the write lost to a later write at the path or above it. Writes of one mutation share a stamp and are applied in
 * list order, so an equal stamp counts as later: that is what makes a batch behave like its operations in sequence.
 */
export function writePath (root: Children, path: readonly string[], value: Written, stamp: OrderStamp): boolean {
  let node = root[path[0]]
  if (node === undefined) {
    node = new PathNode()
    root[path[0]] = node
  }
  for (let i = 1; i < path.length; i++) {
    if (node.stamp !== undefined && compareOrder(node.stamp, stamp) > 0) return false
    let children = node.children
    if (children === undefined) {
      children = newChildren()
      node.children = children
    }
    const key = path[i]
    let child: PathNode | undefined = children[key]
    if (child === undefined) {
      child = new PathNode()
      children[key] = child
    }
    node = child
  }
  if (node.stamp !== undefined && compareOrder(node.stamp, stamp) > 0) return false
  node.stamp = stamp
  node.value = value
  if (node.children !== undefined && !pruneChildren(node.children, stamp)) node.children = undefined
  return true
}

/** Drops the writes in `children` that are not later than `stamp`; returns whether any child remains. */
function pruneChildren (children: Children, stamp: OrderStamp): boolean {
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
  if (pruneChildren(node.children, stamp)) return true
  node.children = undefined
  return false
}

function ownValue (node: PathNode, inherited: PropertyValue | undefined): PropertyValue | undefined {
  if (node.stamp === undefined) return inherited
  return node.value === DELETED ? undefined : node.value as PropertyValue
}

/**
 * The value of `node` given the value its parent's writes put at this path (`inherited`): its own write if it has
 * one, else the inherited value; then the writes below it, each replacing its key. A kept write below a path makes
 * that path an object (writing under a non-object replaces it with an object).
 */
export function materialize (node: PathNode, inherited: PropertyValue | undefined): PropertyValue | undefined {
  const own = ownValue(node, inherited)
  const children = node.children
  if (children === undefined) return own
  return overlay(isPropertyObject(own) ? own : EMPTY_OBJECT, children)
}

/**
 * `base` with each child's value in place of its key. Keys of `base` keep their order; keys only the children have
 * follow in sorted order, so every replica yields the same key order whatever order the writes came in.
 */
function overlay (base: PropertyObject, children: Children): PropertyObject {
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

/** The whole object (frozen). */
export function materializeRoot (root: Children): PropertyObject {
  return overlay(EMPTY_OBJECT, root)
}

/** The value at `path` (one or more keys). */
export function readPath (root: Children, path: readonly string[]): PropertyValue | undefined {
  let node: PathNode | undefined = root[path[0]]
  let inherited: PropertyValue | undefined
  for (let i = 1; i < path.length; i++) {
    if (node === undefined) {
      // Nothing was written at or under this path: read on inside the plain value.
      let value = inherited
      for (let j = i; j < path.length && value !== undefined; j++) {
        value = isPropertyObject(value) ? ownProperty(value, path[j]) : undefined
      }
      return value
    }
    const own = ownValue(node, inherited)
    const key = path[i]
    inherited = isPropertyObject(own) ? ownProperty(own, key) : undefined
    node = node.children?.[key]
  }
  return node === undefined ? inherited : materialize(node, inherited)
}

/** Visits every kept write, parents before children. `path` is reused between calls: copy it to keep it. */
export function visitWrites (
  root: Children,
  visit: (path: readonly string[], stamp: OrderStamp, value: Written) => void
): void {
  const path: string[] = []
  const walk = (children: Children): void => {
    for (const key in children) {
      const node = children[key]
      path.push(key)
      if (node.stamp !== undefined) visit(path, node.stamp, node.value as Written)
      if (node.children !== undefined) walk(node.children)
      path.pop()
    }
  }
  walk(root)
}

/** The empty object a fresh ObjectModel reads as. */
export const EMPTY_STATE: PropertyObject = EMPTY_OBJECT
