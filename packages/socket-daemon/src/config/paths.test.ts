import { describe, expect, it } from 'vitest'
import { defaultDataDir } from './paths.js'

describe('default data_dir', () => {
  it('is /var/lib/timon for root', () => {
    expect(defaultDataDir({ HOME: '/root', XDG_STATE_HOME: '/s' }, 0)).toBe('/var/lib/timon')
  })

  it('is $XDG_STATE_HOME/timon, else ~/.local/state/timon, for other users', () => {
    expect(defaultDataDir({ HOME: '/home/ann', XDG_STATE_HOME: '/s' }, 1000)).toBe('/s/timon')
    expect(defaultDataDir({ HOME: '/home/ann' }, 1000)).toBe('/home/ann/.local/state/timon')
  })
})
