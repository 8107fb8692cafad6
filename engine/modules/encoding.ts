// `k6/encoding`: base64 in the std and url alphabets, raw (unpadded) or padded.
type B64Encoding = 'std' | 'rawstd' | 'url' | 'rawurl';

function toBuffer(input: string | ArrayBuffer | Uint8Array): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  return input instanceof ArrayBuffer ? Buffer.from(input) : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

export function b64encode(input: string | ArrayBuffer | Uint8Array, encoding: B64Encoding = 'std'): string {
  const buf = toBuffer(input);
  if (encoding === 'url' || encoding === 'rawurl') {
    const text = buf.toString('base64url');
    return encoding === 'url' ? text.padEnd(Math.ceil(text.length / 4) * 4, '=') : text;
  }
  const text = buf.toString('base64');
  return encoding === 'rawstd' ? text.replace(/=+$/, '') : text;
}

export function b64decode(input: string, encoding: B64Encoding = 'std', format?: 's'): string | ArrayBuffer {
  const buf = Buffer.from(input, encoding === 'url' || encoding === 'rawurl' ? 'base64url' : 'base64');
  if (format === 's') return buf.toString('utf8');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

export default { b64encode, b64decode };
