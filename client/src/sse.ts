// Server-sent events read from a fetch response body, as the HTML standard's
// EventSource parses them (fields event, data, id, retry; comment lines; CR,
// LF or CRLF line ends). Written here because EventSource cannot send an
// Authorization header, and the parser is a page of code.

export interface ServerSentEvent {
  /** "message" when the event named none */
  event: string
  data: string
  /** the last id seen on the stream so far (what Last-Event-ID carries on a reconnect) */
  lastEventId: string
}

export interface SseState {
  lastEventId: string
  /** the reconnection delay the server asked for (retry: field), if it did */
  retryMs: number | undefined
}

export async function * readEvents (body: ReadableStream<Uint8Array>, state: SseState): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []

  function field (line: string): ServerSentEvent | undefined {
    if (line === '') {
      const dispatched = data.length === 0 ? undefined : { event: event === '' ? 'message' : event, data: data.join('\n'), lastEventId: state.lastEventId }
      event = ''
      data = []
      return dispatched
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const name = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (name === 'event') event = value
    else if (name === 'data') data.push(value)
    else if (name === 'id' && !value.includes('\0')) state.lastEventId = value
    else if (name === 'retry' && /^\d+$/.test(value)) state.retryMs = Number(value)
    return undefined
  }

  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      buffer += decoder.decode(value, { stream: !done })
      // A CR at the very end may be the first half of a CRLF: it waits for the next chunk, if one comes.
      const lineEnd = done ? /\r\n|\r|\n/ : /\r\n|\r(?!$)|\n/
      for (let end = buffer.search(lineEnd); end !== -1; end = buffer.search(lineEnd)) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(buffer.startsWith('\r\n', end) ? end + 2 : end + 1)
        const dispatched = field(line)
        if (dispatched !== undefined) yield dispatched
      }
      if (done) return
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}
