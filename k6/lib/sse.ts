// Server-sent events parser following the WHATWG event-stream rules: LF, CRLF or CR line ends,
// ":" comments, multi-line data, event/id fields, an optional BOM. It accepts the stream in
// chunks split anywhere (k6 hands over the whole buffered body; tests split it at every
// character). Pure code, no k6 imports.

export interface SseEvent {
  /** "message" unless an `event:` line named it. */
  event: string;
  /** Data lines joined by "\n". */
  data: string;
  /** Last event id seen, if any. */
  id?: string;
}

export class SseParser {
  private rest = '';
  private dataLines: string[] = [];
  private eventType = '';
  private lastId: string | undefined;
  private started = false;
  private skipLeadingLF = false;
  /** Comment lines seen (": keep-alive" and the like). */
  comments = 0;

  /** Feeds the next piece of the stream; returns the events it completed. */
  feed(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = chunk;
    if (text.length === 0) return events;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    const buffer = this.rest + text;
    // indexOf finds line ends much faster than a loop over every character.
    let start = 0;
    let lf = buffer.indexOf('\n');
    let cr = buffer.indexOf('\r');
    while (lf >= 0 || cr >= 0) {
      const isCR = cr >= 0 && (lf < 0 || cr < lf);
      const end = isCR ? cr : lf;
      this.line(buffer.slice(start, end), events);
      start = end + 1;
      if (isCR) {
        // CRLF is one line end, even when the LF arrives in the next chunk.
        if (start === buffer.length) this.skipLeadingLF = true;
        else if (buffer.charCodeAt(start) === 10) start++;
      }
      if (lf >= 0 && lf < start) lf = buffer.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = buffer.indexOf('\r', start);
    }
    this.rest = buffer.slice(start);
    return events;
  }

  /** True when the stream stopped inside an event (no blank line after its last field). */
  get pending(): boolean {
    return this.rest.length > 0 || this.dataLines.length > 0 || this.eventType !== '';
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // "retry" and unknown fields do not concern a benchmark.
        break;
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      const event: SseEvent = { event: this.eventType || 'message', data: this.dataLines.join('\n') };
      if (this.lastId !== undefined) event.id = this.lastId;
      events.push(event);
    }
    this.dataLines = [];
    this.eventType = '';
  }
}

/** Parses a whole stream. An event not closed by a blank line is dropped, as the spec says. */
export function parseSse(body: string): { events: SseEvent[]; truncated: boolean; comments: number } {
  const parser = new SseParser();
  const events = parser.feed(body);
  return { events, truncated: parser.pending, comments: parser.comments };
}
