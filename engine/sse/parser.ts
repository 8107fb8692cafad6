// The event-stream reader of xk6-sse (k6/x/sse), byte for byte, fed incrementally: the socket's
// chunks go in as they arrive, complete events come out at once. Its rules are the extension's,
// not the WHATWG ones, so a script sees under the engine what it sees under k6:
//  - lines end at "\n" only; a "\r" before it stays in id, event and comment values;
//  - every blank line ("\n" or "\r\n") dispatches an event, even one without data;
//  - `data:` lines are concatenated with their line ends, trailing "\r" and "\n" trimmed at dispatch;
//  - a comment is kept on the event (`event.comment`); `retry:` is ignored;
//  - any other line is an error ("unknown event: <line>") and reading goes on;
//  - a line or event not finished when the stream ends is dropped.

/** What an `event` handler receives (xk6-sse's Event: id, comment, name, data). */
export interface SseEvent {
  id: string;
  comment: string;
  name: string;
  data: string;
}

export interface ParserSink {
  event(event: SseEvent): void;
  /** A line the extension does not know; the stream goes on. */
  unknown(line: string): void;
}

const LF = 10;
const EMPTY = Buffer.alloc(0);

export class SseParser {
  private rest: Buffer = EMPTY;
  private id = '';
  private comment = '';
  private name = '';
  /**
   * The data lines so far joined with their line ends, less the last "\n" (dispatch trims trailing
   * line ends anyway): a one-line event's data is then the decoded string itself, not a slice.
   */
  private data = '';
  private hasData = false;
  /** Set by stop(): the rest of the current chunk is not read (client.close() in a handler). */
  private stopped = false;

  constructor(private readonly sink: ParserSink) {}

  /** Reads one chunk; the sink hears of every event and unknown line it completes, in order. */
  feed(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest.length > 0) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = EMPTY;
    }
    let start = 0;
    let lf = buf.indexOf(LF, start);
    while (lf >= 0 && !this.stopped) {
      this.line(buf, start, lf + 1);
      start = lf + 1;
      lf = buf.indexOf(LF, start);
    }
    if (this.stopped) return;
    // An unfinished line waits for the next chunk (copied: the socket's buffer is reused).
    if (start < buf.length) this.rest = Buffer.from(buf.subarray(start));
  }

  stop(): void {
    this.stopped = true;
  }

  /** One line, [start, end) including its "\n". */
  private line(buf: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len === 1 || (len === 2 && buf[start] === 13)) {
      this.dispatch();
      return;
    }
    // Nearly every line is `data:`, and no other prefix the extension checks starts like it: read
    // it off the bytes and decode only the value (the prefix is ASCII, so the text is the same).
    if (len >= 6 && buf[start] === 100 && buf[start + 1] === 97 && buf[start + 2] === 116 && buf[start + 3] === 97 && buf[start + 4] === 58) {
      const value = buf.toString('utf8', buf[start + 5] === 32 ? start + 6 : start + 5, end - 1);
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
      return;
    }
    const text = buf.toString('utf8', start, end);
    // The extension's prefix checks, in its order; values drop the final "\n" only.
    if (text.startsWith('id: ')) this.id = text.slice(4, -1);
    else if (text.startsWith('id:')) this.id = text.slice(3, -1);
    else if (text.startsWith(': ')) this.comment = text.slice(2, -1);
    else if (text.startsWith(':')) this.comment = text.slice(1, -1);
    else if (text.startsWith('event: ')) this.name = text.slice(7, -1);
    else if (text.startsWith('event:')) this.name = text.slice(6, -1);
    else if (text.startsWith('retry:')) return;
    else this.sink.unknown(text);
  }

  private dispatch(): void {
    let data = this.data;
    let end = data.length;
    while (end > 0) {
      const c = data.charCodeAt(end - 1);
      if (c !== 10 && c !== 13) break;
      end--;
    }
    if (end !== data.length) data = data.slice(0, end);
    const event: SseEvent = { id: this.id, comment: this.comment, name: this.name, data };
    this.id = '';
    this.comment = '';
    this.name = '';
    this.data = '';
    this.hasData = false;
    this.sink.event(event);
  }
}
