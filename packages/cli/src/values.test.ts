import fc from 'fast-check'
import { Reference } from '@echodb/models'
import { assignmentsToProps, parseAssignment, parseValue, toJson } from './values'

describe('parseValue', () => {
  test.each([
    ['3', 3], ['-2.5', -2.5], ['true', true], ['false', false], ['null', null], ['"3"', '3'], ['["a"]', ['a']],
    ['{"a":{"b":1}}', { a: { b: 1 } }], ['Ada', 'Ada'], ['hello world', 'hello world'], ['', ''], ['0123', '0123'],
    ['tru', 'tru'], ['[1,', '[1,'], ['-', '-'], ['nope', 'nope'], [' 7 ', 7]
  ])('%j -> %j', (text, value) => {
    expect(parseValue(text)).toEqual(value)
  })

  test('any JSON value round-trips through its JSON text', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value)
      expect(parseValue(text)).toEqual(JSON.parse(text))
    }))
  })

  test('text that is not JSON stays the same string', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      let json = true
      try { JSON.parse(text) } catch { json = false }
      fc.pre(!json)
      expect(parseValue(text)).toBe(text)
    }))
  })
})

describe('parseAssignment', () => {
  test('splits at the first = and parses the value', () => {
    expect(parseAssignment('n=3')).toEqual({ key: 'n', path: ['n'], value: 3 })
    expect(parseAssignment('url=a=b')).toEqual({ key: 'url', path: ['url'], value: 'a=b' })
    expect(parseAssignment('notes.when=today')).toEqual({ key: 'notes.when', path: ['notes', 'when'], value: 'today' })
    expect(parseAssignment('empty=')).toEqual({ key: 'empty', path: ['empty'], value: '' })
  })

  test.each([['novalue', 'is not key=value'], ['=3', 'has an empty key'], ['a..b=1', 'empty part'], ['.a=1', 'empty part'], ['a.=1', 'empty part']])(
    'refuses %j', (arg, reason) => {
      expect(() => parseAssignment(arg)).toThrow(expect.objectContaining({ code: 'MALFORMED_ASSIGNMENT', message: expect.stringContaining(reason) }))
    })

  test('any key without dots or = and any value text parse back to themselves', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((k) => !k.includes('=') && !k.includes('.')), fc.string(), (key, text) => {
      const parsed = parseAssignment(`${key}=${text}`)
      expect(parsed.key).toBe(key)
      expect(parsed.value).toEqual(parseValue(text))
    }))
  })
})

describe('assignmentsToProps', () => {
  test('dotted keys nest; repeated keys keep the last value', () => {
    const props = assignmentsToProps(['a.b=1', 'a.c=2', 'x=1', 'x=2', '__proto__=3'].map(parseAssignment))
    expect(props).toEqual({ a: { b: 1, c: 2 }, x: 2, ['__proto__']: 3 })
    expect(Object.getPrototypeOf(props)).toBe(Object.prototype)
    expect(Object.keys(props)).toContain('__proto__')
  })

  test('a value and keys below it conflict', () => {
    expect(() => assignmentsToProps(['a=1', 'a.b=2'].map(parseAssignment))).toThrow(expect.objectContaining({ code: 'MALFORMED_ASSIGNMENT' }))
    expect(() => assignmentsToProps(['a.b=2', 'a=1'].map(parseAssignment))).toThrow(expect.objectContaining({ code: 'MALFORMED_ASSIGNMENT' }))
    // A JSON object value is a value, not a place to merge into.
    expect(() => assignmentsToProps(['a={"b":1}', 'a.c=2'].map(parseAssignment))).toThrow(expect.objectContaining({ code: 'MALFORMED_ASSIGNMENT' }))
  })
})

describe('toJson', () => {
  test('bytes and references get a JSON form; everything else is unchanged', () => {
    const party = new Uint8Array(32).fill(1)
    expect(toJson({ b: new Uint8Array([1, 2, 3]), r: new Reference('abc'), p: new Reference('def', party), l: [1, 'x', null] })).toEqual({
      b: { $bytes: 'AQID' },
      r: { $ref: 'abc' },
      p: { $ref: 'def', party: '01'.repeat(32) },
      l: [1, 'x', null]
    })
  })

  test('JSON values pass through', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(toJson(value)).toEqual(value)
    }))
  })
})
