/**
 * A 50 MB body sent as fast as the socket takes it, to be refused (413) by the control plane
 * or the npm endpoint, while small signed requests are timed on another connection.
 */
import { spawn } from 'node:child_process';
import { npmPath, type Wire } from './wire.ts';

const MB = 1024 * 1024;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RefusalMeasurement {
  status: number;
  answeredAfterMs: number;
  samples: number;
  median: number;
  max: number;
  idleMedian: number;
  latencies: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export async function measureRefusal(baseUrl: string, wire: Wire, plane: 'control' | 'npm', bytes = 50 * MB): Promise<RefusalMeasurement> {
  const small = () => wire.send({ method: 'POST', path: '/v1/domains', body: '{}' });
  const idle: number[] = [];
  for (let i = 0; i < 7; i++) idle.push((await small()).ms);
  const port = Number(new URL(baseUrl).port);
  const target = plane === 'control' ? '/v1/domain?domain=huge' : `${npmPath('fuzz-a', 'my-repo')}huge-pkg`;
  const head = `${plane === 'control' ? 'POST' : 'PUT'} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`;
  // The sender is its own process, as another client would be: its CPU is not the measurer's.
  const sender = spawn(process.execPath, ['-e', SENDER, String(port), head, String(bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let received = '';
  sender.stdout.setEncoding('utf8').on('data', (d: string) => (received += d));
  let finished = false;
  sender.once('exit', () => (finished = true));
  const started = performance.now();
  let answeredAt = 0;
  const latencies: number[] = [];
  const deadline = Date.now() + 60_000;
  // Sample while the body is refused and its rest dropped, and a few times after.
  while ((!finished || latencies.length < 5) && latencies.length < 300 && Date.now() < deadline) {
    latencies.push((await small()).ms);
    if (answeredAt === 0 && /\r\n\r\n[\s\S]*\}/.test(received)) answeredAt = performance.now();
    await pause(10);
  }
  if (!finished) sender.kill();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
  return {
    status,
    answeredAfterMs: answeredAt ? answeredAt - started : NaN,
    samples: latencies.length,
    median: median(latencies),
    max: Math.max(...latencies),
    idleMedian: median(idle),
    latencies,
  };
}

/** Sends the head and then the body as fast as the socket takes it; prints what comes back. */
const SENDER = `
const net = require('node:net');
const [port, head, bytes] = process.argv.slice(1);
const socket = net.connect(Number(port), '127.0.0.1');
socket.on('error', () => {});
socket.on('data', (d) => process.stdout.write(d));
socket.on('close', () => process.exit(0));
const chunk = Buffer.alloc(1 << 20, 0x61);
let sent = 0;
const pump = () => {
  while (sent < Number(bytes) && !socket.destroyed) {
    sent += chunk.length;
    if (!socket.write(chunk)) return void socket.once('drain', pump);
  }
  socket.end();
};
socket.write(head);
pump();
setTimeout(() => process.exit(0), 30000);
`;
