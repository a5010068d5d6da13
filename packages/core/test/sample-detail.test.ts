import { MAX_DETAIL_BYTES } from '../src/schemas.js'
import { describe, expect, it } from 'vitest'
import { setup } from './helpers.js'

describe("a probe sample's detail", () => {
  it('is kept on the sample and describes the critical incident the sample opens or relapses', async () => {
    const { monitor } = setup()
    const pushed = await monitor.pushProbe({
      code: 'disk.var',
      health: 'critical',
      comment: 'DISK CRITICAL - /var 97%',
      detail: '/var 97% (3 GiB free)\n/home 40%',
    })
    const { sample, opened } = pushed._unsafeUnwrap()
    expect(sample).toMatchObject({ comment: 'DISK CRITICAL - /var 97%', detail: '/var 97% (3 GiB free)\n/home 40%' })
    expect(opened).toMatchObject([{ triggerType: 'critical', description: '/var 97% (3 GiB free)\n/home 40%' }])

    const recovered = (
      await monitor.pushProbe({ code: 'disk.var', health: 'healthy', detail: 'all fine' })
    )._unsafeUnwrap()
    expect(recovered.recovered).toMatchObject([{ description: '/var 97% (3 GiB free)\n/home 40%' }])
    const relapsed = (
      await monitor.pushProbe({ code: 'disk.var', health: 'critical', detail: '/var 99%' })
    )._unsafeUnwrap()
    expect(relapsed.relapsed).toMatchObject([{ description: '/var 99%' }])
    const view = (await monitor.showReport('disk.var', sample.uid))._unsafeUnwrap()
    expect(view.report).toMatchObject({ detail: '/var 97% (3 GiB free)\n/home 40%' })
  })

  it('is null when absent or empty, and refused over the step limit', async () => {
    const { monitor } = setup()
    expect((await monitor.pushProbe({ code: 'disk.home', health: 'healthy' }))._unsafeUnwrap().sample.detail).toBeNull()
    expect(
      (await monitor.pushProbe({ code: 'disk.home', health: 'healthy', detail: '' }))._unsafeUnwrap().sample.detail,
    ).toBeNull()
    const tooLong = await monitor.pushProbe({
      code: 'disk.home',
      health: 'healthy',
      detail: 'x'.repeat(MAX_DETAIL_BYTES + 1),
    })
    expect(tooLong._unsafeUnwrapErr().message).toBe(`invalid detail — must be at most ${MAX_DETAIL_BYTES} bytes`)
  })
})
