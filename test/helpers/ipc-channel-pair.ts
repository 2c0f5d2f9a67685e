import { EventEmitter } from 'node:events'
import type { IpcChannel } from '../../server/log/cluster/ipc-protocol.js'

/** Both ends of an in-memory IPC channel between a cluster primary and one worker. */
export interface ChannelPair<M> {
  /** The primary's end (what it sends is recorded in `sent`). */
  readonly primary: IpcChannel<M>
  /** The worker's end. */
  readonly worker: IpcChannel<M>
  /** Both ends see 'disconnect', as when the worker dies. */
  readonly disconnect: () => void
  /** Every message the primary sent, in order. */
  readonly sent: M[]
  /** Holds what the worker sends until the returned function is called. */
  readonly hold: () => () => void
}

/** An in-memory IPC channel: messages are cloned and delivered on a later turn, as over a pipe. */
export function channelPair<M> (): ChannelPair<M> {
  const toPrimary = new EventEmitter()
  const toWorker = new EventEmitter()
  const state = { connected: true, held: undefined as Array<() => void> | undefined }
  const sent: M[] = []
  const end = (inbox: EventEmitter, outbox: EventEmitter, record: boolean): IpcChannel<M> => ({
    send: (message) => {
      if (record) sent.push(message)
      const copy = structuredClone(message)
      const deliver = (): void => { setImmediate(() => outbox.emit('message', copy)) }
      if (!record && state.held !== undefined) state.held.push(deliver)
      else deliver()
    },
    onMessage: (listener) => { inbox.on('message', listener) },
    onDisconnect: (listener) => { inbox.once('disconnect', listener) },
    connected: () => state.connected
  })
  return {
    primary: end(toPrimary, toWorker, true),
    worker: end(toWorker, toPrimary, false),
    disconnect: () => {
      state.connected = false
      toPrimary.emit('disconnect')
      toWorker.emit('disconnect')
    },
    sent,
    hold: () => {
      state.held = []
      return () => {
        const held = state.held ?? []
        state.held = undefined
        for (const deliver of held) deliver()
      }
    }
  }
}
