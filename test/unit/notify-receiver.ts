/**
 * A real AF_UNIX datagram socket standing in for systemd's notify socket.
 * Node has no AF_UNIX datagram sockets and the npm unix-dgram package cannot
 * bind abstract names, so a few lines of /usr/bin/python3 (stdlib `socket`
 * only) bind it and print each datagram as a JSON line, with the sender's PID
 * from SCM_CREDENTIALS so tests can check it came from the main process
 * (what NotifyAccess=main enforces).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Python that ships with Debian; any python3 would do (stdlib only). */
const PYTHON = '/usr/bin/python3';

const RECEIVER_PY = String.raw`
import json, os, socket, struct, sys, time
name = sys.argv[1]
addr = '\0' + name[1:] if name.startswith('@') else name
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(addr)
print(json.dumps({'bound': name}), flush=True)
ucred = struct.calcsize('3i')
while True:
    data, anc, flags, _ = s.recvmsg(4096, socket.CMSG_SPACE(ucred))
    pid = None
    for level, typ, d in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid = struct.unpack('3i', d[:ucred])[0]
    print(json.dumps({'t': time.monotonic(), 'pid': pid, 'msg': data.decode()}), flush=True)
`;

/** One datagram received. */
export interface NotifyMessage {
  /** receive time, seconds of CLOCK_MONOTONIC */
  t: number;
  /** sender PID (SCM_CREDENTIALS) */
  pid: number;
  /** the datagram: newline-separated KEY=value lines */
  msg: string;
  /** msg parsed into fields (a repeated key keeps its last value) */
  fields: Record<string, string>;
}

export interface NotifyReceiver {
  /** every datagram so far */
  messages: NotifyMessage[];
  /** waits until a datagram matches `pred`, returning it */
  waitFor(pred: (m: NotifyMessage) => boolean, timeoutMs?: number): Promise<NotifyMessage>;
  /** waits for the n-th datagram (1-based), returning it */
  nth(n: number, timeoutMs?: number): Promise<NotifyMessage>;
  close(): void;
}

/**
 * Binds `name` (an absolute path, or `@name` for the abstract namespace)
 * and resolves once it is bound. `spawnIn` runs the receiver elsewhere, e.g.
 * inside a lab namespace: abstract names are per network namespace.
 */
export async function startNotifyReceiver(
  name: string,
  spawnIn: (cmd: string, args: string[]) => ChildProcess = (cmd, args) => spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }),
): Promise<NotifyReceiver> {
  const proc = spawnIn(PYTHON, ['-c', RECEIVER_PY, name]);
  const messages: NotifyMessage[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buf = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const bound = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`notify receiver exited (${code}): ${stderr}`)));
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as { bound?: string; t: number; pid: number; msg: string };
        buf = buf.slice(nl + 1);
        if (line.bound !== undefined) {
          resolve();
          continue;
        }
        const fields: Record<string, string> = {};
        for (const l of line.msg.split('\n')) {
          const eq = l.indexOf('=');
          if (eq > 0) fields[l.slice(0, eq)] = l.slice(eq + 1);
        }
        messages.push({ t: line.t, pid: line.pid, msg: line.msg, fields });
        for (const w of waiters) w();
      }
    });
  });
  await bound;
  const waitFor = (pred: (m: NotifyMessage) => boolean, timeoutMs = 5000): Promise<NotifyMessage> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = messages.find(pred);
        if (m === undefined) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for a notify message; got: ${JSON.stringify(messages.map((m) => m.msg))}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  const nth = async (n: number, timeoutMs?: number): Promise<NotifyMessage> => {
    await waitFor(() => messages.length >= n, timeoutMs);
    return messages[n - 1]!;
  };
  return { messages, waitFor, nth, close: () => proc.kill('SIGKILL') };
}
