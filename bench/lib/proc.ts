import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the pinned Node 24 binary (the system node may be older). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');

/**
 * Runs a Node script to completion and returns the last JSON line it printed on stdout.
 * stderr is passed through (prefixed) so failures are visible.
 */
export function runNodeJson<T>(script: string, args: unknown, options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; label?: string } = {}): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE, [...(options.nodeArgs ?? []), join(ROOT, script), JSON.stringify(args)], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      if (code !== 0 || !line) {
        reject(new Error(`${options.label ?? script} exited with ${code}\n${err.trim()}\n${out.trim()}`.trim()));
        return;
      }
      try {
        resolvePromise(JSON.parse(line) as T);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Waits for a line matching `pattern` on a child's stderr or stdout; rejects if the child exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, describe: () => string): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    let buffer = '';
    const onData = (d: Buffer) => {
      buffer += d.toString();
      const m = pattern.exec(buffer);
      if (m) {
        cleanup();
        resolvePromise(m);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`process exited with ${code} before it was ready\n${describe()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`process not ready after ${timeoutMs} ms\n${describe()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Sends SIGTERM and waits for exit; SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
    child.kill('SIGTERM');
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5), counted after the command name)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Resident set size now and its high-water mark, in bytes, from /proc/<pid>/status. */
export function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen. */
export function sampleRss(pid: number, everyMs = 25): { stop(): { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const tick = () => {
    const m = memory(pid);
    if (m && m.rss > peak) peak = m.rss;
    samples++;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peak, samples };
    },
  };
}

/** Bytes a process has written and read so far (write_bytes/read_bytes reach the block layer; wchar/rchar are syscalls). */
export function ioCounters(pid: number | 'self'): { wchar: number; writeBytes: number; rchar: number; readBytes: number } | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const v = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
    return { wchar: v('wchar'), writeBytes: v('write_bytes'), rchar: v('rchar'), readBytes: v('read_bytes') };
  } catch {
    return undefined;
  }
}
