import t from 'tap'
import { RenderLoop } from '../../../web/src/render-loop.js'

class Item {
  readonly renders: number[] = []
  render (nowMs: number): void { this.renders.push(nowMs) }
}

function setup (minIntervalMs?: number) {
  const frames: Array<() => void> = []
  let clock = 1000
  const loop = new RenderLoop<Item>({
    requestFrame: (callback) => frames.push(callback),
    now: () => clock,
    ...(minIntervalMs === undefined ? {} : { minIntervalMs })
  })
  const runFrame = (): void => {
    const callback = frames.shift()
    if (callback === undefined) throw new Error('no frame requested')
    clock += 16
    callback()
  }
  return { loop, frames, runFrame }
}

t.test('many points in one frame cost one render per card', async (t) => {
  const { loop, frames, runFrame } = setup()
  const a = new Item()
  const b = new Item()
  loop.track(a)
  loop.track(b)
  for (let i = 0; i < 500; i++) {
    loop.markDirty(a)
    loop.markDirty(b)
  }
  t.equal(frames.length, 1, 'one frame requested for all of it')
  runFrame()
  t.same(a.renders, [1016])
  t.same(b.renders, [1016])
  t.equal(frames.length, 0, 'nothing dirty, no further frame')
})

t.test('only dirty cards are drawn', async (t) => {
  const { loop, runFrame } = setup()
  const a = new Item()
  const b = new Item()
  loop.track(a)
  loop.track(b)
  runFrame()
  loop.markDirty(a)
  runFrame()
  t.equal(a.renders.length, 2)
  t.equal(b.renders.length, 1)
})

t.test('off-screen cards are skipped and drawn when they come back', async (t) => {
  const { loop, frames, runFrame } = setup()
  const a = new Item()
  loop.track(a)
  loop.setVisible(a, false)
  runFrame()
  t.equal(a.renders.length, 0, 'hidden before its first frame')
  loop.markDirty(a)
  t.equal(frames.length, 0, 'a hidden card does not request frames')
  loop.setVisible(a, true)
  t.equal(frames.length, 1)
  runFrame()
  t.equal(a.renders.length, 1, 'drawn once on return, however many updates it missed')
  loop.setVisible(a, true)
  t.equal(frames.length, 0, 'a clean card coming back needs no frame')
})

t.test('an item tracked as not visible waits for its first visibility report', async (t) => {
  const { loop, frames, runFrame } = setup()
  const a = new Item()
  loop.track(a, false)
  t.equal(frames.length, 0)
  loop.setVisible(a, true)
  runFrame()
  t.equal(a.renders.length, 1)
})

t.test('markAllDirty redraws every visible tracked card', async (t) => {
  const { loop, runFrame } = setup()
  const items = [new Item(), new Item(), new Item()]
  for (const item of items) loop.track(item)
  runFrame()
  loop.setVisible(items[2] as Item, false)
  loop.markAllDirty()
  runFrame()
  t.same(items.map((item) => item.renders.length), [2, 2, 1])
})

t.test('untracked items are ignored', async (t) => {
  const { loop, frames } = setup()
  const a = new Item()
  loop.markDirty(a)
  loop.setVisible(a, true)
  t.equal(frames.length, 0)
  loop.track(a)
  loop.untrack(a)
  frames.shift()?.()
  t.equal(a.renders.length, 0)
})

t.test('a card that throws does not stop later frames', async (t) => {
  const { loop, frames, runFrame } = setup()
  const bad = { render: () => { throw new Error('boom') } }
  const loopAny = loop as unknown as RenderLoop<{ render: (now: number) => void }>
  loopAny.track(bad)
  t.throws(runFrame, /boom/)
  const good = new Item()
  loop.track(good)
  t.equal(frames.length, 1)
  runFrame()
  t.equal(good.renders.length, 1)
})

t.test('uses Date.now by default', async (t) => {
  const frames: Array<() => void> = []
  const loop = new RenderLoop<Item>({ requestFrame: (callback) => frames.push(callback) })
  const item = new Item()
  loop.track(item)
  const before = Date.now()
  frames[0]?.()
  t.ok((item.renders[0] ?? 0) >= before)
})

t.test('an item is not rendered again within minIntervalMs; it waits for a later frame', async (t) => {
  const { loop, frames, runFrame } = setup(40)
  const a = new Item()
  loop.track(a)
  runFrame()
  t.same(a.renders, [1016])
  loop.markDirty(a)
  runFrame()
  runFrame()
  t.same(a.renders, [1016], 'dirty again 16 and 32 ms later: still waiting')
  t.equal(frames.length, 1, 'a frame stays requested while it waits')
  runFrame()
  t.same(a.renders, [1016, 1064], 'drawn once 40 ms have passed')
  t.equal(frames.length, 0)
  loop.untrack(a)
  loop.track(a)
  runFrame()
  t.same(a.renders, [1016, 1064, 1080], 'tracked afresh, it is drawn at once')
})

t.test('an item that marks itself dirty while rendering is drawn again in the next frame, not the same one', async (t) => {
  const { loop, frames, runFrame } = setup()
  const selfMarking = loop as unknown as RenderLoop<{ render: (nowMs: number) => void }>
  const renders: number[] = []
  const item = {
    render: (nowMs: number) => {
      renders.push(nowMs)
      selfMarking.markDirty(item)
    }
  }
  selfMarking.track(item)
  runFrame()
  t.same(renders, [1016], 'once in its frame')
  t.equal(frames.length, 1, 'with the next frame requested')
  runFrame()
  t.same(renders, [1016, 1032])
  selfMarking.untrack(item)
})
