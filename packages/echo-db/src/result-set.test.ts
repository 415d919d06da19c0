import { ResultSet } from './result-set'

/** A tiny source of numbers with change notification, standing in for a Database. */
function source (initial: number[]) {
  let values = initial.map((n) => ({ n }))
  const callbacks = new Set<(touched: ReadonlySet<{ n: number }>) => void>()
  return {
    get values () { return values },
    callbacks,
    set (next: number[]) { values = next.map((n) => ({ n })); for (const cb of callbacks) cb(new Set()) },
    touch (element: { n: number }) { for (const cb of callbacks) cb(new Set([element])) },
    select (predicate: (n: number) => boolean) {
      return new ResultSet(() => values.filter((v) => predicate(v.n)), (cb) => {
        callbacks.add(cb)
        return () => callbacks.delete(cb)
      })
    }
  }
}

test('value is current without subscribing, and unwatched result sets hold no registration', () => {
  const s = source([1, 2, 3])
  const even = s.select((n) => n % 2 === 0)
  expect(even.value.map((v) => v.n)).toEqual([2])
  s.set([2, 4, 5])
  expect(even.value.map((v) => v.n)).toEqual([2, 4])
  expect(s.callbacks.size).toBe(0)
})

test('subscribers hear membership changes and content changes of members, not unrelated changes', () => {
  const s = source([1, 2, 3])
  const even = s.select((n) => n % 2 === 0)
  const seen: number[][] = []
  const unsubscribe = even.subscribe((value) => seen.push(value.map((v) => v.n)))
  s.set([1, 2, 3].map((n) => n)) // new objects: membership (identity) changed
  expect(seen).toEqual([[2]])
  s.touch(s.values[0]) // 1 is not a member
  expect(seen).toHaveLength(1)
  s.touch(s.values[1]) // 2 is a member: its content changed
  expect(seen).toHaveLength(2)
  unsubscribe()
  expect(s.callbacks.size).toBe(0)
  s.set([4])
  expect(seen).toHaveLength(2)
  expect(even.first?.n).toBe(4)
})
