/**
 * Gives back to the system the memory the server's traffic freed: the server lets go of the
 * closed runs it kept whole for the traffic (runs.ts), then has malloc return what is free. Each
 * request allocates and frees native buffers (socket reads, HTTP/2 frames, Postgres messages);
 * glibc's malloc keeps what they freed in holes of its arenas, which it never returns by itself,
 * so a server that has handled a burst of work stays as large as at its peak. On glibc, reached
 * through koffi's FFI, the server fixes malloc's mmap threshold at its default (glibc otherwise
 * raises it, and the trim threshold with it, after the first large buffers are freed, and then
 * even an arena's free top stays) and calls `malloc_trim(0)` once traffic has paused, or every so
 * often while it lasts. Elsewhere (musl, macOS, Windows) only the closed runs are let go of.
 */

/** What the release needs of the allocator. */
export interface Allocator {
  /** Returns free memory of every arena to the system; true when some was returned. */
  trim(): boolean;
}

const M_MMAP_THRESHOLD = -3;
/** glibc's own starting value: fixing it there only stops the rise. */
const MMAP_THRESHOLD_BYTES = 128 * 1024;

let loaded: Allocator | null | undefined;

/** glibc's malloc, once its settings are fixed; undefined where there is no glibc to talk to. */
export function glibcAllocator(): Allocator | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  if (process.platform !== 'linux') return undefined;
  try {
    // Loaded only here: no process that does not ask for the release pays for the binding.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const mallocTrim = libc.func('int malloc_trim(size_t pad)') as (pad: number) => number;
    const mallopt = libc.func('int mallopt(int param, int value)') as (param: number, value: number) => number;
    if (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) !== 1) return undefined;
    loaded = { trim: () => mallocTrim(0) === 1 };
  } catch {
    // No glibc (musl has no libc.so.6 nor malloc_trim), or no binding for this platform.
  }
  return loaded ?? undefined;
}

export interface FreedMemoryReleaseOptions {
  /** Lets go of what the traffic left behind; true when memory went back to the system. */
  release: () => boolean;
  /** How long traffic must pause before a release (default 10 s). */
  quietMs?: number;
  /** The longest time between two releases while traffic lasts (default 60 s). */
  maxIntervalMs?: number;
  /** How often the release looks (default 5 s). */
  checkEveryMs?: number;
  now?: () => number;
}

/**
 * Releases memory after traffic: `activity()` is called for each request, and `release` runs once
 * requests have paused for `quietMs` (then once more a quiet period later, for what the garbage
 * collections in between freed), or `maxIntervalMs` after the last release while they go on.
 * Nothing happens while the server is idle.
 */
export class FreedMemoryRelease {
  private readonly release: () => boolean;
  private readonly quietMs: number;
  private readonly maxIntervalMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private lastActivity: number | undefined;
  private lastRelease: number;
  private followUp = false;
  /** Releases done, and how many gave memory back to the system. */
  readonly counts = { releases: 0, returned: 0 };

  constructor(options: FreedMemoryReleaseOptions) {
    this.release = options.release;
    this.quietMs = options.quietMs ?? 10_000;
    this.maxIntervalMs = options.maxIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.lastRelease = this.now();
    this.timer = setInterval(() => this.check(), options.checkEveryMs ?? 5_000);
    this.timer.unref();
  }

  activity(): void {
    this.lastActivity = this.now();
  }

  /** Releases when traffic since the last release has paused long enough, or has gone on too long. */
  check(): void {
    const now = this.now();
    if (this.lastActivity !== undefined && this.lastActivity >= this.lastRelease) {
      const quiet = now - this.lastActivity >= this.quietMs;
      if (!quiet && now - this.lastRelease < this.maxIntervalMs) return;
      this.followUp = quiet;
    } else if (this.followUp && now - this.lastRelease >= this.quietMs) {
      this.followUp = false;
    } else return;
    this.lastRelease = now;
    this.counts.releases++;
    if (this.release()) this.counts.returned++;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
