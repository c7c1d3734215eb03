// A small real-world backend for the proxy's WebSocket tests: Express for HTTP, ws for WebSockets.
//   PORT             the port to listen on, on 127.0.0.1 (required)
//   NONSTOP_VERSION  the version it tells (or the first argument); "dev" when neither is given
// GET /health → 200 "ok"; GET / → "hello <version>"; /ws echoes every message, and answers the
// text "who" with the version, so a test can tell which release answered. On SIGTERM it closes
// every WebSocket with 1001 (going away), as an app being replaced should, then exits.
'use strict';
const http = require('http');
const express = require('express');
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error(`PORT: ${process.env.PORT} (expected: a port number)`);
  process.exit(2);
}
const version = process.env.NONSTOP_VERSION || process.argv[2] || 'dev';

const app = express();
app.get('/health', (req, res) => res.type('text/plain').send('ok'));
app.get('/', (req, res) => res.type('text/plain').send(`hello ${version}`));

const server = http.createServer(app);
// 4 MiB so that the tests' 1 MiB messages pass (ws defaults to 100 MiB; this bounds memory)
const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 4 * 1024 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    if (!isBinary && data.toString() === 'who') {
      socket.send(version);
    } else {
      socket.send(data, { binary: isBinary });
    }
  });
});

process.on('SIGTERM', () => {
  console.log(`${version}: SIGTERM, closing ${wss.clients.size} WebSocket(s) with 1001`);
  for (const socket of wss.clients) {
    socket.close(1001, 'going away');
  }
  server.close(() => process.exit(0));
  // keep-alive HTTP connections and peers that never answer the close would hold the exit
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
});

server.listen(port, '127.0.0.1', () => console.log(`${version}: listening on 127.0.0.1:${port}`));
