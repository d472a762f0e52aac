/**
 * `tandem-ls`: the language server's entry point. Parses argv, picks the transport, hardens the
 * process, and hands the connection to `createServer`.
 */
import {
  createConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import type { Connection } from 'vscode-languageserver';
import * as net from 'node:net';
import { FrameGuard } from './lsp/framing';
import { GatedReader } from './lsp/gate';
import { createServer } from './server';
import { serverVersion } from './version';

const usage = `Usage: tandem-ls [--stdio | --node-ipc | --socket=PORT] [--clientProcessId=PID]

The Tandem language server: requirement-to-test traceability, testability diagnostics, test runs
and generation of code with its tests, for any editor that speaks the Language Server Protocol.

Transports:
  --stdio          talk over standard input and output (the default)
  --node-ipc       talk over Node's IPC channel (when started by a Node-based editor)
  --socket=PORT    connect to a socket the editor listens on, at 127.0.0.1:PORT

Other options:
  --clientProcessId=PID   exit when that process (the editor) dies
  --version               print the version and exit
  --help                  print this help and exit

Settings come from tandem.json at each workspace folder's root and from the editor's "tandem"
settings section. The command-line tool with the same engine is \`tandem\` (see \`tandem --help\`).
`;

/** Where bad input is reported: the editor's log once there is a connection, else standard error. */
const toStderr = (message: string) => void process.stderr.write(`tandem-ls: ${message}\n`);
let warn: (message: string) => void = toStderr;

/** Every byte-stream transport reads through the frame guard: the reader sees only frames it accepts. */
function guarded(input: NodeJS.ReadableStream): StreamMessageReader {
  const guard = new FrameGuard();
  input.pipe(guard);
  guard.onProblem = (message) => warn(`Bad input from the editor: ${message}; the server goes on.`);
  return new StreamMessageReader(guard);
}

/** Every transport reads through the gate: the lifecycle and the parameters' shapes are checked once, for all handlers. */
function gated(reader: MessageReader, writer: MessageWriter): [MessageReader, MessageWriter] {
  const gate = new GatedReader(reader, writer);
  // Before initialize the server may not write to the editor: such problems go to standard error.
  gate.onProblem = (message, initialized) => (initialized ? warn : toStderr)(`Bad input from the editor: ${message}; the server goes on.`);
  return [gate, writer];
}

function main(argv: string[]): void {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`${serverVersion()}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return;
  }
  const known = /^--(stdio|node-ipc|socket=\d+|clientProcessId=\d+|port=\d+|pipe=.+)$/;
  const unknown = argv.filter((arg) => !known.test(arg));
  if (unknown.length > 0) {
    process.stderr.write(`tandem-ls: unknown option ${unknown.join(' ')}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }

  let connection: Connection;
  const socketArg = argv.find((arg) => arg.startsWith('--socket=') || arg.startsWith('--port='));
  if (argv.includes('--node-ipc')) {
    connection = createConnection(ProposedFeatures.all, ...gated(new IPCMessageReader(process), new IPCMessageWriter(process)));
  } else if (socketArg) {
    const port = Number(socketArg.split('=')[1]);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', (error) => {
      process.stderr.write(`tandem-ls: cannot connect to 127.0.0.1:${port}: ${error.message}\n`);
      process.exit(1);
    });
    socket.on('close', () => process.exit(0));
    connection = createConnection(ProposedFeatures.all, ...gated(guarded(socket), new StreamMessageWriter(socket)));
  } else {
    connection = createConnection(ProposedFeatures.all, ...gated(guarded(process.stdin), new StreamMessageWriter(process.stdout)));
    // The editor closing our input is the editor going away.
    process.stdin.on('end', () => process.exit(0));
  }

  // A throw in a timer or a forgotten rejection is logged; the server keeps answering.
  process.on('uncaughtException', (error) => {
    try {
      connection.console.error(`Unexpected error (the server goes on): ${error.stack ?? error}`);
    } catch {
      process.stderr.write(`tandem-ls: ${error.stack ?? error}\n`);
    }
  });
  process.on('unhandledRejection', (reason) => {
    try {
      connection.console.error(`Unhandled rejection (the server goes on): ${(reason as Error)?.stack ?? reason}`);
    } catch {
      process.stderr.write(`tandem-ls: ${String(reason)}\n`);
    }
  });
  // Writes to a closed stdout (the editor died) must not crash the process with EPIPE.
  process.stdout.on('error', () => process.exit(0));

  const ready = connection;
  warn = (message) => ready.console.warn(message);
  createServer(connection);
  connection.listen();
}

main(process.argv.slice(2));
