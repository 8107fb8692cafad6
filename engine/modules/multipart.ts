// multipart/form-data bodies for objects holding http.file() values, as k6 sends them.
import { randomBytes } from 'node:crypto';

export interface FileData {
  data: string | ArrayBuffer | Uint8Array;
  filename?: string;
  content_type: string;
  __k6file?: true;
}

export const isFileData = (v: unknown): v is FileData =>
  v !== null && typeof v === 'object' && ((v as FileData).__k6file === true || ('data' in v && 'content_type' in v && 'filename' in v));

const bytesOf = (d: FileData['data'] | string): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

const quote = (s: string) => s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

export function multipartBody(fields: Record<string, string | FileData>): { contentType: string; bytes: Uint8Array } {
  const boundary = randomBytes(30).toString('hex').slice(0, 60);
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"`;
    let body: Buffer;
    if (isFileData(value)) {
      head += `; filename="${quote(value.filename ?? 'file')}"\r\nContent-Type: ${value.content_type}`;
      body = bytesOf(value.data);
    } else {
      body = Buffer.from(String(value), 'utf8');
    }
    parts.push(Buffer.from(`${head}\r\n\r\n`), body, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, bytes: Buffer.concat(parts) };
}
