// Types of the xk6-sse extension (`import sse from 'k6/x/sse'`, github.com/phymbert/xk6-sse):
// k6 resolves the module at run time (automatically since k6 1.2, or from an xk6 build).
declare module 'k6/x/sse' {
  export interface SseParams {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    tags?: Record<string, string>;
    /** Go duration ("30s", "500ms"); none by default. */
    timeout?: string;
  }
  export interface SseEvent {
    id: string;
    name: string;
    data: string;
    comment: string;
  }
  export interface SseError {
    error(): string;
  }
  export interface SseClient {
    on(event: 'open', handler: () => void): void;
    on(event: 'event', handler: (event: SseEvent) => void): void;
    on(event: 'error', handler: (error: SseError) => void): void;
    close(): void;
  }
  export interface SseResponse {
    url: string;
    status: number;
    headers: Record<string, string>;
    error: string;
  }
  /** Blocks under k6 and returns the response; the embedded engine returns a promise of it. */
  export function open(url: string, params: SseParams | null, callback: (client: SseClient) => void): SseResponse | Promise<SseResponse>;
  export function open(url: string, callback: (client: SseClient) => void): SseResponse | Promise<SseResponse>;
  const sse: { open: typeof open };
  export default sse;
}
