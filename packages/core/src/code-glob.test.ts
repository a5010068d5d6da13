import { describe, expect, it } from 'vitest'
import { matchCodeGlob, matchesAnyCodeGlob } from './code-glob.js'

describe('code globs', () => {
  it.each([
    ['*', 'db.backup', true],
    ['web.*', 'web.api', true],
    ['web.*', 'web', false],
    ['web.*', 'web.api.v2', false],
    ['*.backup', 'db.backup', true],
    ['db.backup', 'db.backup', true],
    ['db.back*', 'db.backup', false],
  ])('%s against %s is %s', (glob, code, expected) => {
    expect(matchCodeGlob(glob, code)).toBe(expected)
  })

  it('matches when any glob of a list does', () => {
    expect(matchesAnyCodeGlob(['db.*', 'web.*'], 'web.api')).toBe(true)
    expect(matchesAnyCodeGlob([], 'web.api')).toBe(false)
  })
})
